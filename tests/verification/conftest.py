"""Helpers for the verification tests: an exam of five one-point items, sitting it through
the exam engine's services, and staff with the examiner role."""

from decimal import Decimal

import pytest

from accounts.roles import EXAMINER, role_group, roles_setup
from exams.models import Attempt
from exams.services import attempts as attempt_services
from tests.answers import correct_response
from tests.factories import CategoryFactory, ExamFactory, approved_question, blueprint, single_choice
from verification.models import ExamVerificationPolicy


@pytest.fixture
def exam():
    """Five single-choice items of one point, cut score 70 %: 3 right fail (60 %), 4 pass."""
    category = CategoryFactory(name="Huquqiy asos")
    for n in range(5):
        approved_question(category=category, data=single_choice(f"Savol {n}"))
    exam = ExamFactory(code="verified", cut_score=Decimal("70"), shuffle_items=False, attempts_allowed=1)
    blueprint(exam, [(category, 5)])
    return exam


def policy(exam, **fields):
    return ExamVerificationPolicy.objects.create(exam=exam, **fields)


def sit(exam, candidate, *, right: int, capture) -> Attempt:
    """``candidate`` sits ``exam``: the first ``right`` items answered right, the others wrong;
    started and submitted with the after-commit work (the start's log entry, result_final and
    what follows) run."""
    with capture(execute=True):
        attempt = attempt_services.attempt_start(exam=exam, candidate=candidate)
    for item in attempt.items.select_related("question_version").order_by("position"):
        response = correct_response(item.question_version.data)
        if item.position > right:
            response = {"choice": "4" if response["choice"] != "4" else "3"}
        attempt_services.answer_save(
            attempt_id=attempt.pk, candidate=candidate, position=item.position, response=response
        )
    with capture(execute=True):
        attempt_services.attempt_submit(attempt_id=attempt.pk, by=candidate)
    attempt.refresh_from_db()
    return attempt


@pytest.fixture
def examiner(django_user_model):
    roles_setup()
    user = django_user_model.objects.create_user(email="examiner@example.uz", password="Parol-2026!", is_staff=True)
    user.groups.add(role_group(EXAMINER))
    return django_user_model.objects.get(pk=user.pk)
