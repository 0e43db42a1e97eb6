"""Reads: what the candidate is told about their result, and the examiners' sign-off queue."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from exams.models import Attempt, AttemptState

from . import rules
from .models import (
    Appeal,
    AppealState,
    IdentityCheck,
    IntegrityChain,
    ResultVerification,
    VerificationState,
    VoidedQuestion,
)
from .services.results import policy_for, standing_of

# What the candidate sees, one code per state (data-state on the page).
PENDING = "pending"  # not final yet
VERIFIED = "verified"
WAITING = "waiting"


@dataclass
class ResultStatus:
    """The state of a result as its candidate sees it.

    ``state``: "pending" (not final), "waiting" or "verified"; ``waiting_for``: the codes of
    :mod:`verification.rules` still in the way ("identity", "appeals", "window", "sign_off");
    ``window_ends_at``: aware or ``None``; ``certificate_expected``: the certificate follows
    (a pass); ``can_appeal``: the window is open; ``appeals``: theirs, newest first;
    ``voided_positions``: items removed from scoring.
    """

    state: str
    waiting_for: list[str] = field(default_factory=list)
    window_ends_at: datetime.datetime | None = None
    certificate_expected: bool = False
    can_appeal: bool = False
    verified_at: datetime.datetime | None = None
    needs_sign_off: bool = False
    appeals: list[Appeal] = field(default_factory=list)
    voided_positions: list[int] = field(default_factory=list)


def result_status(*, attempt: Attempt, now: datetime.datetime | None = None) -> ResultStatus:
    """The candidate-visible state of ``attempt``'s result (a few queries)."""
    now = now or timezone.now()
    if attempt.state != AttemptState.FINAL:
        policy = policy_for(exam=attempt.exam)
        return ResultStatus(state=PENDING, needs_sign_off=policy.needs_sign_off)
    verification = ResultVerification.objects.filter(attempt=attempt).first()
    if verification is None:
        return ResultStatus(state=PENDING)
    appeals = list(Appeal.objects.filter(attempt=attempt).select_related("item"))
    voided = set(VoidedQuestion.objects.filter(exam_id=attempt.exam_id).values_list("question_id", flat=True))
    voided_positions = (
        sorted(attempt.items.filter(question_id__in=voided, points=0).values_list("position", flat=True))
        if voided
        else []
    )
    status = ResultStatus(
        state=VERIFIED if verification.state == VerificationState.VERIFIED else WAITING,
        window_ends_at=verification.window_ends_at,
        certificate_expected=bool(attempt.passed),
        verified_at=verification.verified_at,
        needs_sign_off=verification.needs_sign_off,
        appeals=appeals,
        voided_positions=voided_positions,
    )
    if status.state == WAITING:
        status.waiting_for = rules.blockers(standing=standing_of(verification), now=now)
        status.can_appeal = verification.has_window and now < verification.window_ends_at
    return status


@dataclass
class QueueRow:
    """One result in the sign-off queue."""

    verification: ResultVerification
    attempt: Attempt
    flags: int
    open_appeals: int
    identity_ok: bool
    waiting_for: list[str]

    @property
    def clean(self) -> bool:
        return not self.flags and not self.open_appeals and self.identity_ok


def sign_off_queue(*, visible_organisations, exam_id: int | None = None, limit: int = 200) -> list[QueueRow]:
    """Results waiting to be verified (sign-off or appeals), oldest first, within the staff
    member's organisations (``visible_organisations``: a queryset, or ``None`` for all)."""
    now = timezone.now()
    waiting: QuerySet[ResultVerification] = (
        ResultVerification.objects.filter(state=VerificationState.WAITING)
        .select_related("attempt__exam", "attempt__candidate")
        .annotate(open_appeals=Count("attempt__appeals", filter=Q(attempt__appeals__state=AppealState.OPEN)))
        .order_by("created_at", "pk")
    )
    if visible_organisations is not None:
        waiting = waiting.filter(attempt__candidate__organisation__in=visible_organisations)
    if exam_id:
        waiting = waiting.filter(attempt__exam_id=exam_id)
    verifications = list(waiting[:limit])
    flags = dict(
        IntegrityChain.objects.filter(attempt_id__in=[v.attempt_id for v in verifications]).values_list(
            "attempt_id", "flag_count"
        )
    )
    checks = {
        attempt_id: (method, outcome)
        for attempt_id, method, outcome in IdentityCheck.objects.filter(
            attempt_id__in=[v.attempt_id for v in verifications]
        ).values_list("attempt_id", "method", "outcome")
    }
    rows = []
    for verification in verifications:
        method, outcome = checks.get(verification.attempt_id, (None, None))
        standing = rules.Standing(
            mode=verification.mode,
            identity=verification.identity,
            identity_ok=rules.identity_satisfied(requirement=verification.identity, method=method, outcome=outcome),
            window_ends_at=verification.window_ends_at,
            signed_off=verification.signed_off_at is not None,
            open_appeals=verification.open_appeals,
        )
        rows.append(
            QueueRow(
                verification=verification,
                attempt=verification.attempt,
                flags=flags.get(verification.attempt_id, 0),
                open_appeals=verification.open_appeals,
                identity_ok=standing.identity_ok,
                waiting_for=rules.blockers(standing=standing, now=now),
            )
        )
    return rows


def open_appeals(*, visible_organisations) -> QuerySet[Appeal]:
    """Open appeals, oldest first, within the staff member's organisations."""
    appeals = Appeal.objects.filter(state=AppealState.OPEN).select_related(
        "attempt__exam", "attempt__candidate", "item__question_version"
    )
    if visible_organisations is not None:
        appeals = appeals.filter(attempt__candidate__organisation__in=visible_organisations)
    return appeals.order_by("created_at", "pk")


def result_is_held(*, attempt_id: int) -> bool:
    """True when the attempt's result is waiting to be verified: no certificate may be issued
    for it yet. An attempt with no verification record (final before this app) is not held."""
    return ResultVerification.objects.filter(attempt_id=attempt_id, state=VerificationState.WAITING).exists()
