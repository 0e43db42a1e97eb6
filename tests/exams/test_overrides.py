"""Overrides per candidate or cohort: extra time (also for an attempt in progress), another
attempt, another window; who and why are recorded and audited."""

from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Cohort
from exams.models import ExamOverride
from exams.services import attempts as svc
from exams.services import overrides
from tests.factories import CategoryFactory, ExamFactory, approved_question, blueprint

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def manager(django_user_model):
    return django_user_model.objects.create_superuser(email="manager@example.uz", password="Parol-2026!")


@pytest.fixture
def exam():
    category = CategoryFactory()
    for _ in range(4):
        approved_question(category=category)
    exam = ExamFactory(attempts_allowed=1, time_limit_minutes=30)
    blueprint(exam, [(category, 2)])
    return exam


def test_extra_time_lengthens_the_deadline_of_an_attempt_in_progress(exam, candidate, manager):
    attempt = svc.attempt_start(exam=exam, candidate=candidate)
    override = overrides.override_create(
        exam=exam, by=manager, candidate=candidate, extra_minutes=15, reason="Koʻrish qobiliyati cheklangan"
    )
    attempt.refresh_from_db()
    assert attempt.deadline_at == attempt.started_at + timedelta(minutes=45)
    assert override.created_by == manager and override.reason.startswith("Koʻrish")
    assert LogEntry.objects.get_for_object(override).exists()
    overrides.override_delete(override=override, by=manager)
    attempt.refresh_from_db()
    assert attempt.deadline_at == attempt.started_at + timedelta(minutes=30)


def test_extra_time_of_a_cohort_applies_at_start_but_never_past_the_close_time(exam, candidate, manager):
    cohort = Cohort.objects.create(name="Imkoniyati cheklanganlar")
    cohort.members.add(candidate)
    now = timezone.now()
    exam.closes_at = now + timedelta(minutes=40)
    exam.save()
    overrides.override_create(exam=exam, by=manager, cohort=cohort, extra_minutes=20, reason="Accessibility")
    attempt = svc.attempt_start(exam=exam, candidate=candidate, now=now)
    assert attempt.deadline_at == exam.closes_at


def test_another_attempt_and_another_window_for_one_candidate(exam, candidate, other_candidate, manager):
    first = svc.attempt_start(exam=exam, candidate=candidate)
    svc.attempt_submit(attempt_id=first.pk, by=candidate)
    with pytest.raises(svc.NoAttemptsLeft):
        svc.attempt_start(exam=exam, candidate=candidate)
    overrides.override_create(exam=exam, by=manager, candidate=candidate, extra_attempts=1, reason="Power cut")
    assert svc.attempt_start(exam=exam, candidate=candidate).number == 2

    now = timezone.now()
    exam.opens_at, exam.closes_at = now - timedelta(days=2), now - timedelta(days=1)
    exam.save()
    overrides.override_create(
        exam=exam, by=manager, candidate=other_candidate, closes_at=now + timedelta(hours=1), reason="Sick leave"
    )
    attempt = svc.attempt_start(exam=exam, candidate=other_candidate, now=now)
    assert attempt.deadline_at == now + timedelta(minutes=30)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"extra_minutes": 10, "reason": "  "}, "reason"),
        ({"extra_minutes": 10, "reason": "x", "both": True}, "either"),
        ({"reason": "x"}, "grants nothing"),
    ],
)
def test_a_bad_override_is_refused_and_nothing_is_written(exam, candidate, manager, kwargs, message):
    cohort = Cohort.objects.create(name="Guruh") if kwargs.pop("both", False) else None
    with pytest.raises(ValidationError, match=message):
        overrides.override_create(exam=exam, by=manager, candidate=candidate, cohort=cohort, **kwargs)
    assert not ExamOverride.objects.exists()


def test_only_an_exam_manager_grants_overrides(exam, candidate, other_candidate):
    with pytest.raises(PermissionDenied):
        overrides.override_create(exam=exam, by=other_candidate, candidate=candidate, extra_minutes=5, reason="x")


def test_the_admin_creates_an_override_through_the_service(exam, candidate, manager, client):
    attempt = svc.attempt_start(exam=exam, candidate=candidate)
    client.force_login(manager)
    url = reverse("exam_overrides:add")
    response = client.post(
        url, {"exam": exam.pk, "candidate": candidate.pk, "extra_minutes": 10, "extra_attempts": 0, "reason": "Imtiyoz"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    override = ExamOverride.objects.get()
    assert override.created_by == manager
    attempt.refresh_from_db()
    assert attempt.deadline_at == attempt.started_at + timedelta(minutes=40)
    refused = client.post(url, {"exam": exam.pk, "candidate": candidate.pk, "extra_minutes": 10, "reason": ""})
    assert refused.status_code == 200 and ExamOverride.objects.count() == 1
