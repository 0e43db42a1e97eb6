"""A new exam version replaces the old one; a pass on the old one counts for the new (H13)."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from certificates.models import Certificate
from certificates.services import certificate_issue
from exams import selectors
from exams.models import Attempt, AttemptState, Exam
from exams.services import attempts as attempt_services
from exams.services import exams as exam_services
from tests.factories import CategoryFactory, ExamFactory, approved_question, blueprint, single_choice

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(django_user_model):
    return django_user_model.objects.create_superuser(email="manager@example.uz", password="Parol-2026!")


@pytest.fixture
def exam():
    category = CategoryFactory(name="Huquq")
    for n in range(4):
        approved_question(category=category, data=single_choice(f"Savol {n}"))
    exam = ExamFactory(code="egov", attempts_allowed=3)
    blueprint(exam, [(category, 2)])
    return exam


def _final(exam, candidate, *, passed: bool) -> Attempt:
    now = timezone.now()
    return Attempt.objects.create(
        exam=exam,
        candidate=candidate,
        number=Attempt.objects.filter(exam=exam, candidate=candidate).count() + 1,
        seed=1,
        state=AttemptState.FINAL,
        started_at=now - datetime.timedelta(minutes=20),
        deadline_at=now + datetime.timedelta(minutes=10),
        submitted_at=now,
        score=Decimal("9"),
        max_score=Decimal("10"),
        percent=Decimal("90") if passed else Decimal("20"),
        passed=passed,
        final_at=now,
    )


def _dashboard(client) -> str:
    with translation.override("en"):
        return client.get(reverse("exams:dashboard")).content.decode()


def test_publishing_a_new_version_unpublishes_the_previous_one_and_its_attempt_in_progress_continues(
    exam, manager, candidate
):
    attempt = attempt_services.attempt_start(exam=exam, candidate=candidate)
    copy = exam_services.exam_new_version(exam=exam, by=manager, code="egov-2")
    assert Exam.objects.get(pk=exam.pk).is_published  # creating the copy alone changes nothing
    report = exam_services.exam_publish(exam=copy, by=manager)
    assert report.fillable
    assert Exam.objects.get(pk=copy.pk).is_published
    assert not Exam.objects.get(pk=exam.pk).is_published
    finished = attempt_services.attempt_submit(attempt_id=attempt.pk, by=candidate)
    assert finished.state == AttemptState.FINAL and finished.percent is not None


def test_a_valid_certificate_from_the_previous_version_counts_as_passed_for_the_new_one(
    client, exam, manager, candidate
):
    passed = _final(exam, candidate, passed=True)
    certificate = certificate_issue(attempt_id=passed.pk)
    copy = exam_services.exam_new_version(exam=exam, by=manager, code="egov-2")
    exam_services.exam_publish(exam=copy, by=manager)
    copy.refresh_from_db()
    state = selectors.exam_state(exam=copy, user=candidate)
    assert state["passed_attempt"] == passed
    assert selectors.exam_states(exams=[copy], user=candidate)[copy.pk]["passed_attempt"] == passed
    client.force_login(candidate)
    html = _dashboard(client)
    with translation.override("en"):
        start_url = reverse("exams:start", args=[copy.code])
        assert f'action="{start_url}"' not in html
        assert reverse("exams:result", args=[passed.pk]) in html
    assert "egov-2" in html and f'action="{start_url}"' not in html
    # Revoked: the earlier pass no longer counts, the new version is offered.
    Certificate.objects.filter(pk=certificate.pk).update(revoked_at=timezone.now(), revocation_reason="test")
    assert selectors.exam_state(exam=copy, user=candidate)["passed_attempt"] is None
    assert f'action="{start_url}"' in _dashboard(client)


def test_a_failed_previous_version_does_not_count_as_passed(exam, manager, candidate):
    _final(exam, candidate, passed=False)
    copy = exam_services.exam_new_version(exam=exam, by=manager, code="egov-2")
    exam_services.exam_publish(exam=copy, by=manager)
    assert selectors.exam_state(exam=copy, user=candidate)["passed_attempt"] is None


def test_an_expired_certificate_from_the_previous_version_does_not_count(exam, manager, candidate):
    passed = _final(exam, candidate, passed=True)
    certificate = certificate_issue(attempt_id=passed.pk)
    Certificate.objects.filter(pk=certificate.pk).update(expires_on=datetime.date(2020, 1, 1))
    copy = exam_services.exam_new_version(exam=exam, by=manager, code="egov-2")
    assert selectors.exam_state(exam=copy, user=candidate)["passed_attempt"] is None
