"""From a final result to a verified one: the policy, identity checks, sign-off, the sweep.

Each service is one guarded state change (STYLE.md): it locks the row it changes, checks the
state, writes, appends to the attempt's integrity log and sends ``result_verified`` after
the commit. The rules themselves are in :mod:`verification.rules`.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.scoping import organisations_visible_to
from exams.models import Attempt, AttemptState, Exam

from .. import rules
from ..models import (
    Appeal,
    AppealState,
    ExamVerificationPolicy,
    IdentityCheck,
    IdentityMethod,
    IdentityOutcome,
    IntegrityChain,
    IntegrityKind,
    ResultVerification,
    VerificationState,
)
from ..signals import result_verified
from .integrity import integrity_append, integrity_check


class VerificationError(ValidationError):
    """A request the verification rules refuse; the message is for the person who asked."""


def policy_for(*, exam: Exam) -> ExamVerificationPolicy:
    """The exam's policy, or the default (immediate, no identity check) unsaved."""
    return ExamVerificationPolicy.objects.filter(exam=exam).first() or ExamVerificationPolicy(exam=exam)


def staff_can_see(*, user, attempt: Attempt) -> bool:
    """True when ``user``'s roles reach the organisation of ``attempt``'s candidate."""
    visible = organisations_visible_to(user)
    if visible is None:
        return True
    organisation_id = attempt.candidate.organisation_id
    return organisation_id is not None and visible.filter(pk=organisation_id).exists()


def _require(by, perm: str, attempt: Attempt, message: str) -> None:
    if by is None or not by.has_perm(perm) or not staff_can_see(user=by, attempt=attempt):
        raise PermissionDenied(message)


def identity_ok(*, attempt_id: int, requirement: str) -> bool:
    """True when the identity check recorded for the attempt meets ``requirement``."""
    if requirement == "none":
        return True
    check = IdentityCheck.objects.filter(attempt_id=attempt_id).values_list("method", "outcome").first()
    method, outcome = check or (None, None)
    return rules.identity_satisfied(requirement=requirement, method=method, outcome=outcome)


def standing_of(verification: ResultVerification) -> rules.Standing:
    """The facts :func:`verification.rules.blockers` needs about one result (two queries)."""
    return rules.Standing(
        mode=verification.mode,
        identity=verification.identity,
        identity_ok=identity_ok(attempt_id=verification.attempt_id, requirement=verification.identity),
        window_ends_at=verification.window_ends_at,
        signed_off=verification.signed_off_at is not None,
        open_appeals=Appeal.objects.filter(attempt_id=verification.attempt_id, state=AppealState.OPEN).count(),
    )


def announce_verified(attempt_id: int) -> None:
    """Send ``result_verified`` now (the caller has committed: a receiver of a signal that is
    itself sent after the commit)."""
    passed = Attempt.objects.filter(pk=attempt_id).values_list("passed", flat=True).first()
    result_verified.send(sender=ResultVerification, attempt_id=attempt_id, passed=bool(passed))


def _announce(attempt_id: int) -> None:
    transaction.on_commit(lambda: announce_verified(attempt_id))


@transaction.atomic
def verification_evaluate(*, attempt_id: int, now: datetime.datetime | None = None, announce: bool = True) -> bool:
    """Verify the result of attempt ``attempt_id`` if nothing stands in the way any more;
    returns True when it is verified (now or before). ``result_verified`` is sent after the
    commit when it becomes verified here, unless ``announce`` is False (the caller sends it)."""
    now = now or timezone.now()
    verification = ResultVerification.objects.select_for_update().filter(attempt_id=attempt_id).first()
    if verification is None:
        return False
    if verification.state == VerificationState.VERIFIED:
        return True
    if rules.blockers(standing=standing_of(verification), now=now):
        return False
    verification.state = VerificationState.VERIFIED
    verification.verified_at = now
    verification.save(update_fields=["state", "verified_at"])
    if announce:
        _announce(attempt_id)
    return True


@transaction.atomic
def result_verification_open(
    *, attempt_id: int, now: datetime.datetime | None = None, announce: bool = True
) -> ResultVerification | None:
    """Called when attempt ``attempt_id``'s result becomes final: apply the questions voided
    for its exam, copy the exam's policy into a :class:`ResultVerification` and verify at once
    if the policy allows. Idempotent (a second call only evaluates again). Returns ``None``
    when the attempt is not final. ``announce``: as in :func:`verification_evaluate`."""
    from .appeals import voids_apply

    now = now or timezone.now()
    attempt = Attempt.objects.select_for_update().select_related("exam").filter(pk=attempt_id).first()
    if attempt is None or attempt.state != AttemptState.FINAL:
        return None
    verification = ResultVerification.objects.filter(attempt_id=attempt_id).first()
    if verification is None:
        voids_apply(attempt=attempt, now=now)
        attempt.refresh_from_db()
        policy = policy_for(exam=attempt.exam)
        final_at = attempt.final_at or now
        verification = ResultVerification.objects.create(
            attempt=attempt,
            mode=policy.mode,
            identity=policy.identity,
            window_ends_at=rules.window_end(mode=policy.mode, final_at=final_at, appeal_days=policy.appeal_days),
            created_at=now,
        )
        if not attempt.integrity_entries.filter(kind=IntegrityKind.SUBMIT).exists():
            integrity_append(
                attempt_id=attempt_id,
                kind=IntegrityKind.SUBMIT,
                payload={"auto": attempt.auto_submitted, "state": "final", "submitted_at": attempt.submitted_at},
                at=attempt.submitted_at or now,
            )
        integrity_append(
            attempt_id=attempt_id,
            kind=IntegrityKind.FINAL,
            payload={
                "score": attempt.score,
                "max_score": attempt.max_score,
                "percent": attempt.percent,
                "passed": attempt.passed,
                "mode": policy.mode,
                "window_ends_at": verification.window_ends_at,
            },
            at=now,
        )
    verification_evaluate(attempt_id=attempt_id, now=now, announce=announce)
    verification.refresh_from_db()
    return verification


def result_verified_on_final(*, attempt_id: int) -> ResultVerification | None:
    """The receiver's side of ``result_final`` (sent after the commit): open the verification
    and, when it is verified here, send ``result_verified`` at once, so an exam without a
    policy issues its certificate exactly when it did before issue 11."""
    already = ResultVerification.objects.filter(attempt_id=attempt_id, state=VerificationState.VERIFIED).exists()
    verification = result_verification_open(attempt_id=attempt_id, announce=False)
    if verification is not None and verification.state == VerificationState.VERIFIED and not already:
        announce_verified(attempt_id)
    return verification


def result_follow_change(*, attempt_id: int, passed: bool, reason: str = "", by_id: int | None = None) -> None:
    """A regrade or a decision changed pass/fail: log it; a verified result that now passes
    is announced again (``result_verified``) so that its certificate follows. A result not
    verified yet waits as before; a fail is the certificates app's to revoke."""
    integrity_append(
        attempt_id=attempt_id,
        kind=IntegrityKind.RESULT_CHANGED,
        payload={"passed": passed, "reason": reason, "by": by_id},
    )
    verification = ResultVerification.objects.filter(attempt_id=attempt_id).first()
    if verification is None:
        result_verified_on_final(attempt_id=attempt_id)
    elif passed and verification.state == VerificationState.VERIFIED:
        announce_verified(attempt_id)


@transaction.atomic
def result_sign_off(*, attempt_id: int, by, note: str = "", now: datetime.datetime | None = None) -> ResultVerification:
    """An examiner signs off the result of attempt ``attempt_id`` after looking at it and its
    integrity log; the chain's head at that moment is recorded with the sign-off.

    Raises ``PermissionDenied`` (no ``verification.sign_off_result``, or the candidate is
    outside the examiner's organisations) or :class:`VerificationError` (no sign-off asked
    for, already signed off, an appeal still open, the integrity log broken).
    """
    now = now or timezone.now()
    verification = (
        ResultVerification.objects.select_for_update()
        .select_related("attempt__candidate")
        .filter(attempt_id=attempt_id)
        .first()
    )
    if verification is None:
        raise VerificationError(_("This result is not final yet."))
    _require(by, "verification.sign_off_result", verification.attempt, _("Only an examiner can sign off results."))
    if not verification.needs_sign_off:
        raise VerificationError(_("This exam's results need no sign-off."))
    if verification.signed_off_at is not None:
        raise VerificationError(_("This result is already signed off."))
    if Appeal.objects.filter(attempt_id=attempt_id, state=AppealState.OPEN).exists():
        raise VerificationError(_("Decide the open appeals first."))
    report = integrity_check(attempt_id=attempt_id)
    if not report.ok:
        raise VerificationError(
            _("The integrity log of this attempt is broken (%(problem)s); it cannot be signed off.")
            % {"problem": report.problems[0]}
        )
    entry = integrity_append(
        attempt_id=attempt_id,
        kind=IntegrityKind.SIGNED_OFF,
        payload={"by": by.pk, "note": (note or "").strip(), "head_seq": report.count, "head_hash": report.head_hash},
        at=now,
    )
    verification.signed_off_by = by
    verification.signed_off_at = now
    verification.sign_off_note = (note or "").strip()
    verification.signed_head_seq = entry.seq
    verification.signed_head_hash = entry.hash
    verification.save(
        update_fields=["signed_off_by", "signed_off_at", "sign_off_note", "signed_head_seq", "signed_head_hash"]
    )
    verification_evaluate(attempt_id=attempt_id, now=now)
    verification.refresh_from_db()
    return verification


def result_is_clean(*, verification: ResultVerification) -> bool:
    """A result that bulk sign-off may take: no flag in its integrity log, the log intact, the
    identity check done, no open appeal."""
    chain = IntegrityChain.objects.filter(attempt_id=verification.attempt_id).first()
    if chain is not None and chain.flag_count:
        return False
    standing = standing_of(verification)
    if standing.open_appeals or not (standing.identity_ok or standing.identity == "none"):
        return False
    return integrity_check(attempt_id=verification.attempt_id).ok


def results_sign_off_clean(*, attempt_ids: list[int], by, note: str = "") -> tuple[list[int], list[int]]:
    """Bulk sign-off: sign off each listed result that is clean (:func:`result_is_clean`),
    each in its own transaction. Returns ``(signed, skipped)`` attempt ids. Raises
    ``PermissionDenied`` when ``by`` may not sign off at all."""
    if by is None or not by.has_perm("verification.sign_off_result"):
        raise PermissionDenied(_("Only an examiner can sign off results."))
    signed, skipped = [], []
    waiting = ResultVerification.objects.filter(
        attempt_id__in=attempt_ids, state=VerificationState.WAITING, signed_off_at__isnull=True
    ).select_related("attempt__candidate")
    found = {verification.attempt_id: verification for verification in waiting}
    for attempt_id in attempt_ids:
        verification = found.get(attempt_id)
        if verification is None or not verification.needs_sign_off or not result_is_clean(verification=verification):
            skipped.append(attempt_id)
            continue
        try:
            result_sign_off(attempt_id=attempt_id, by=by, note=note or _("Bulk sign-off of a clean result."))
        except (VerificationError, PermissionDenied):
            skipped.append(attempt_id)
        else:
            signed.append(attempt_id)
    return signed, skipped


@transaction.atomic
def identity_confirm(
    *,
    attempt_id: int,
    by,
    outcome: str = IdentityOutcome.CONFIRMED,
    document_kind: str = "",
    document_last4: str = "",
    note: str = "",
    now: datetime.datetime | None = None,
) -> IdentityCheck:
    """A proctor records that they checked the candidate of attempt ``attempt_id`` against an
    ID document (``outcome`` confirmed or rejected); who and when are recorded, and the
    integrity log gets a proctor action entry. A second check replaces the first (the audit
    log keeps both). Raises ``PermissionDenied`` (no ``verification.confirm_identity`` or
    outside the proctor's organisations) or :class:`VerificationError` (bad outcome, no
    document for a confirmation, a rejection without a note).
    """
    now = now or timezone.now()
    attempt = Attempt.objects.select_for_update().select_related("candidate").filter(pk=attempt_id).first()
    if attempt is None:
        raise VerificationError(_("There is no such attempt."))
    _require(by, "verification.confirm_identity", attempt, _("Only a proctor can confirm a candidate's identity."))
    if outcome not in IdentityOutcome.values:
        raise VerificationError(_("Choose whether the identity is confirmed."))
    document_last4 = (document_last4 or "").strip()[-4:]
    note = (note or "").strip()
    if outcome == IdentityOutcome.CONFIRMED and not (document_kind and document_last4):
        raise VerificationError(_("Give the document and the last four characters of its number."))
    if outcome == IdentityOutcome.REJECTED and not note:
        raise VerificationError(_("Say why the identity is not confirmed."))
    check, _created = IdentityCheck.objects.update_or_create(
        attempt=attempt,
        defaults={
            "method": IdentityMethod.PROCTOR,
            "outcome": outcome,
            "checked_by": by,
            "checked_at": now,
            "document_kind": document_kind,
            "document_last4": document_last4,
            "provider": "",
            "note": note,
        },
    )
    kind = IntegrityKind.IDENTITY_CONFIRMED if outcome == IdentityOutcome.CONFIRMED else IntegrityKind.IDENTITY_REJECTED
    integrity_append(
        attempt_id=attempt_id,
        kind=kind,
        payload={"by": by.pk, "method": "proctor", "document_kind": document_kind, "note": note},
        at=now,
    )
    verification_evaluate(attempt_id=attempt_id, now=now)
    return check


def identity_from_login(*, attempt: Attempt, login: dict, now: datetime.datetime | None = None) -> IdentityCheck | None:
    """At start: record an identity check "by single sign-on" when the session that started
    ``attempt`` was signed in through the identity provider (``login`` from
    :func:`verification.services.integrity.login_method`) with an account linked to the
    candidate. Returns the check, or ``None`` when the login was not single sign-on."""
    from allauth.socialaccount.models import SocialAccount

    if login.get("method") != "socialaccount":
        return None
    linked = SocialAccount.objects.filter(
        user_id=attempt.candidate_id, provider=login.get("provider", ""), uid=login.get("uid", "")
    ).exists()
    if not linked:
        return None
    check, _created = IdentityCheck.objects.get_or_create(
        attempt=attempt,
        defaults={
            "method": IdentityMethod.SSO,
            "outcome": IdentityOutcome.CONFIRMED,
            "checked_at": now or timezone.now(),
            "provider": login.get("provider", ""),
        },
    )
    return check


def verification_sweep(*, now: datetime.datetime | None = None, limit: int = 1000) -> int:
    """Verify the waiting results whose appeal window has ended (or that have none) and that
    nothing else holds back; returns how many became verified. Periodic (Celery beat)."""
    now = now or timezone.now()
    due = (
        ResultVerification.objects.filter(state=VerificationState.WAITING)
        .filter(Q(window_ends_at__isnull=True) | Q(window_ends_at__lte=now))
        .order_by("window_ends_at", "pk")
        .values_list("attempt_id", flat=True)[:limit]
    )
    verified = 0
    for attempt_id in list(due):
        verified += verification_evaluate(attempt_id=attempt_id, now=now)
    return verified


@transaction.atomic
def proctor_note_add(*, attempt_id: int, by, note: str, now: datetime.datetime | None = None):
    """A proctor records an incident during an attempt (a phone seen, a candidate leaving the
    room); it is a flag in the integrity log. Raises ``PermissionDenied`` or
    :class:`VerificationError` (no note)."""
    attempt = Attempt.objects.select_related("candidate").filter(pk=attempt_id).first()
    if attempt is None:
        raise VerificationError(_("There is no such attempt."))
    _require(by, "verification.confirm_identity", attempt, _("Only a proctor can add a note to an attempt."))
    note = (note or "").strip()
    if not note:
        raise VerificationError(_("Write the note."))
    return integrity_append(
        attempt_id=attempt_id, kind=IntegrityKind.PROCTOR_NOTE, payload={"by": by.pk, "note": note[:2000]}, at=now
    )
