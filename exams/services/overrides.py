"""Overrides: extra time, another attempt or another window for one candidate or one cohort.

Who and why are recorded on the override (``created_by``, a required ``reason``) and every
change is in the audit log (django-auditlog, registered in ``ExamsConfig.ready``), as the
trust rules ask for changes a person makes to an override. Extra time also applies to an
attempt in progress: its deadline is recomputed with :func:`exams.engine.timing.deadline_for`
(for an attempt of an exam session, capped by the session's end plus the extra time).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Cohort, User

from .. import selectors
from ..engine import timing
from ..models import Attempt, AttemptState, Exam, ExamOverride
from . import sessions


def _require_manager(by) -> None:
    if by is None or not by.has_perm("exams.add_examoverride"):
        raise PermissionDenied(_("Only an exam manager can grant overrides."))


@transaction.atomic
def override_create(
    *,
    exam: Exam,
    by: User,
    reason: str,
    candidate: User | None = None,
    cohort: Cohort | None = None,
    extra_minutes: int = 0,
    extra_attempts: int = 0,
    opens_at: datetime | None = None,
    closes_at: datetime | None = None,
) -> ExamOverride:
    """Grant an override of ``exam`` to ``candidate`` or to ``cohort`` (exactly one).

    ``extra_minutes`` / ``extra_attempts`` >= 0; ``opens_at`` < ``closes_at`` when both are
    given (aware datetimes). Attempts in progress of the people it covers get their deadline
    recomputed. Raises ``PermissionDenied`` (``by`` lacks ``exams.add_examoverride``) or
    ``ValidationError`` (no reason, no one or both, nothing granted, a bad window); nothing
    is written then.
    """
    _require_manager(by)
    return override_record(
        exam=exam,
        by=by,
        reason=reason,
        candidate=candidate,
        cohort=cohort,
        extra_minutes=extra_minutes,
        extra_attempts=extra_attempts,
        opens_at=opens_at,
        closes_at=closes_at,
    )


@transaction.atomic
def override_record(
    *,
    exam: Exam,
    by: User,
    reason: str,
    candidate: User | None = None,
    cohort: Cohort | None = None,
    extra_minutes: int = 0,
    extra_attempts: int = 0,
    opens_at: datetime | None = None,
    closes_at: datetime | None = None,
) -> ExamOverride:
    """:func:`override_create` without its permission check, for callers that checked
    another right themselves (a session's proctor: ``exams.services.sessions``). Same
    arguments, validation, errors and deadline recomputation."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give a reason: it is recorded with the override."))
    if (candidate is None) == (cohort is None):
        raise ValidationError(_("Choose either one candidate or one cohort."))
    if extra_minutes < 0 or extra_attempts < 0:
        raise ValidationError(_("Extra time and extra attempts cannot be negative."))
    if not (extra_minutes or extra_attempts or opens_at or closes_at):
        raise ValidationError(_("The override grants nothing: give extra time, attempts or a window."))
    if opens_at and closes_at and closes_at <= opens_at:
        raise ValidationError(_("The window must close after it opens."))
    override = ExamOverride.objects.create(
        exam=exam,
        candidate=candidate,
        cohort=cohort,
        extra_minutes=extra_minutes,
        extra_attempts=extra_attempts,
        opens_at=opens_at,
        closes_at=closes_at,
        reason=reason,
        created_by=by,
    )
    deadlines_recompute(exam=exam, candidate=candidate, cohort=cohort)
    return override


@transaction.atomic
def override_delete(*, override: ExamOverride, by: User) -> None:
    """Withdraw an override (the audit log keeps it); deadlines in progress are recomputed."""
    _require_manager(by)
    exam, candidate, cohort = override.exam, override.candidate, override.cohort
    override.delete()
    deadlines_recompute(exam=exam, candidate=candidate, cohort=cohort)


def deadlines_recompute(*, exam: Exam, candidate: User | None = None, cohort: Cohort | None = None) -> int:
    """Recompute the deadline of the attempts in progress of ``exam`` by ``candidate`` or by
    the members of ``cohort``, overrides applied; returns how many changed. Each attempt is
    locked while its deadline is written (a save checks the deadline under the same lock)."""
    attempts = Attempt.objects.filter(exam=exam, state=AttemptState.IN_PROGRESS)
    if candidate is not None:
        attempts = attempts.filter(candidate=candidate)
    elif cohort is not None:
        attempts = attempts.filter(candidate__cohorts=cohort)
    changed = 0
    for attempt in attempts.select_for_update(of=("self",)).select_related("candidate", "session"):
        rules = selectors.candidate_rules(exam=exam, user=attempt.candidate)
        deadline_at = timing.deadline_for(
            started_at=attempt.started_at,
            time_limit=timedelta(minutes=exam.time_limit_minutes),
            closes_at=sessions.deadline_cap(
                session=attempt.session, closes_at=rules.closes_at, extra_time=rules.extra_time
            ),
            extra_time=rules.extra_time,
        )
        if deadline_at != attempt.deadline_at:
            Attempt.objects.filter(pk=attempt.pk).update(deadline_at=deadline_at)
            changed += 1
    return changed
