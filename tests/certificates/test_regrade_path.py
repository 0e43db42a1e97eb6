"""A regrade that changes pass/fail changes the certificate (exams.signals.result_changed)."""

import pytest
from django.contrib.auth.models import Permission

from certificates.models import Certificate, CertificateStatus
from certificates.services import certificate_issue, certificate_revoke
from exams.models import Attempt
from exams.signals import result_changed

pytestmark = pytest.mark.django_db


@pytest.fixture
def examiner(django_user_model):
    """An examiner may regrade but is not a certification officer."""
    user = django_user_model.objects.create_user(email="examiner@example.uz", password="x")
    user.user_permissions.add(Permission.objects.get(codename="change_attemptitem"))
    return user


def test_pass_to_fail_revokes_with_reason_regrade_recording_the_examiner(passed_attempt, examiner):
    certificate = certificate_issue(attempt_id=passed_attempt.pk)
    Attempt.objects.filter(pk=passed_attempt.pk).update(passed=False)
    result_changed.send(sender=Attempt, attempt_id=passed_attempt.pk, passed=False, reason="regrade", by_id=examiner.pk)
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.REVOKED
    assert certificate.revocation_reason == "regrade" and certificate.revoked_by == examiner


def test_fail_back_to_pass_issues_a_new_certificate_and_the_revoked_one_points_to_it(passed_attempt, examiner):
    first = certificate_issue(attempt_id=passed_attempt.pk)
    Attempt.objects.filter(pk=passed_attempt.pk).update(passed=False)
    result_changed.send(sender=Attempt, attempt_id=passed_attempt.pk, passed=False, reason="regrade", by_id=examiner.pk)
    Attempt.objects.filter(pk=passed_attempt.pk).update(passed=True)
    result_changed.send(sender=Attempt, attempt_id=passed_attempt.pk, passed=True, reason="regrade", by_id=examiner.pk)
    first.refresh_from_db()
    second = Certificate.objects.exclude(pk=first.pk).get(attempt=passed_attempt)
    assert second.status == CertificateStatus.VALID and second.serial != first.serial
    assert first.status == CertificateStatus.REVOKED and first.superseded_by == second
    # Issuing again is idempotent: still exactly these two.
    assert certificate_issue(attempt_id=passed_attempt.pk) == second
    assert Certificate.objects.filter(attempt=passed_attempt).count() == 2


def test_a_certificate_an_officer_revoked_is_never_issued_again_for_the_same_attempt(passed_attempt, django_user_model):
    officer = django_user_model.objects.create_user(email="officer@example.uz", password="x", is_superuser=True)
    certificate = certificate_issue(attempt_id=passed_attempt.pk)
    certificate_revoke(certificate=certificate, by=officer, reason="Imtihonda firibgarlik")
    again = certificate_issue(attempt_id=passed_attempt.pk)
    assert again.pk == certificate.pk
    assert Certificate.objects.filter(attempt=passed_attempt).count() == 1
