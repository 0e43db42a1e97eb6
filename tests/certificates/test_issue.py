"""Issuing: through the exam signal and the task, once per passing attempt, gap-free serials."""

import datetime
import threading

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction

from certificates import services
from certificates.models import Certificate, CertificateEvent, SerialCounter
from certificates.services import CertificateError, certificate_issue, certificate_reissue, certificate_revoke
from certificates.tasks import issue_certificate
from exams.models import AttemptState
from exams.signals import result_final

from .conftest import make_attempt

pytestmark = pytest.mark.django_db


def test_a_passing_final_result_signal_issues_a_certificate_with_its_pdf(passed_attempt, candidate, exam):
    result_final.send(sender=None, attempt_id=passed_attempt.pk, passed=True)
    certificate = Certificate.objects.get(attempt=passed_attempt)
    assert certificate.holder == candidate
    assert certificate.holder_name == "Oʻgʻiloy Toʻxtayeva"
    assert certificate.qualification_uz == exam.title_uz
    assert certificate.pdf.name.endswith(".pdf")
    assert certificate.pdf.read(5) == b"%PDF-"
    assert certificate.status == "valid"
    assert list(certificate.events.values_list("action", flat=True)) == ["issued"]


def test_a_failing_result_signal_issues_nothing(exam, candidate):
    attempt = make_attempt(exam, candidate, passed=False)
    result_final.send(sender=None, attempt_id=attempt.pk, passed=False)
    assert not Certificate.objects.exists()


def test_the_task_is_idempotent_and_two_calls_make_one_certificate(passed_attempt):
    first = issue_certificate.delay(passed_attempt.pk).get()
    second = issue_certificate.delay(passed_attempt.pk).get()
    assert first == second
    assert Certificate.objects.filter(attempt=passed_attempt).count() == 1
    assert SerialCounter.objects.get().last == 1


def test_the_task_acks_late_and_retries_only_database_outages():
    from django.db import OperationalError

    assert issue_certificate.acks_late is True
    assert issue_certificate.autoretry_for == (OperationalError,)


@pytest.mark.parametrize(
    ("state", "passed"), [(AttemptState.FINAL, False), (AttemptState.SUBMITTED, None), (AttemptState.IN_PROGRESS, None)]
)
def test_an_attempt_that_is_not_a_final_pass_is_refused(exam, candidate, state, passed):
    attempt = make_attempt(exam, candidate, passed=bool(passed), state=state)
    with pytest.raises(CertificateError, match="not a final passing result"):
        certificate_issue(attempt_id=attempt.pk)
    assert not Certificate.objects.exists()
    assert issue_certificate.delay(attempt.pk).get() is None  # logged, not retried


def test_a_candidate_without_a_name_is_refused_and_nothing_is_written(exam, django_user_model):
    nameless = django_user_model.objects.create_user(email="nameless@example.uz", password="x")
    attempt = make_attempt(exam, nameless)
    with pytest.raises(CertificateError, match="no full name"):
        certificate_issue(attempt_id=attempt.pk)
    assert not Certificate.objects.exists()
    assert not SerialCounter.objects.filter(last__gt=0).exists()


def test_the_database_refuses_a_second_current_certificate_for_an_attempt(passed_attempt):
    certificate = certificate_issue(attempt_id=passed_attempt.pk)
    with pytest.raises(IntegrityError), transaction.atomic():
        Certificate.objects.create(
            holder=certificate.holder,
            exam=certificate.exam,
            attempt=passed_attempt,
            serial="EGOV-2026-999999",
            verification_code="0000-0000-0000-0000",
            holder_name="Someone Else",
            qualification_uz="x",
            issued_on=certificate.issued_on,
            issuer_name="x",
            signing_key_id="x",
            credential="x",
        )


def test_issued_and_expiry_dates_follow_the_result_date_in_tashkent(exam, candidate):
    # 20:30 UTC on 4 March is already 5 March in Tashkent (UTC+5).
    final_at = datetime.datetime(2025, 3, 4, 20, 30, tzinfo=datetime.UTC)
    attempt = make_attempt(exam, candidate, final_at=final_at)
    certificate = certificate_issue(attempt_id=attempt.pk)
    assert certificate.issued_on == datetime.date(2025, 3, 5)
    assert certificate.expires_on == datetime.date(2028, 3, 5)
    assert certificate.serial == "EGOV-2025-000001"


def test_an_exam_without_validity_gives_a_certificate_that_never_expires(exam, candidate):
    exam.validity_months = None
    exam.save()
    certificate = certificate_issue(attempt_id=make_attempt(exam, candidate).pk)
    assert certificate.expires_on is None


@pytest.mark.parametrize(
    ("issued", "months", "expires"),
    [
        (datetime.date(2025, 1, 31), 1, datetime.date(2025, 2, 28)),
        (datetime.date(2024, 1, 31), 1, datetime.date(2024, 2, 29)),
        (datetime.date(2025, 11, 15), 3, datetime.date(2026, 2, 15)),
        (datetime.date(2025, 3, 5), 36, datetime.date(2028, 3, 5)),
    ],
)
def test_expiry_adds_calendar_months_clamping_the_day(issued, months, expires):
    assert services.expiry_date(issued, months) == expires


def test_serials_are_consecutive_per_year_and_restart_each_year(exam, candidate, other_candidate):
    may_2025 = datetime.datetime(2025, 5, 1, 8, tzinfo=datetime.UTC)
    serials = [
        certificate_issue(attempt_id=make_attempt(exam, candidate, final_at=may_2025).pk).serial,
        certificate_issue(attempt_id=make_attempt(exam, other_candidate, final_at=may_2025).pk).serial,
        certificate_issue(attempt_id=make_attempt(exam, candidate, final_at=may_2025.replace(year=2026)).pk).serial,
    ]
    assert serials == ["EGOV-2025-000001", "EGOV-2025-000002", "EGOV-2026-000001"]


def test_a_failure_after_the_serial_is_drawn_gives_the_number_back(exam, candidate, other_candidate, monkeypatch):
    certificate_issue(attempt_id=make_attempt(exam, candidate).pk)

    def broken_sign(*args, **kwargs):
        raise RuntimeError("signing device unplugged")

    with monkeypatch.context() as patch:
        patch.setattr(services, "credential_sign", broken_sign)
        with pytest.raises(RuntimeError):
            certificate_issue(attempt_id=make_attempt(exam, other_candidate).pk)
    assert Certificate.objects.count() == 1
    later = certificate_issue(attempt_id=make_attempt(exam, other_candidate, number=2).pk)
    assert later.serial.endswith("-000002")


def test_a_crash_while_rendering_leaves_a_complete_certificate_that_a_retry_finishes(passed_attempt, monkeypatch):
    with monkeypatch.context() as patch:
        patch.setattr(services, "certificate_pdf_render", lambda certificate, **_: 1 / 0)
        with pytest.raises(ZeroDivisionError):
            certificate_issue(attempt_id=passed_attempt.pk)
    half = Certificate.objects.get()
    assert half.credential and half.serial and not half.pdf
    again = certificate_issue(attempt_id=passed_attempt.pk)
    assert again.pk == half.pk
    assert Certificate.objects.get().pdf.name


def test_revocation_needs_an_officer_and_a_reason_and_is_audited(passed_attempt, officer, candidate):
    certificate = certificate_issue(attempt_id=passed_attempt.pk)
    with pytest.raises(PermissionDenied):
        certificate_revoke(certificate=certificate, by=candidate, reason="fraud")
    with pytest.raises(CertificateError):
        certificate_revoke(certificate=certificate, by=officer, reason="  ")
    revoked = certificate_revoke(certificate=certificate, by=officer, reason="Exam taken by another person")
    assert revoked.status == "revoked"
    event = CertificateEvent.objects.get(action="revoked")
    assert (event.actor, event.reason) == (officer, "Exam taken by another person")
    with pytest.raises(CertificateError, match="already revoked"):
        certificate_revoke(certificate=revoked, by=officer, reason="again")


def test_reissue_supersedes_the_old_certificate_in_one_step(passed_attempt, officer):
    old = certificate_issue(attempt_id=passed_attempt.pk)
    new = certificate_reissue(certificate=old, by=officer, holder_name="Oʻgʻiloy Toʻxtayevna", reason="Typo")
    old.refresh_from_db()
    assert old.status == "superseded" and old.superseded_by == new
    assert new.status == "valid" and new.attempt_id == old.attempt_id
    assert new.holder_name == "Oʻgʻiloy Toʻxtayevna"
    assert new.serial != old.serial and new.verification_code != old.verification_code
    assert new.expires_on == old.expires_on
    assert Certificate.objects.filter(attempt=passed_attempt, superseded_at__isnull=True).get() == new
    assert certificate_issue(attempt_id=passed_attempt.pk) == new  # the current one
    reissued = CertificateEvent.objects.get(action="reissued")
    assert reissued.details["holder_name"] == {"from": "Oʻgʻiloy Toʻxtayeva", "to": "Oʻgʻiloy Toʻxtayevna"}
    with pytest.raises(CertificateError, match="already superseded"):
        certificate_reissue(certificate=old, by=officer, holder_name="X", reason="again")


def test_reissue_renders_the_new_pdf_after_the_commit(passed_attempt, officer, django_capture_on_commit_callbacks):
    old = certificate_issue(attempt_id=passed_attempt.pk)
    with django_capture_on_commit_callbacks(execute=True):
        new = certificate_reissue(certificate=old, by=officer, holder_name="Oʻgʻiloy T.", reason="Short form")
    new.refresh_from_db()
    assert new.pdf.name and new.pdf.name != old.pdf.name


def test_a_revoked_certificate_cannot_be_reissued(passed_attempt, officer):
    certificate = certificate_issue(attempt_id=passed_attempt.pk)
    certificate_revoke(certificate=certificate, by=officer, reason="fraud")
    with pytest.raises(CertificateError, match="revoked"):
        certificate_reissue(certificate=certificate, by=officer, holder_name="X", reason="y")


def test_status_turns_expired_the_day_after_expiry(passed_attempt):
    certificate = certificate_issue(attempt_id=passed_attempt.pk)
    assert certificate.status_on(certificate.expires_on) == "valid"
    assert certificate.status_on(certificate.expires_on + datetime.timedelta(days=1)) == "expired"


on_postgres = pytest.mark.skipif(
    "postgresql" not in settings.DATABASES["default"]["ENGINE"], reason="needs PostgreSQL row locks"
)


@on_postgres
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_issuing_makes_one_certificate_per_attempt_and_gap_free_serials(exam, django_user_model):
    people = [
        django_user_model.objects.create_user(email=f"c{i}@example.uz", password="x", full_name=f"Nomzod {i}")
        for i in range(6)
    ]
    attempts = [make_attempt(exam, person) for person in people]
    barrier = threading.Barrier(12)
    errors = []

    def issue(attempt_id):
        try:
            barrier.wait()
            certificate_issue(attempt_id=attempt_id)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue, args=(a.pk,)) for a in attempts for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Certificate.objects.count() == 6
    numbers = sorted(int(serial[-6:]) for serial in Certificate.objects.values_list("serial", flat=True))
    assert numbers == list(range(1, 7))
    assert SerialCounter.objects.get().last == 6
