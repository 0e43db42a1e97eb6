"""Starting, saving, submitting and finalizing attempts.

Each service is one guarded state change (STYLE.md): it locks the attempt (or the
candidate) with ``select_for_update``, checks the state, writes, and schedules follow-up
work with ``transaction.on_commit``. The rules come from DESIGN.md's trust rules:

- an attempt freezes its question versions, item order and option order at start;
- the server is the clock; a save after deadline + grace period is refused;
- an acknowledged save is durable: the caller acknowledges only after the commit;
- submit is idempotent: concurrent submits grade once.
"""

from __future__ import annotations

import logging
import random
import secrets
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Exists, F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from question_bank.grading import ManualGradingRequired, grade
from question_bank.models import QuestionVersion

from .. import selectors
from ..engine import draw, paging, scoring, timing
from ..models import Attempt, AttemptItem, AttemptState, Exam, ExamSession, Navigation
from ..signals import result_final

logger = logging.getLogger(__name__)


class AttemptError(Exception):
    """A request the exam rules refuse; ``str(error)`` is a message for the candidate."""

    code = "refused"


class ExamNotOpen(AttemptError):
    code = "exam_not_open"


class NotEligible(AttemptError):
    code = "not_eligible"


class NoAttemptsLeft(AttemptError):
    code = "no_attempts_left"


class AttemptClosed(AttemptError):
    """The attempt is submitted, or its deadline plus grace period has passed."""

    code = "attempt_closed"


class InvalidItem(AttemptError):
    code = "invalid_item"


class AttemptNotFound(AttemptError):
    """No such attempt for this candidate (the same whether it does not exist or is another's)."""

    code = "not_found"


class BlueprintUnfillable(AttemptError):
    code = "blueprint_unfillable"


class TooSoon(AttemptError):
    """The minimum gap since the previous attempt has not passed yet."""

    code = "too_soon"


class PageLocked(AttemptError):
    """Sequential navigation: an earlier page can no longer be shown or changed."""

    code = "page_locked"


class SessionRefused(AttemptError):
    """The exam is taken in sessions and this start is not inside one open to the candidate."""

    code = "session_refused"


# Per process: exam id and the fingerprint of its draw rules -> (monotonic time, exam_rule_pools()).
_POOLS: dict[tuple, tuple[float, tuple]] = {}


def _exam_rule_pools_cached(
    *, exam: Exam, fresh: bool = False
) -> tuple[list[draw.RulePool], dict[int, dict[int, int]]]:
    """:func:`exams.selectors.exam_rule_pools`, kept in this process for
    ``settings.CERTIFY_POOL_CACHE_SECONDS`` (production 60 s, elsewhere 0: not kept).

    At a synchronized start a thousand candidates draw from the same pools within a minute;
    building them reads every approved question id of each rule's category (issue 9: about
    0.35 s of database time for 5 rules of 10,000 questions). The key holds the exam, its
    item language and every field of its draw rules and fixed questions (one small query), so an
    edited blueprint is seen at once; a question approved, replaced or retired in the bank is
    seen by the draw within the cache time; :func:`attempt_start` freezes only versions that are
    still approved and draws again with ``fresh=True`` (rebuilt now) when one is not, so a
    retired question is never drawn. Pools are lists of ids, never whole questions.
    """
    import time

    from django.conf import settings

    from ..models import DrawRule, FixedQuestion

    seconds = getattr(settings, "CERTIFY_POOL_CACHE_SECONDS", 0)
    if not seconds:
        return selectors.exam_rule_pools(exam=exam)
    rules = DrawRule.objects.filter(section__exam=exam).order_by("pk").values()
    fixed = FixedQuestion.objects.filter(section__exam=exam).order_by("pk").values()
    key = (exam.pk, exam.item_language, repr(list(rules)), repr(list(fixed)))
    now = time.monotonic()
    hit = _POOLS.get(key)
    if hit is not None and now - hit[0] < seconds and not fresh:
        return hit[1]
    pools = selectors.exam_rule_pools(exam=exam)
    if len(_POOLS) > 64:  # a handful of exams are open at once; never grow without bound
        _POOLS.clear()
    _POOLS[key] = (now, pools)
    return pools


@transaction.atomic
def attempt_start(
    *, exam: Exam, candidate: User, now: datetime | None = None, session: ExamSession | None = None
) -> Attempt:
    """Start (or resume) ``candidate``'s attempt of ``exam``; returns the attempt.

    An attempt already in progress is returned as it is (a double click makes one
    attempt). Otherwise the exam must be open (in the candidate's window, overrides
    applied), the candidate must have attempts left and the minimum gap since the last
    submission must have passed, all checked under the candidate's row lock; the form is
    drawn with a fresh seed, preferring questions not seen in earlier attempts, and frozen
    in :class:`AttemptItem` rows. The deadline is :func:`exams.engine.timing.deadline_for`
    with the override's extra time and close time.

    An exam with sessions (:mod:`exams.services.sessions`) starts only with a ``session``
    that includes the candidate and is open now; the deadline is then also capped by the
    session's end (plus extra time) and the attempt records its session.

    Raises :class:`ExamNotOpen`, :class:`NotEligible`, :class:`SessionRefused`,
    :class:`NoAttemptsLeft`, :class:`TooSoon`, :class:`BlueprintUnfillable`.
    Queries: constant in the number of items and in the size of the bank (the pools are
    id lists).
    """
    now = now or timezone.now()
    # Serialize this candidate's starts: attempts allowed and the gap are checked under the lock.
    # The same query tells whether the exam is taken in sessions (the start's query budget).
    has_sessions = (
        User.objects.select_for_update()
        .filter(pk=candidate.pk)
        .annotate(has_sessions=Exists(ExamSession.objects.filter(exam_id=exam.pk)))
        .values_list("has_sessions", flat=True)
        .first()
    )
    current = selectors.attempt_in_progress(user=candidate, exam=exam)
    if current is not None:
        return current
    rules = selectors.candidate_rules(exam=exam, user=candidate)
    if not exam.is_open(now, opens_at=rules.opens_at, closes_at=rules.closes_at):
        raise ExamNotOpen(_("This exam is not open now."))
    if not exam.is_eligible(candidate):
        raise NotEligible(_("This exam is not open to you. Ask your organisation's training coordinator."))
    from . import sessions as session_services

    try:
        session = session_services.start_check(
            exam=exam, candidate=candidate, session=session, now=now, has_sessions=bool(has_sessions)
        )
    except session_services.SessionError as error:
        raise SessionRefused(str(error)) from error
    previous = list(Attempt.objects.filter(exam=exam, candidate=candidate).values_list("id", "submitted_at"))
    if len(previous) >= rules.attempts_allowed:
        raise NoAttemptsLeft(_("You have used all the attempts allowed for this exam."))
    if exam.min_gap_minutes and previous:
        last = max((submitted for _id, submitted in previous if submitted), default=None)
        if last is not None and now < last + timedelta(minutes=exam.min_gap_minutes):
            wait = last + timedelta(minutes=exam.min_gap_minutes)
            raise TooSoon(
                _("You can start the next attempt from %(when)s.")
                % {"when": timezone.localtime(wait).strftime("%Y-%m-%d %H:%M")}
            )
    previous_ids = [pk for pk, _submitted in previous]

    seed = secrets.randbits(62)
    seen = (
        frozenset(AttemptItem.objects.filter(attempt_id__in=previous_ids).values_list("question_id", flat=True))
        if previous_ids
        else frozenset()
    )
    for fresh in (False, True):
        pools, version_of = _exam_rule_pools_cached(exam=exam, fresh=fresh)
        try:
            picks = draw.draw_form(rules=pools, seed=seed, seen=seen, shuffle_items=exam.shuffle_items)
        except draw.PoolTooSmall as error:
            logger.error("exam %s cannot be drawn: %s", exam.code, error)
            raise BlueprintUnfillable(_("This exam cannot be started now. Please tell the exam manager.")) from error
        if not picks:
            raise BlueprintUnfillable(_("This exam has no questions yet."))
        version_ids = [version_of[pick.rule_id][pick.question_id] for pick in picks]
        # Only versions that are still their question's approved version are frozen: pools kept
        # by this process may predate a retirement or a newer approval (then draw again, fresh).
        versions = QuestionVersion.objects.filter(pk__in=version_ids, question__approved_version_id=F("pk")).in_bulk()
        if len(versions) == len(set(version_ids)):
            break
        if fresh:
            logger.error("exam %s: drawn versions changed while starting", exam.code)
            raise BlueprintUnfillable(_("This exam cannot be started now. Please tell the exam manager."))
    deadline_at = timing.deadline_for(
        started_at=now,
        time_limit=timedelta(minutes=exam.time_limit_minutes),
        closes_at=session_services.deadline_cap(
            session=session, closes_at=rules.closes_at, extra_time=rules.extra_time
        ),
        extra_time=rules.extra_time,
    )
    try:
        with transaction.atomic():
            attempt = Attempt.objects.create(
                exam=exam,
                candidate=candidate,
                number=len(previous) + 1,
                seed=seed,
                started_at=now,
                deadline_at=deadline_at,
                session=session,
            )
    except IntegrityError:
        # Another request started it first (SQLite has no row lock): resume that one.
        current = selectors.attempt_in_progress(user=candidate, exam=exam)
        if current is None:
            raise
        return current

    option_rng = random.Random(seed ^ 0x5EED)  # noqa: S311 - reproducible from the secret seed
    items = []
    for position, (pick, version_id) in enumerate(zip(picks, version_ids, strict=True), start=1):
        version = versions[version_id]
        items.append(
            AttemptItem(
                attempt=attempt,
                position=position,
                section_id=pick.section_id,
                question_version=version,
                question_id=pick.question_id,
                points=pick.points if pick.points is not None else version.default_points,
                option_order=draw.option_order(
                    question=version.data, rng=option_rng, shuffle_options=exam.shuffle_options
                ),
            )
        )
    AttemptItem.objects.bulk_create(items, batch_size=500)
    return attempt


def _lock_open_attempt(*, attempt_id: int, candidate: User, now: datetime) -> Attempt:
    """Lock the candidate's attempt and check that it still accepts saves."""
    attempt = (
        Attempt.objects.select_for_update(no_key=True)
        .select_related("exam")
        .filter(pk=attempt_id, candidate=candidate)
        .first()
    )
    if attempt is None:
        raise AttemptNotFound(_("No such attempt."))
    if attempt.state != AttemptState.IN_PROGRESS:
        raise AttemptClosed(_("This attempt has been submitted; answers can no longer be changed."))
    grace = timedelta(seconds=attempt.exam.grace_seconds)
    if not timing.save_allowed(now=now, deadline_at=attempt.deadline_at, grace=grace):
        raise AttemptClosed(_("The time for this attempt is over; this answer was not saved."))
    return attempt


def attempt_pages(*, attempt: Attempt) -> list[int]:
    """The page number of each item of ``attempt``, in position order (one query)."""
    section_ids = list(attempt.items.order_by("position").values_list("section_id", flat=True))
    return paging.page_numbers(section_ids=section_ids, mode=attempt.exam.page_mode)


def _check_page_open(*, attempt: Attempt, position: int) -> None:
    """Sequential navigation: refuse an item on a page before the furthest page reached."""
    if attempt.exam.navigation != Navigation.SEQUENTIAL or attempt.current_page <= 1:
        return
    pages = attempt_pages(attempt=attempt)
    if 1 <= position <= len(pages) and not paging.page_allowed(
        page=pages[position - 1], current_page=attempt.current_page, navigation=attempt.exam.navigation
    ):
        raise PageLocked(_("This exam moves forward only: answers on earlier pages can no longer be changed."))


@transaction.atomic
def attempt_page_visit(*, attempt_id: int, candidate: User, page: int, now: datetime | None = None) -> int:
    """Record that the candidate shows ``page``; returns the page to show.

    Free navigation: any page (clamped to the pages that exist). Sequential navigation: never
    before the furthest page reached and at most one page ahead; the furthest page reached
    (``Attempt.current_page``) moves forward under the attempt's lock, so two tabs cannot
    take the candidate back. Raises like :func:`answer_save`.
    """
    now = now or timezone.now()
    attempt = _lock_open_attempt(attempt_id=attempt_id, candidate=candidate, now=now)
    page_count = max(attempt_pages(attempt=attempt), default=1)
    target = paging.page_target(
        requested=page, current_page=attempt.current_page, page_count=page_count, navigation=attempt.exam.navigation
    )
    if target > attempt.current_page:
        Attempt.objects.filter(pk=attempt.pk).update(current_page=target)
    return target


@transaction.atomic
def answer_save(
    *,
    attempt_id: int,
    candidate: User,
    position: int,
    response: dict | None,
    sequence: int | None = None,
    flagged: bool | None = None,
    now: datetime | None = None,
) -> dict:
    """Save one item's response (autosave or a form post); returns ``{"position",
    "sequence", "saved_at"}`` — to be sent to the client only after the commit.

    ``sequence`` is the client's counter for this item: a save older than the one stored
    (a retry arriving late) changes nothing and answers with the stored sequence. Without
    a sequence (form posts) the stored one is incremented. ``flagged`` sets the flag for
    review when given. ``response`` is stored as given (grading treats malformed responses
    as 0); it must be a JSON object or null.

    Raises :class:`AttemptClosed` after the deadline plus grace period or after submit,
    :class:`AttemptNotFound` for another candidate's attempt, :class:`InvalidItem` for an
    unknown position or a response that is not a JSON object, :class:`PageLocked` for an
    item on a page left behind under sequential navigation.
    """
    now = now or timezone.now()
    if response is not None and not isinstance(response, dict):
        raise InvalidItem(_("The answer is not in the expected form."))
    attempt = _lock_open_attempt(attempt_id=attempt_id, candidate=candidate, now=now)
    _check_page_open(attempt=attempt, position=position)
    items = AttemptItem.objects.filter(attempt_id=attempt_id, position=position)
    changes: dict = {"response": response, "saved_at": now}
    if flagged is not None:
        changes["flagged"] = bool(flagged)
    if sequence is None:
        updated = items.update(save_sequence=F("save_sequence") + 1, **changes)
    else:
        updated = items.filter(save_sequence__lt=sequence).update(save_sequence=sequence, **changes)
    if updated == 1 and sequence is not None:
        # The row now holds exactly what was written: no need to read it back (one query less per autosave).
        return {"position": position, "sequence": sequence, "saved_at": now}
    row = items.values("save_sequence", "saved_at").first()
    if row is None:
        raise InvalidItem(_("No such item in this attempt."))
    if not updated and flagged is not None and sequence is not None:
        items.update(flagged=bool(flagged))
    return {"position": position, "sequence": row["save_sequence"], "saved_at": row["saved_at"]}


@transaction.atomic
def item_flag(*, attempt_id: int, candidate: User, position: int, flagged: bool, now: datetime | None = None) -> None:
    """Set or clear the "flag for review" mark of one item. Raises like :func:`answer_save`."""
    now = now or timezone.now()
    attempt = _lock_open_attempt(attempt_id=attempt_id, candidate=candidate, now=now)
    _check_page_open(attempt=attempt, position=position)
    if not AttemptItem.objects.filter(attempt_id=attempt_id, position=position).update(flagged=flagged):
        raise InvalidItem(_("No such item in this attempt."))


def _grade_item(item: AttemptItem) -> bool:
    """Grade one item in place; returns False when it needs manual grading."""
    question = item.question_version.data
    if question.get("qtype") == "description":
        item.fraction, item.score = Decimal(0), Decimal(0)
        return True
    try:
        fraction = grade(question, item.response or {})
    except ManualGradingRequired:
        item.needs_manual_grading = True
        item.fraction = item.score = None
        return False
    item.fraction, item.score = scoring.item_score(points=item.points, fraction=fraction)
    return True


def _finalize(attempt: Attempt, items: list[AttemptItem], now: datetime) -> None:
    """Total the scored items, decide pass or fail, mark final and announce it after commit."""
    total = scoring.attempt_score(
        (item.points, item.score) for item in items if item.question_version.qtype != "description"
    )
    attempt.score, attempt.max_score, attempt.percent = total.score, total.max_score, total.percent
    attempt.passed = scoring.passes(percent=total.percent, cut_score=attempt.exam.cut_score)
    attempt.state = AttemptState.FINAL
    attempt.final_at = now
    attempt_id, passed = attempt.pk, attempt.passed
    transaction.on_commit(lambda: result_final.send(sender=Attempt, attempt_id=attempt_id, passed=passed))


@transaction.atomic
def attempt_submit(*, attempt_id: int, by: User | None, auto: bool = False, now: datetime | None = None) -> Attempt:
    """Submit and grade an attempt; idempotent. Returns the attempt.

    ``by`` is the candidate (or None for the deadline task); ``auto`` marks an attempt
    finalized at its deadline. The attempt row is locked: of concurrent submits, the first
    grades and the others find it already submitted and return it unchanged. Every item is
    graded by ``question_bank.grading.grade``; essays wait for an examiner (state
    ``submitted``), otherwise the result is final and ``result_final`` is sent after the
    commit. Raises :class:`AttemptNotFound` if ``by`` is not the attempt's candidate.
    """
    now = now or timezone.now()
    attempt = Attempt.objects.select_for_update().select_related("exam").filter(pk=attempt_id).first()
    if attempt is None or (by is not None and attempt.candidate_id != by.pk):
        raise AttemptNotFound(_("No such attempt."))
    if attempt.state != AttemptState.IN_PROGRESS:
        return attempt
    items = list(attempt.items.select_related("question_version").order_by("position"))
    all_scored = True
    for item in items:
        all_scored &= _grade_item(item)
    AttemptItem.objects.bulk_update(items, ["fraction", "score", "needs_manual_grading"], batch_size=500)
    attempt.submitted_at = now
    attempt.auto_submitted = auto
    if all_scored:
        _finalize(attempt, items, now)
    else:
        attempt.state = AttemptState.SUBMITTED
    attempt.save(
        update_fields=["state", "submitted_at", "auto_submitted", "score", "max_score", "percent", "passed", "final_at"]
    )
    return attempt


@transaction.atomic
def item_grade_manual(
    *, item_id: int, fraction: Decimal, by: User, comment: str = "", now: datetime | None = None
) -> Attempt:
    """An examiner scores one essay item (``fraction`` in [0, 1]) with an optional comment;
    who and when are stored on the item. The result becomes final when every item has a
    score (``result_final`` is then sent after the commit). Raises ``ValueError`` for a
    fraction out of range and :class:`AttemptClosed` when the attempt is not waiting for
    manual grading."""
    now = now or timezone.now()
    fraction = Decimal(fraction)
    if not Decimal(0) <= fraction <= Decimal(1):
        raise ValueError("fraction must be in [0, 1]")
    item = AttemptItem.objects.select_related("attempt").get(pk=item_id)
    attempt = Attempt.objects.select_for_update().select_related("exam").get(pk=item.attempt_id)
    if attempt.state != AttemptState.SUBMITTED:
        raise AttemptClosed(_("This attempt is not waiting for manual grading."))
    item.fraction, item.score = scoring.item_score(points=item.points, fraction=fraction)
    item.needs_manual_grading = False
    item.grader_comment = (comment or "").strip()
    item.graded_by = by
    item.graded_at = now
    item.save(update_fields=["fraction", "score", "needs_manual_grading", "grader_comment", "graded_by", "graded_at"])
    items = list(attempt.items.select_related("question_version"))
    if all(i.score is not None or i.question_version.qtype == "description" for i in items):
        _finalize(attempt, items, now)
        attempt.save(update_fields=["state", "score", "max_score", "percent", "passed", "final_at"])
    return attempt


def attempt_finalize_expired(*, now: datetime | None = None, limit: int = 500) -> int:
    """Submit (auto) every attempt left open past its deadline plus grace period, with what
    was saved; returns how many were finalized. Each attempt is its own transaction, so one
    failure does not hold back the others."""
    now = now or timezone.now()
    candidates = Attempt.objects.filter(state=AttemptState.IN_PROGRESS, deadline_at__lt=now).select_related("exam")
    finalized = 0
    for attempt in candidates.order_by("deadline_at")[:limit]:
        if timing.is_expired(
            now=now, deadline_at=attempt.deadline_at, grace=timedelta(seconds=attempt.exam.grace_seconds)
        ):
            attempt_submit(attempt_id=attempt.pk, by=None, auto=True, now=now)
            finalized += 1
    return finalized


def attempt_finalize_if_expired(*, attempt: Attempt, now: datetime | None = None) -> Attempt:
    """On any access: an open attempt past deadline + grace is finalized now; returns it fresh."""
    now = now or timezone.now()
    if attempt.state == AttemptState.IN_PROGRESS and timing.is_expired(
        now=now, deadline_at=attempt.deadline_at, grace=timedelta(seconds=attempt.exam.grace_seconds)
    ):
        return attempt_submit(attempt_id=attempt.pk, by=None, auto=True, now=now)
    return attempt
