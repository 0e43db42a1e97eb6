"""How a final result becomes verified, and when its certificate follows (issue 11, 1, 2, 5)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from certificates.models import Certificate
from exams.services import attempts as attempt_services
from verification.models import IdentityCheck, ResultVerification
from verification.selectors import result_status
from verification.services import results
from verification.services.integrity import integrity_append

from .conftest import policy, sit

pytestmark = pytest.mark.django_db


def test_without_a_policy_a_pass_is_verified_and_certified_at_once(exam, candidate, django_capture_on_commit_callbacks):
    attempt = sit(exam, candidate, right=4, capture=django_capture_on_commit_callbacks)
    assert attempt.verification.state == "verified"
    assert Certificate.objects.filter(attempt=attempt).exists()
    assert result_status(attempt=attempt).state == "verified"


def test_an_appeal_window_holds_the_certificate_until_it_ends(exam, candidate, django_capture_on_commit_callbacks):
    policy(exam, mode="appeal_window", appeal_days=7)
    attempt = sit(exam, candidate, right=4, capture=django_capture_on_commit_callbacks)
    verification = attempt.verification
    assert verification.state == "waiting"
    assert verification.window_ends_at == attempt.final_at + datetime.timedelta(days=7)
    assert not Certificate.objects.exists()
    status = result_status(attempt=attempt)
    assert status.waiting_for == ["window"] and status.can_appeal and status.certificate_expected

    assert results.verification_sweep(now=attempt.final_at + datetime.timedelta(days=6)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert results.verification_sweep(now=attempt.final_at + datetime.timedelta(days=7, seconds=1)) == 1
    assert ResultVerification.objects.get(attempt=attempt).state == "verified"
    assert Certificate.objects.filter(attempt=attempt).exists()


def test_sign_off_mode_waits_for_an_examiner(exam, candidate, examiner, django_capture_on_commit_callbacks):
    policy(exam, mode="sign_off")
    attempt = sit(exam, candidate, right=4, capture=django_capture_on_commit_callbacks)
    assert result_status(attempt=attempt).waiting_for == ["sign_off"]
    with pytest.raises(PermissionDenied):
        results.result_sign_off(attempt_id=attempt.pk, by=candidate)
    with django_capture_on_commit_callbacks(execute=True):
        verification = results.result_sign_off(attempt_id=attempt.pk, by=examiner, note="Koʻrib chiqildi")
    assert verification.state == "verified" and verification.signed_off_by == examiner
    assert verification.signed_head_hash == attempt.integrity_chain.head_hash or verification.signed_head_seq
    assert Certificate.objects.filter(attempt=attempt).exists()
    with pytest.raises(results.VerificationError):
        results.result_sign_off(attempt_id=attempt.pk, by=examiner)


def test_both_needs_the_window_and_the_sign_off(exam, candidate, examiner, django_capture_on_commit_callbacks):
    policy(exam, mode="both", appeal_days=3)
    attempt = sit(exam, candidate, right=4, capture=django_capture_on_commit_callbacks)
    results.result_sign_off(attempt_id=attempt.pk, by=examiner)
    assert ResultVerification.objects.get(attempt=attempt).state == "waiting"
    results.verification_sweep(now=timezone.now() + datetime.timedelta(days=4))
    assert ResultVerification.objects.get(attempt=attempt).state == "verified"


def test_bulk_sign_off_takes_only_clean_results(
    exam, candidate, other_candidate, examiner, django_capture_on_commit_callbacks
):
    policy(exam, mode="sign_off")
    exam.attempts_allowed = 1
    clean = sit(exam, candidate, right=4, capture=django_capture_on_commit_callbacks)
    flagged = sit(exam, other_candidate, right=5, capture=django_capture_on_commit_callbacks)
    integrity_append(attempt_id=flagged.pk, kind="focus_lost", payload={"page": "1"})
    signed, skipped = results.results_sign_off_clean(attempt_ids=[clean.pk, flagged.pk], by=examiner)
    assert signed == [clean.pk] and skipped == [flagged.pk]
    assert ResultVerification.objects.get(attempt=flagged).state == "waiting"


def test_the_sign_off_queue_shows_score_flags_and_bulk_signs_off(
    client, exam, candidate, examiner, django_capture_on_commit_callbacks
):
    policy(exam, mode="sign_off")
    attempt = sit(exam, candidate, right=4, capture=django_capture_on_commit_callbacks)
    client.force_login(examiner)
    session = client.session
    session["allauth_mfa_authenticated"] = True
    session.save()
    from django.test import override_settings

    with override_settings(CERTIFY_REQUIRE_STAFF_MFA=False):
        page = client.get(reverse("verification_admin:queue"))
        assert page.status_code == 200
        assert f'data-attempt="{attempt.pk}" data-clean="true" data-flags="0"' in page.content.decode()
        detail = client.get(reverse("verification_admin:attempt", args=[attempt.pk]))
        assert detail.status_code == 200 and 'data-ok="true"' in detail.content.decode()
        evidence = client.get(reverse("verification_admin:evidence", args=[attempt.pk]))
        assert evidence.json()["attempt"]["id"] == attempt.pk
        response = client.post(
            reverse("verification_admin:queue"), {"action": "bulk_sign_off", "attempts": [attempt.pk]}
        )
    assert response.status_code == 302
    assert ResultVerification.objects.get(attempt=attempt).signed_off_by == examiner


def test_a_proctor_identity_check_is_required_before_verification(
    exam, candidate, examiner, django_capture_on_commit_callbacks
):
    policy(exam, mode="immediate", identity="proctor")
    attempt = sit(exam, candidate, right=4, capture=django_capture_on_commit_callbacks)
    assert attempt.verification.state == "waiting"
    assert result_status(attempt=attempt).waiting_for == ["identity"]
    with pytest.raises(results.VerificationError):
        results.identity_confirm(attempt_id=attempt.pk, by=examiner)  # no document given
    with django_capture_on_commit_callbacks(execute=True):
        check = results.identity_confirm(
            attempt_id=attempt.pk, by=examiner, document_kind="id_card", document_last4="AB1234567"
        )
    assert check.checked_by == examiner and check.document_last4 == "4567" and check.checked_at
    assert ResultVerification.objects.get(attempt=attempt).state == "verified"
    assert attempt.integrity_entries.filter(kind="identity_confirmed", payload__by=examiner.pk).exists()
    assert Certificate.objects.filter(attempt=attempt).exists()


def test_a_rejected_identity_keeps_the_result_unverified(exam, candidate, examiner, django_capture_on_commit_callbacks):
    policy(exam, mode="immediate", identity="proctor")
    attempt = sit(exam, candidate, right=4, capture=django_capture_on_commit_callbacks)
    results.identity_confirm(attempt_id=attempt.pk, by=examiner, outcome="rejected", note="Boshqa odam")
    assert ResultVerification.objects.get(attempt=attempt).state == "waiting"
    assert attempt.integrity_chain.flag_count == 1


def test_single_sign_on_identity_comes_from_the_login_that_started_the_attempt(exam, candidate):
    from allauth.socialaccount.models import SocialAccount

    policy(exam, identity="sso")
    SocialAccount.objects.create(user=candidate, provider="gov", uid="12345678901234")
    attempt = attempt_services.attempt_start(exam=exam, candidate=candidate)
    assert results.identity_from_login(attempt=attempt, login={"method": "password"}) is None
    assert (
        results.identity_from_login(attempt=attempt, login={"method": "socialaccount", "provider": "gov", "uid": "1"})
        is None
    )
    check = results.identity_from_login(
        attempt=attempt, login={"method": "socialaccount", "provider": "gov", "uid": "12345678901234"}
    )
    assert check.method == "sso" and check.outcome == "confirmed"
    assert results.identity_ok(attempt_id=attempt.pk, requirement="sso")
    assert not results.identity_ok(attempt_id=attempt.pk, requirement="proctor")
    assert IdentityCheck.objects.count() == 1


def test_the_result_page_include_tells_the_candidate_the_state(exam, candidate, django_capture_on_commit_callbacks):
    from django.template import Context, Template
    from django.utils import translation

    policy(exam, mode="appeal_window", appeal_days=5)
    attempt = sit(exam, candidate, right=4, capture=django_capture_on_commit_callbacks)
    with translation.override("en"):
        html = Template("{% load verification %}{% verification_status attempt %}").render(
            Context({"attempt": attempt})
        )
        appeal_url = reverse("verification:appeal", args=[attempt.pk])
    assert 'data-state="waiting"' in html and 'data-waiting="window"' in html
    assert "Appeal window open until" in html and 'id="verification-certificate-note"' in html
    assert f'href="{appeal_url}"' in html


def test_a_held_result_is_reported_as_held_until_verified(
    exam, candidate, examiner, django_capture_on_commit_callbacks
):
    from verification.selectors import result_is_held

    policy(exam, mode="sign_off")
    attempt = sit(exam, candidate, right=4, capture=django_capture_on_commit_callbacks)
    assert result_is_held(attempt_id=attempt.pk)
    results.result_sign_off(attempt_id=attempt.pk, by=examiner)
    assert not result_is_held(attempt_id=attempt.pk)
