"""The missed-certificate sweep (issue 10): a beat task finds final passing attempts without a
current certificate, and certificates without a PDF, and enqueues their issue and render."""

import datetime

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from certificates import tasks
from certificates.models import Certificate
from certificates.services import certificate_issue, certificates_missing_sweep
from exams.models import AttemptState
from verification.models import IdentityRequirement, ResultVerification, VerificationMode, VerificationState

from .conftest import make_attempt

pytestmark = pytest.mark.django_db

LONG_AGO = datetime.timedelta(minutes=30)


def _candidate(n):
    return get_user_model().objects.create_user(
        email=f"sweep{n}@example.uz", password="Parol-2026!", full_name=f"Nomzod {n}"
    )


@pytest.fixture
def recorded(monkeypatch):
    """The two tasks' ``delay`` replaced by a recorder: what the sweep enqueues, without running it."""
    calls = {"issue": [], "render": []}
    monkeypatch.setattr(tasks.issue_certificate, "delay", lambda pk: calls["issue"].append(pk))
    monkeypatch.setattr(tasks.render_certificate_pdf, "delay", lambda pk: calls["render"].append(pk))
    return calls


def test_the_sweep_enqueues_only_missed_certificates_and_missing_pdfs(exam, recorded):
    old = timezone.now() - LONG_AGO
    missed = make_attempt(exam, _candidate(1), final_at=old)
    recent = make_attempt(exam, _candidate(2))  # its issue task may still be on its way
    make_attempt(exam, _candidate(3), final_at=old, passed=False)
    make_attempt(exam, _candidate(4), final_at=old, state=AttemptState.SUBMITTED)
    held = make_attempt(exam, _candidate(5), final_at=old)
    ResultVerification.objects.create(
        attempt=held,
        state=VerificationState.WAITING,
        mode=VerificationMode.SIGN_OFF,
        identity=IdentityRequirement.NONE,
    )
    issued = certificate_issue(attempt_id=make_attempt(exam, _candidate(6), final_at=old).pk)
    without_pdf = certificate_issue(attempt_id=make_attempt(exam, _candidate(7), final_at=old).pk)
    Certificate.objects.filter(pk=without_pdf.pk).update(pdf="", created_at=old)
    Certificate.objects.filter(pk=issued.pk).update(created_at=old)

    enqueued = certificates_missing_sweep()

    assert enqueued == {"issue": [missed.pk], "render": [without_pdf.pk]}
    assert recorded == enqueued
    assert recent.pk not in recorded["issue"] and held.pk not in recorded["issue"]


def test_a_verified_result_is_swept_once_released(exam, recorded):
    attempt = make_attempt(exam, _candidate(1), final_at=timezone.now() - LONG_AGO)
    ResultVerification.objects.create(
        attempt=attempt,
        state=VerificationState.VERIFIED,
        mode=VerificationMode.SIGN_OFF,
        identity=IdentityRequirement.NONE,
    )
    assert certificates_missing_sweep()["issue"] == [attempt.pk]


def test_the_beat_task_issues_the_missed_certificate_once(exam):
    """Eager mode (tests): the enqueued issue runs at once; a second sweep finds nothing."""
    attempt = make_attempt(exam, _candidate(1), final_at=timezone.now() - LONG_AGO)
    assert tasks.sweep_missing_certificates() == {"issue": [attempt.pk], "render": []}
    certificate = Certificate.objects.get(attempt=attempt)
    assert certificate.pdf
    assert tasks.sweep_missing_certificates() == {"issue": [], "render": []}
    assert Certificate.objects.filter(attempt=attempt).count() == 1


def test_a_broker_outage_leaves_the_work_for_the_next_sweep(exam, monkeypatch, caplog):
    attempt = make_attempt(exam, _candidate(1), final_at=timezone.now() - LONG_AGO)

    def broker_down(pk):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.issue_certificate, "delay", broker_down)
    assert certificates_missing_sweep() == {"issue": [], "render": []}
    assert "Could not enqueue" in caplog.text
    assert not Certificate.objects.filter(attempt=attempt).exists()


def test_the_sweep_is_in_the_beat_schedule_every_ten_minutes():
    entries = [e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"].endswith("sweep_missing_certificates")]
    assert entries == [{"task": "certificates.tasks.sweep_missing_certificates", "schedule": 600.0}]
