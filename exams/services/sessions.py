"""Exam sessions: who may start when, the access code, the proctor's live view and actions.

Rules (issue 7, DESIGN.md trust rules):

- an exam with sessions is started only through one: the candidate belongs to the session
  (its cohort and/or its organisation subtree) and ``now`` is inside the session's window
  (and inside the exam's own window, checked by :func:`exams.services.attempts.attempt_start`);
- an attempt of a session ends no later than ``session.ends_at`` plus the candidate's extra
  time (so time a proctor adds is not lost at the session's end), and never after the exam's
  close time (:func:`deadline_cap`, used with :func:`exams.engine.timing.deadline_for`);
- the access code is compared in constant time; the view rate-limits guesses;
- the proctor's actions (add time, allow a restart) carry a required reason, are written as
  :class:`~exams.models.ExamOverride` rows (audited by django-auditlog) and as
  :class:`~exams.models.ProctorAction` records.

An exam without sessions keeps the rules it had: nothing here applies to it.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Max, Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _

from accounts import roles
from accounts.models import User
from accounts.scoping import organisation_subtree_ids, organisations_visible_to

from .. import selectors
from ..engine import timing
from ..models import Attempt, AttemptState, Exam, ExamSession, ProctorAction, ProctorActionKind, SessionReminder

#: Letters and digits that cannot be confused when read out or typed (Crockford's alphabet).
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 6
#: A candidate whose last save is this recent is "answering" in the live view.
ANSWERING_WINDOW = timedelta(minutes=2)
#: The most minutes one "add time" may give (a typo of 600 is refused, not granted).
MAX_ADD_MINUTES = 180
#: The reminder goes out this long before the session starts.
REMINDER_AHEAD = timedelta(hours=24)
PROCTOR_ROLES = (roles.EXAMINER, roles.EXAM_MANAGER)


class SessionError(Exception):
    """A request the session rules refuse; ``str(error)`` is a message for the person."""

    code = "session_refused"


def access_code_generate() -> str:
    """A fresh random access code: ``CODE_LENGTH`` characters of :data:`CODE_ALPHABET`."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def access_code_normalize(code: str) -> str:
    """Upper case, spaces and dashes removed, and the Crockford look-alikes mapped
    (O -> 0, I and L -> 1), so what a candidate types matches what was read out."""
    code = (code or "").upper().replace(" ", "").replace("-", "")
    return code.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))[:32]


def access_code_matches(*, session: ExamSession, code: str) -> bool:
    """True when ``code`` is the session's access code (constant-time comparison); True for a
    session without a code."""
    if not session.access_code:
        return True
    return constant_time_compare(access_code_normalize(code), access_code_normalize(session.access_code))


def session_includes(*, session: ExamSession, user) -> bool:
    """True when ``user`` is a candidate of ``session``: in its cohort (when it names one) and
    in its organisation or below it (when it names one). One or two queries."""
    if session.cohort_id and not user.cohorts.filter(pk=session.cohort_id).exists():
        return False
    if session.organisation_id:
        return user.organisation_id in organisation_subtree_ids([session.organisation_id])
    return True


def sessions_for_candidate(*, exam: Exam, user) -> list[ExamSession]:
    """The sessions of ``exam`` that include ``user`` and have not ended, earliest first."""
    now = timezone.now()
    sessions = ExamSession.objects.filter(exam=exam, ends_at__gt=now).order_by("starts_at", "pk")
    return [session for session in sessions if session_includes(session=session, user=user)]


def session_for_start(*, exam: Exam, user, now: datetime | None = None) -> ExamSession | None:
    """The session of ``exam`` that ``user`` may start in now, or None (none is open to them)."""
    now = now or timezone.now()
    return next((s for s in sessions_for_candidate(exam=exam, user=user) if s.starts_at <= now < s.ends_at), None)


def start_check(
    *, exam: Exam, candidate: User, session: ExamSession | None, now: datetime, has_sessions: bool | None = None
) -> ExamSession | None:
    """Called by ``attempt_start`` before an attempt is created: returns the session the
    attempt belongs to (None for an exam without sessions).

    Raises :class:`SessionError` when the exam has sessions and ``session`` is missing, of
    another exam, does not include the candidate, or ``now`` is outside its window.
    ``has_sessions`` (whether ``exam`` has any session) saves a query when the caller knows.
    """
    if session is None:
        if has_sessions is None:
            has_sessions = ExamSession.objects.filter(exam_id=exam.pk).exists()
        if has_sessions:
            raise SessionError(_("This exam is taken in scheduled sessions, and none of yours is open now."))
        return None
    if session.exam_id != exam.pk or not session_includes(session=session, user=candidate):
        raise SessionError(_("You are not a candidate of this exam session."))
    if now < session.starts_at:
        raise SessionError(
            _("This exam session starts at %(when)s.")
            % {"when": timezone.localtime(session.starts_at).strftime("%Y-%m-%d %H:%M")}
        )
    if now >= session.ends_at:
        raise SessionError(_("This exam session is over."))
    return session


def deadline_cap(*, session: ExamSession | None, closes_at: datetime | None, extra_time: timedelta) -> datetime | None:
    """The latest deadline an attempt may have: the exam's (or override's) close time, and for
    a session attempt also ``session.ends_at + extra_time``; the earlier of the two (aware)."""
    if session is None:
        return closes_at
    session_end = session.ends_at + extra_time
    return session_end if closes_at is None or session_end < closes_at else closes_at


# The proctor's side.


def can_proctor(*, user, session: ExamSession) -> bool:
    """True for an administrator, an exam manager (``exams.change_examsession``) or one of
    the session's proctors."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser or user.has_perm("exams.change_examsession"):
        return True
    return session.proctors.filter(pk=user.pk).exists()


def require_proctor(*, user, session: ExamSession) -> None:
    """Raise ``PermissionDenied`` unless :func:`can_proctor`."""
    if not can_proctor(user=user, session=session):
        raise PermissionDenied(_("Only the proctors of this session, exam managers and administrators may do this."))


def sessions_visible_to(user) -> QuerySet[ExamSession]:
    """The sessions ``user`` may watch: all for exam managers and administrators, else those
    they proctor."""
    sessions = ExamSession.objects.select_related("exam", "cohort", "organisation").order_by("-starts_at", "-pk")
    if user.is_superuser or user.has_perm("exams.change_examsession"):
        return sessions
    return sessions.filter(proctors=user)


def proctor_candidates() -> QuerySet[User]:
    """Users who may be named proctors: those with the examiner or exam-manager role (or
    administrators)."""
    names = [roles.ROLES[key].group_name for key in PROCTOR_ROLES]
    return User.objects.filter(Q(groups__name__in=names) | Q(is_superuser=True), is_active=True).distinct()


def session_validate(
    *, exam: Exam, starts_at: datetime, ends_at: datetime, cohort, organisation, access_code: str, proctors
) -> str:
    """Check a session's settings; returns the normalized access code. Raises
    ``ValidationError`` (window, no candidates chosen, window outside the exam's, a code of
    the wrong form, a proctor without the examiner or exam-manager role)."""
    errors = []
    if starts_at and ends_at and ends_at <= starts_at:
        errors.append(_("The session must end after it starts."))
    if cohort is None and organisation is None:
        errors.append(_("Choose a cohort or an organisation (or both)."))
    outside = exam is not None and (
        (exam.closes_at and starts_at and starts_at >= exam.closes_at)
        or (exam.opens_at and ends_at and ends_at <= exam.opens_at)
    )
    if outside:
        errors.append(_("The session's window must overlap the exam's window."))
    code = access_code_normalize(access_code)
    if code and not (4 <= len(code) <= 12 and all(ch in CODE_ALPHABET for ch in code)):
        errors.append(_("The access code has 4 to 12 letters and digits."))
    if proctors:
        allowed = set(proctor_candidates().filter(pk__in=[p.pk for p in proctors]).values_list("pk", flat=True))
        if any(p.pk not in allowed for p in proctors):
            errors.append(_("A proctor must have the examiner or exam manager role."))
    if errors:
        raise ValidationError(errors)
    return code


def session_candidates(*, session: ExamSession) -> QuerySet[User]:
    """The candidates of ``session``: its cohort's members (in its organisation subtree when
    it names one too), or the non-staff users of its organisation subtree; plus anyone with
    an attempt in the session. Ordered by name; one query."""
    in_session = Q(attempts__session=session)
    if session.cohort_id:
        chosen = Q(cohorts=session.cohort_id)
        if session.organisation_id:
            chosen &= Q(organisation_id__in=organisation_subtree_ids([session.organisation_id]))
    else:
        chosen = Q(organisation_id__in=organisation_subtree_ids([session.organisation_id]), is_superuser=False) & ~Q(
            groups__permissions__codename="access_admin"
        )
    return User.objects.filter(chosen | in_session).distinct().order_by("full_name", "email")


def candidate_in_scope(*, user, candidate: User) -> bool:
    """True when ``candidate``'s organisation is one ``user``'s roles reach
    (:func:`accounts.scoping.organisations_visible_to`; a candidate without an organisation
    is reached only by an unlimited role). One or two queries."""
    visible = organisations_visible_to(user)
    if visible is None:
        return True
    return candidate.organisation_id is not None and visible.filter(pk=candidate.organisation_id).exists()


def live_rows(*, session: ExamSession, now: datetime | None = None, viewer=None) -> list[dict]:
    """One row per candidate of the session, for the live view and its JSON:
    ``{"candidate_id", "name", "email", "state", "attempt_id", "attempt_number",
    "seconds_left", "deadline" (ISO, UTC), "last_saved" (ISO or None), "attempts"}``.

    ``state`` is ``not_started``, ``started``, ``answering`` (a save in the last
    :data:`ANSWERING_WINDOW`), or ``submitted`` (submitted or final); it describes the
    candidate's latest attempt of the session. ``seconds_left`` is from the server's
    deadline (None unless in progress). Two queries (plus one for an organisation session's
    tree, and two for a ``viewer`` limited to organisations), whatever the number of
    candidates.

    With ``viewer``, only the candidates of the organisations the viewer's roles reach
    (issue 7: an examiner limited to one organisation sees only its candidates).
    """
    now = now or timezone.now()
    candidates = session_candidates(session=session)
    attempts = Attempt.objects.filter(session=session)
    visible = organisations_visible_to(viewer) if viewer is not None else None
    if visible is not None:
        candidates = candidates.filter(organisation__in=visible)
        attempts = attempts.filter(candidate__organisation__in=visible)
    candidates = list(candidates.values("pk", "full_name", "email"))
    attempts = (
        attempts.annotate(last_saved=Max("items__saved_at"))
        .order_by("candidate_id", "number")
        .values("pk", "candidate_id", "number", "state", "deadline_at", "last_saved")
    )
    latest: dict[int, dict] = {}
    counts: dict[int, int] = {}
    for attempt in attempts:
        latest[attempt["candidate_id"]] = attempt
        counts[attempt["candidate_id"]] = counts.get(attempt["candidate_id"], 0) + 1
    rows = []
    for person in candidates:
        attempt = latest.get(person["pk"])
        row = {
            "candidate_id": person["pk"],
            "name": person["full_name"] or person["email"],
            "email": person["email"],
            "state": "not_started",
            "attempt_id": None,
            "attempt_number": None,
            "seconds_left": None,
            "deadline": None,
            "last_saved": None,
            "attempts": counts.get(person["pk"], 0),
        }
        if attempt is not None:
            row["attempt_id"] = attempt["pk"]
            row["attempt_number"] = attempt["number"]
            row["last_saved"] = attempt["last_saved"].isoformat() if attempt["last_saved"] else None
            if attempt["state"] == AttemptState.IN_PROGRESS:
                recent = attempt["last_saved"] is not None and now - attempt["last_saved"] <= ANSWERING_WINDOW
                row["state"] = "answering" if recent else "started"
                row["seconds_left"] = timing.seconds_left(now=now, deadline_at=attempt["deadline_at"])
                row["deadline"] = attempt["deadline_at"].isoformat()
            else:
                row["state"] = "submitted"
        rows.append(row)
    return rows


def _session_attempt(*, session: ExamSession, attempt_id: int) -> Attempt:
    attempt = (
        Attempt.objects.select_for_update()
        .select_related("candidate", "exam")
        .filter(pk=attempt_id, session=session)
        .first()
    )
    if attempt is None:
        raise SessionError(_("No such attempt in this session."))
    return attempt


def _require_candidate_in_scope(*, user, attempt: Attempt) -> None:
    if not candidate_in_scope(user=user, candidate=attempt.candidate):
        raise PermissionDenied(_("This candidate is outside the organisations your role reaches."))


def _clean_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give a reason: it is recorded with the action."))
    if len(reason) > 2000:
        raise ValidationError(_("The reason is too long (at most 2000 characters)."))
    return reason


@transaction.atomic
def session_add_time(*, session: ExamSession, attempt_id: int, minutes: int, by: User, reason: str) -> Attempt:
    """Give the candidate of an open attempt of ``session`` ``minutes`` more (1 to
    :data:`MAX_ADD_MINUTES`); returns the attempt with its new deadline.

    Written as a personal override whose extra time is the candidate's current extra time
    plus ``minutes`` (overrides take the largest extra time, so additions accumulate), which
    moves the running attempt's deadline (``deadlines_recompute``); the candidate's timer
    picks it up at its next resync. Raises ``PermissionDenied`` (not a proctor, or the
    candidate is outside the organisations ``by``'s roles reach),
    ``ValidationError`` (no reason, minutes out of range), :class:`SessionError` (no such
    open attempt); nothing is written then.
    """
    from . import overrides

    require_proctor(user=by, session=session)
    reason = _clean_reason(reason)
    if not isinstance(minutes, int) or not 1 <= minutes <= MAX_ADD_MINUTES:
        raise ValidationError(_("Add between 1 and %(max)s minutes.") % {"max": MAX_ADD_MINUTES})
    attempt = _session_attempt(session=session, attempt_id=attempt_id)
    _require_candidate_in_scope(user=by, attempt=attempt)
    if attempt.state != AttemptState.IN_PROGRESS:
        raise SessionError(_("This attempt is no longer in progress."))
    rules = selectors.candidate_rules(exam=attempt.exam, user=attempt.candidate)
    current = int(rules.extra_time.total_seconds() // 60)
    override = overrides.override_record(
        exam=attempt.exam, by=by, reason=reason, candidate=attempt.candidate, extra_minutes=current + minutes
    )
    ProctorAction.objects.create(
        session=session,
        attempt=attempt,
        kind=ProctorActionKind.ADD_TIME,
        minutes=minutes,
        reason=reason,
        by=by,
        override=override,
    )
    attempt.refresh_from_db(fields=["deadline_at"])
    return attempt


@transaction.atomic
def session_allow_restart(*, session: ExamSession, attempt_id: int, by: User, reason: str) -> Attempt:
    """After a technical failure: the candidate may start the exam again in this session.

    The old attempt is kept (submitted with what was saved, if still open) and marked with a
    ``restart`` :class:`ProctorAction` carrying the reason; a personal override grants one
    more attempt than the candidate's current extra attempts. Returns the old attempt.
    Raises like :func:`session_add_time`.
    """
    from . import attempts as attempt_services
    from . import overrides

    require_proctor(user=by, session=session)
    reason = _clean_reason(reason)
    attempt = _session_attempt(session=session, attempt_id=attempt_id)
    _require_candidate_in_scope(user=by, attempt=attempt)
    if ProctorAction.objects.filter(attempt=attempt, kind=ProctorActionKind.RESTART).exists():
        raise SessionError(_("A restart was already allowed for this attempt."))
    rules = selectors.candidate_rules(exam=attempt.exam, user=attempt.candidate)
    extra_attempts = rules.attempts_allowed - attempt.exam.attempts_allowed
    if attempt.state == AttemptState.IN_PROGRESS:
        attempt = attempt_services.attempt_submit(attempt_id=attempt.pk, by=None)
    override = overrides.override_record(
        exam=attempt.exam, by=by, reason=reason, candidate=attempt.candidate, extra_attempts=extra_attempts + 1
    )
    ProctorAction.objects.create(
        session=session, attempt=attempt, kind=ProctorActionKind.RESTART, reason=reason, by=by, override=override
    )
    return attempt


# Reminders.


def reminders_send(*, now: datetime | None = None) -> int:
    """E-mail each candidate of every session starting within :data:`REMINDER_AHEAD` a
    reminder in their language (uz, ru or en), once: a :class:`SessionReminder` row is
    written (unique per session and candidate) before the mail goes out, in the same
    transaction, so a rerun or a concurrent run sends nothing twice. Returns the number sent.
    """
    now = now or timezone.now()
    sent = 0
    sessions = ExamSession.objects.filter(starts_at__gt=now, starts_at__lte=now + REMINDER_AHEAD).select_related("exam")
    languages = dict(settings.LANGUAGES)
    for session in sessions:
        done = set(SessionReminder.objects.filter(session=session).values_list("candidate_id", flat=True))
        for user in session_candidates(session=session).exclude(pk__in=done).filter(is_active=True):
            try:
                with transaction.atomic():
                    SessionReminder.objects.create(session=session, candidate=user, sent_at=now)
                    language = user.language if user.language in languages else settings.LANGUAGE_CODE
                    with translation.override(language), timezone.override("Asia/Tashkent"):
                        context = {
                            "user": user,
                            "session": session,
                            "exam": session.exam,
                            "site_url": settings.SITE_URL,
                        }
                        subject = " ".join(render_to_string("exams/email/reminder_subject.txt", context).split())
                        body = render_to_string("exams/email/reminder_message.txt", context)
                    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
            except IntegrityError:
                continue  # another run sent it
            sent += 1
    return sent
