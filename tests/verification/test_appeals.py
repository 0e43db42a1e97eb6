"""Appeals during the window and the examiners' decisions (issue 11, 4)."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied

from certificates.models import Certificate
from exams.models import AttemptRegrade, ExamOverride, ItemRegrade
from verification.models import Appeal, VoidedQuestion
from verification.services import appeals, results
from verification.services.results import VerificationError

from .conftest import policy, sit

pytestmark = pytest.mark.django_db


@pytest.fixture
def windowed(exam):
    policy(exam, mode="appeal_window", appeal_days=7)
    return exam


def test_a_candidate_appeals_an_item_with_a_comment_once(windowed, candidate, django_capture_on_commit_callbacks):
    attempt = sit(windowed, candidate, right=3, capture=django_capture_on_commit_callbacks)
    with pytest.raises(VerificationError):
        appeals.appeal_lodge(attempt_id=attempt.pk, candidate=candidate, kind="item", position=5, comment="  ")
    appeal = appeals.appeal_lodge(
        attempt_id=attempt.pk, candidate=candidate, kind="item", position=5, comment="Ikki javob toʻgʻri"
    )
    assert appeal.item.position == 5 and appeal.state == "open"
    with pytest.raises(VerificationError):
        appeals.appeal_lodge(attempt_id=attempt.pk, candidate=candidate, kind="item", position=5, comment="yana")
    assert attempt.integrity_entries.filter(kind="appeal").count() == 1


def test_no_appeal_after_the_window_or_on_anothers_attempt(
    windowed, candidate, other_candidate, django_capture_on_commit_callbacks
):
    attempt = sit(windowed, candidate, right=3, capture=django_capture_on_commit_callbacks)
    with pytest.raises(VerificationError):
        appeals.appeal_lodge(attempt_id=attempt.pk, candidate=other_candidate, kind="technical", comment="x")
    late = attempt.final_at + datetime.timedelta(days=8)
    with pytest.raises(VerificationError):
        appeals.appeal_lodge(attempt_id=attempt.pk, candidate=candidate, kind="technical", comment="x", now=late)
    assert not Appeal.objects.exists()


def test_an_open_appeal_holds_the_result_after_the_window(windowed, candidate, django_capture_on_commit_callbacks):
    attempt = sit(windowed, candidate, right=4, capture=django_capture_on_commit_callbacks)
    appeals.appeal_lodge(attempt_id=attempt.pk, candidate=candidate, kind="technical", comment="Internet uzildi")
    results.verification_sweep(now=attempt.final_at + datetime.timedelta(days=8))
    attempt.verification.refresh_from_db()
    assert attempt.verification.state == "waiting"
    assert not Certificate.objects.exists()


def test_voiding_an_item_rescores_every_candidate_and_turns_a_fail_into_a_pass(
    windowed, candidate, other_candidate, examiner, django_capture_on_commit_callbacks
):
    appellant = sit(windowed, candidate, right=3, capture=django_capture_on_commit_callbacks)  # 60 %: fail
    other = sit(windowed, other_candidate, right=5, capture=django_capture_on_commit_callbacks)  # 100 %
    assert appellant.passed is False
    appeal = appeals.appeal_lodge(
        attempt_id=appellant.pk, candidate=candidate, kind="item", position=5, comment="Savol notoʻgʻri tuzilgan"
    )
    question_id = appeal.item.question_id
    plan = appeals.void_plan(exam_id=windowed.pk, question_id=question_id)
    assert {row.attempt_id: row.new_passed for row in plan} == {appellant.pk: True, other.pk: True}
    with pytest.raises(VerificationError):
        appeals.appeal_decide(appeal_id=appeal.pk, by=examiner, decision="void_item", reason=" ")
    with pytest.raises(PermissionDenied):
        appeals.appeal_decide(appeal_id=appeal.pk, by=candidate, decision="void_item", reason="x")
    with django_capture_on_commit_callbacks(execute=True):
        decided = appeals.appeal_decide(
            appeal_id=appeal.pk, by=examiner, decision="void_item", reason="Savolda ikki toʻgʻri javob bor"
        )
    appellant.refresh_from_db()
    other.refresh_from_db()
    assert (appellant.score, appellant.max_score, appellant.passed) == (Decimal(3), Decimal(4), True)
    assert (other.score, other.max_score, other.passed) == (Decimal(4), Decimal(4), True)
    assert VoidedQuestion.objects.get(exam=windowed).question_id == question_id
    assert decided.decision == "void_item" and decided.decided_by == examiner
    assert decided.outcome["old_passed"] is False and decided.outcome["new_passed"] is True
    regrade = AttemptRegrade.objects.get(attempt=appellant)
    assert (regrade.old_score, regrade.new_score, regrade.old_passed, regrade.new_passed) == (3, 3, False, True)
    assert ItemRegrade.objects.filter(regrade__attempt=other, old_score=1, new_score=0).exists()
    # The result is not verified yet (the window is open): no certificate until it ends.
    assert not Certificate.objects.filter(attempt=appellant).exists()
    with django_capture_on_commit_callbacks(execute=True):
        results.verification_sweep(now=appellant.final_at + datetime.timedelta(days=7, minutes=1))
    assert Certificate.objects.filter(attempt=appellant).exists()


def test_a_later_attempt_is_scored_without_the_voided_question(
    windowed, candidate, other_candidate, examiner, django_capture_on_commit_callbacks
):
    first = sit(windowed, candidate, right=3, capture=django_capture_on_commit_callbacks)
    appeal = appeals.appeal_lodge(attempt_id=first.pk, candidate=candidate, kind="item", position=5, comment="x")
    appeals.appeal_decide(appeal_id=appeal.pk, by=examiner, decision="void_item", reason="Xato savol")
    later = sit(windowed, other_candidate, right=5, capture=django_capture_on_commit_callbacks)
    assert (later.score, later.max_score) == (Decimal(4), Decimal(4))


def test_accepting_the_answer_gives_full_marks_to_that_item(
    windowed, candidate, examiner, django_capture_on_commit_callbacks
):
    attempt = sit(windowed, candidate, right=3, capture=django_capture_on_commit_callbacks)
    appeal = appeals.appeal_lodge(attempt_id=attempt.pk, candidate=candidate, kind="item", position=4, comment="x")
    appeals.appeal_decide(appeal_id=appeal.pk, by=examiner, decision="accept_answer", reason="Javob qabul qilindi")
    attempt.refresh_from_db()
    assert (attempt.score, attempt.max_score, attempt.passed) == (Decimal(4), Decimal(5), True)
    assert attempt.items.get(position=4).score == 1


def test_a_retake_is_an_override_with_one_more_attempt(
    windowed, candidate, examiner, django_capture_on_commit_callbacks
):
    attempt = sit(windowed, candidate, right=1, capture=django_capture_on_commit_callbacks)
    appeal = appeals.appeal_lodge(attempt_id=attempt.pk, candidate=candidate, kind="technical", comment="Elektr")
    with pytest.raises(VerificationError):
        appeals.appeal_decide(appeal_id=appeal.pk, by=examiner, decision="void_item", reason="x")
    appeals.appeal_decide(appeal_id=appeal.pk, by=examiner, decision="retake", reason="Elektr uzilgani tasdiqlandi")
    override = ExamOverride.objects.get(candidate=candidate)
    assert override.extra_attempts == 1 and override.created_by == examiner and "Elektr" in override.reason


def test_a_decision_is_emailed_in_the_candidates_language(
    windowed, candidate, examiner, django_capture_on_commit_callbacks
):
    candidate.language = "ru"
    candidate.save(update_fields=["language"])
    attempt = sit(windowed, candidate, right=3, capture=django_capture_on_commit_callbacks)
    mail.outbox.clear()  # the result e-mail of the sitting itself (exams/notifications.py)
    appeal = appeals.appeal_lodge(attempt_id=attempt.pk, candidate=candidate, kind="item", position=5, comment="x")
    with django_capture_on_commit_callbacks(execute=True):
        appeals.appeal_decide(appeal_id=appeal.pk, by=examiner, decision="reject", reason="Savol toʻgʻri")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [candidate.email]
    assert windowed.title_ru in message.subject
    assert "Savol toʻgʻri" in message.body and "/ru/exams/attempts/" in message.body
    with pytest.raises(VerificationError):
        appeals.appeal_decide(appeal_id=appeal.pk, by=examiner, decision="reject", reason="again")


def test_a_decision_that_turns_a_verified_pass_into_a_fail_revokes_the_certificate(
    exam, candidate, other_candidate, examiner, django_capture_on_commit_callbacks
):
    policy(exam, mode="appeal_window", appeal_days=7)
    passed = sit(exam, other_candidate, right=4, capture=django_capture_on_commit_callbacks)  # 80 %
    with django_capture_on_commit_callbacks(execute=True):
        results.verification_sweep(now=passed.final_at + datetime.timedelta(days=8))
    certificate = Certificate.objects.get(attempt=passed)
    appellant = sit(exam, candidate, right=3, capture=django_capture_on_commit_callbacks)
    # The appellant's positions of two questions the passing candidate got right (forms differ).
    right_questions = [passed.items.get(position=n).question_id for n in (1, 2)]
    positions = [appellant.items.get(question_id=q).position for q in right_questions]
    appeal = appeals.appeal_lodge(
        attempt_id=appellant.pk, candidate=candidate, kind="item", position=positions[0], comment="x"
    )
    with django_capture_on_commit_callbacks(execute=True):
        appeals.appeal_decide(appeal_id=appeal.pk, by=examiner, decision="void_item", reason="Noaniq savol")
    passed.refresh_from_db()
    certificate.refresh_from_db()
    # 3 of the 4 items that still count: 75 %, still a pass.
    assert passed.percent == Decimal(75) and passed.passed is True and certificate.revoked_at is None
    # A second void of an item they got right takes them to 2 of 3: a fail, and the certificate goes.
    appeal = appeals.appeal_lodge(
        attempt_id=appellant.pk, candidate=candidate, kind="item", position=positions[1], comment="y"
    )
    with django_capture_on_commit_callbacks(execute=True):
        appeals.appeal_decide(appeal_id=appeal.pk, by=examiner, decision="void_item", reason="Bu ham noaniq")
    passed.refresh_from_db()
    certificate.refresh_from_db()
    assert passed.passed is False
    assert certificate.revoked_at is not None and certificate.revocation_reason == "regrade"
