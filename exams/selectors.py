"""Reads for the exam engine: what a candidate may see, pools for draw rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, models
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from question_bank.models import Category, Question

from .engine import draw
from .models import Attempt, AttemptState, DrawRule, Exam, ExamOverride, FixedQuestion

# Types a draw rule never takes unless it names them: a description earns no points.
NOT_DRAWN_BY_DEFAULT = ("description",)


def exams_available_to(*, user) -> QuerySet[Exam]:
    """Published exams, open now or opening later, ordered by code (eligibility: every
    signed-in candidate, for now)."""
    now = timezone.now()
    return (
        Exam.objects.filter(is_published=True).filter(Q(closes_at__isnull=True) | Q(closes_at__gt=now)).order_by("code")
    )


def attempt_for_candidate(*, user, attempt_id: int) -> Attempt:
    """The attempt ``attempt_id`` if it is ``user``'s; ``Http404`` otherwise (the same
    answer whether it does not exist or belongs to someone else)."""
    try:
        return Attempt.objects.select_related("exam").get(pk=attempt_id, candidate=user)
    except (Attempt.DoesNotExist, ValueError, TypeError):
        raise Http404("No such attempt") from None


def attempt_in_progress(*, user, exam: Exam) -> Attempt | None:
    """The candidate's open attempt of ``exam``, if any."""
    return Attempt.objects.filter(exam=exam, candidate=user, state=AttemptState.IN_PROGRESS).first()


def rule_pool(*, rule: DrawRule, language: str = "") -> list[tuple[int, int]]:
    """``[(question_id, approved_version_id), ...]`` that ``rule`` may draw.

    Only questions with an approved version count. The result is ids only (never whole
    questions), one query for the categories and one for the pool. ``rule.tags``: the
    approved version's ``data["tags"]`` must hold every one of them (on SQLite, which has no
    JSON containment, the tags of the pool's versions are read and filtered here).
    """
    category_ids = rule.category.descendant_ids() if rule.include_subcategories else [rule.category_id]
    questions = Question.objects.filter(category_id__in=category_ids, approved_version__isnull=False)
    difficulty = Q(
        approved_version__difficulty__gte=rule.difficulty_min, approved_version__difficulty__lte=rule.difficulty_max
    )
    if rule.difficulty_min <= 1 and rule.difficulty_max >= 5:
        difficulty |= Q(approved_version__difficulty__isnull=True)
    questions = questions.filter(difficulty)
    if rule.qtypes:
        questions = questions.filter(approved_version__qtype__in=rule.qtypes)
    else:
        questions = questions.exclude(approved_version__qtype__in=NOT_DRAWN_BY_DEFAULT)
    if language:
        questions = questions.filter(approved_version__language=language)
    tags = [str(tag) for tag in (rule.tags or []) if str(tag).strip()]
    if tags and connection.vendor == "postgresql":
        questions = questions.filter(approved_version__data__tags__contains=tags)
    elif tags:
        rows = questions.order_by("id").values_list("id", "approved_version_id", "approved_version__data__tags")
        wanted = set(tags)
        return [(qid, vid) for qid, vid, have in rows if isinstance(have, list) and wanted <= set(map(str, have))]
    return list(questions.order_by("id").values_list("id", "approved_version_id"))


def exam_rule_pools(*, exam: Exam) -> tuple[list[draw.RulePool], dict[int, dict[int, int]]]:
    """The exam's blueprint ready to draw: one :class:`~exams.engine.draw.RulePool` per draw
    rule and per fixed question (whose ``rule_id`` is minus the fixed question's id), in
    section order, rules then fixed questions; and per rule id a map question id -> approved
    version id. Two queries plus two per draw rule; never whole questions.
    """
    rules = (
        DrawRule.objects.filter(section__exam=exam)
        .select_related("section", "category")
        .order_by("section__position", "section_id", "position", "id")
    )
    fixed = (
        FixedQuestion.objects.filter(section__exam=exam)
        .select_related("section")
        .order_by("section__position", "section_id", "position", "id")
        .values_list("pk", "section_id", "section__position", "question_id", "question__approved_version_id", "points")
    )
    entries: list[tuple[tuple, draw.RulePool, dict[int, int]]] = []
    for rule in rules:
        pairs = rule_pool(rule=rule, language=exam.item_language)
        pool = draw.RulePool(
            rule_id=rule.pk,
            section_id=rule.section_id,
            section_position=rule.section.position,
            count=rule.count,
            pool=[question_id for question_id, _version in pairs],
            points=rule.points,
        )
        entries.append(((rule.section.position, rule.section_id, 0, rule.position, rule.pk), pool, dict(pairs)))
    for pk, section_id, section_position, question_id, version_id, points in fixed:
        pool = draw.RulePool(
            rule_id=-pk,
            section_id=section_id,
            section_position=section_position,
            count=1,
            pool=[question_id] if version_id else [],
            points=points,
        )
        entries.append(
            ((section_position, section_id, 1, 0, pk), pool, {question_id: version_id} if version_id else {})
        )
    entries.sort(key=lambda entry: entry[0])
    return [pool for _key, pool, _versions in entries], {pool.rule_id: versions for _key, pool, versions in entries}


@dataclass(frozen=True)
class CandidateRules:
    """An exam's rules for one candidate, overrides applied: ``attempts_allowed``,
    ``extra_time`` (timedelta), ``opens_at`` / ``closes_at`` (aware or None)."""

    attempts_allowed: int
    extra_time: timedelta
    opens_at: datetime | None
    closes_at: datetime | None


def overrides_for(*, exam: Exam, user) -> list[ExamOverride]:
    """The overrides of ``exam`` that apply to ``user`` (theirs and their cohorts'), newest
    first. One query."""
    return list(
        ExamOverride.objects.filter(exam=exam)
        .filter(Q(candidate=user) | Q(cohort__members=user))
        .distinct()
        .order_by("-created_at", "-id")
    )


def candidate_rules(*, exam: Exam, user, overrides: list[ExamOverride] | None = None) -> CandidateRules:
    """Combine ``exam``'s own rules with the overrides for ``user``.

    Extra time and extra attempts: the largest of the applicable overrides (overrides do not
    add up, so a cohort's and a personal one for the same need do not double it). Window: the
    newest personal override that sets it, else the newest cohort override, else the exam's.
    """
    if overrides is None:
        overrides = overrides_for(exam=exam, user=user) if user is not None and user.is_authenticated else []
    extra_minutes = max((o.extra_minutes for o in overrides), default=0)
    extra_attempts = max((o.extra_attempts for o in overrides), default=0)
    personal = [o for o in overrides if o.candidate_id]
    cohort = [o for o in overrides if not o.candidate_id]
    opens_at = next((o.opens_at for o in personal + cohort if o.opens_at), None) or exam.opens_at
    closes_at = next((o.closes_at for o in personal + cohort if o.closes_at), None) or exam.closes_at
    return CandidateRules(
        attempts_allowed=exam.attempts_allowed + extra_attempts,
        extra_time=timedelta(minutes=extra_minutes),
        opens_at=opens_at,
        closes_at=closes_at,
    )


def category_for_path(path: str) -> Category | None:
    return Category.objects.filter(path=path).first()


def next_start_at(*, exam: Exam, attempts: list[Attempt]) -> datetime | None:
    """When a new attempt may start given the minimum gap: the last submission plus
    ``exam.min_gap_minutes``; None when there is no gap to wait for."""
    if not exam.min_gap_minutes:
        return None
    ends = [a.submitted_at or a.started_at for a in attempts]
    if not ends:
        return None
    return max(ends) + timedelta(minutes=exam.min_gap_minutes)


def exam_state(*, exam: Exam, user) -> dict:
    """What ``user`` can do with ``exam`` now, for the dashboard, exam pages and CMS blocks.

    Returns ``{"exam", "is_open", "opens_later", "attempts_used", "attempts_left",
    "in_progress" (Attempt | None), "passed_attempt" (Attempt | None), "attempts",
    "eligible", "wait_until" (aware datetime | None: the minimum gap), "opens_at" /
    "closes_at" (aware datetime | None: the candidate's window)}``, overrides applied.
    Two queries for a signed-in candidate (overrides, attempts).
    """
    now = timezone.now()
    signed_in = user is not None and user.is_authenticated
    rules = candidate_rules(exam=exam, user=user if signed_in else None, overrides=None if signed_in else [])
    state = {
        "exam": exam,
        "is_open": exam.is_open(now, opens_at=rules.opens_at, closes_at=rules.closes_at),
        "opens_later": bool(exam.is_published and rules.opens_at and now < rules.opens_at),
        "attempts": [],
        "attempts_used": 0,
        "attempts_left": rules.attempts_allowed,
        "in_progress": None,
        "passed_attempt": None,
        "eligible": True,
        "wait_until": None,
        "closes_at": rules.closes_at,
        "opens_at": rules.opens_at,
    }
    if signed_in:
        state["eligible"] = exam.is_eligible(user)
        attempts = list(Attempt.objects.filter(exam=exam, candidate=user).order_by("number"))
        state["attempts"] = attempts
        state["attempts_used"] = len(attempts)
        state["attempts_left"] = max(0, rules.attempts_allowed - len(attempts))
        state["in_progress"] = next((a for a in attempts if a.state == AttemptState.IN_PROGRESS), None)
        state["passed_attempt"] = next((a for a in attempts if a.passed), None)
        if state["passed_attempt"] is None and state["in_progress"] is None:
            state["passed_attempt"] = earlier_version_passes(exams=[exam], user=user).get(exam.pk)
        wait_until = next_start_at(exam=exam, attempts=attempts)
        state["wait_until"] = wait_until if wait_until and wait_until > now else None
    return state


def exam_states(*, exams: list[Exam], user) -> dict[int, dict]:
    """:func:`exam_state` for several exams at once (a CMS page with several exam blocks):
    ``{exam id: state}``, the same keys as :func:`exam_state`.

    A signed-in candidate costs a fixed number of queries whatever the number of exams
    (overrides, attempts, eligibility choices, and the cohorts and organisation chain only
    when an exam restricts eligibility); a visitor costs none.
    """
    exams = list({exam.pk: exam for exam in exams}.values())
    signed_in = user is not None and user.is_authenticated
    if not exams or not signed_in:
        return {exam.pk: exam_state(exam=exam, user=user) for exam in exams}
    now = timezone.now()
    exam_ids = [exam.pk for exam in exams]
    overrides: dict[int, list[ExamOverride]] = {pk: [] for pk in exam_ids}
    for override in (
        ExamOverride.objects.filter(exam_id__in=exam_ids)
        .filter(Q(candidate=user) | Q(cohort__members=user))
        .distinct()
        .order_by("-created_at", "-id")
    ):
        overrides[override.exam_id].append(override)
    attempts: dict[int, list[Attempt]] = {pk: [] for pk in exam_ids}
    for attempt in Attempt.objects.filter(exam_id__in=exam_ids, candidate=user).order_by("number"):
        attempts[attempt.exam_id].append(attempt)
    eligible = _eligible_exam_ids(exam_ids=exam_ids, user=user)
    earlier_passes = earlier_version_passes(exams=exams, user=user)
    states = {}
    for exam in exams:
        rules = candidate_rules(exam=exam, user=user, overrides=overrides[exam.pk])
        mine = attempts[exam.pk]
        wait_until = next_start_at(exam=exam, attempts=mine)
        in_progress = next((a for a in mine if a.state == AttemptState.IN_PROGRESS), None)
        passed_attempt = next((a for a in mine if a.passed), None)
        if passed_attempt is None and in_progress is None:
            passed_attempt = earlier_passes.get(exam.pk)
        states[exam.pk] = {
            "exam": exam,
            "is_open": exam.is_open(now, opens_at=rules.opens_at, closes_at=rules.closes_at),
            "opens_later": bool(exam.is_published and rules.opens_at and now < rules.opens_at),
            "attempts": mine,
            "attempts_used": len(mine),
            "attempts_left": max(0, rules.attempts_allowed - len(mine)),
            "in_progress": in_progress,
            "passed_attempt": passed_attempt,
            "eligible": exam.pk in eligible,
            "wait_until": wait_until if wait_until and wait_until > now else None,
            "closes_at": rules.closes_at,
            "opens_at": rules.opens_at,
        }
    return states


def exam_version_lines(*, exams: list[Exam]) -> dict[int, set[int]]:
    """``{exam id: ids of every other exam in its version line}``: the exams linked to it
    through ``previous_version`` in either direction (its ancestors, their later versions and
    theirs). One query (all exams' links; the exam table holds hundreds of rows, not millions).
    """
    if (
        not any(exam.previous_version_id for exam in exams)
        and not Exam.objects.filter(previous_version_id__in=[exam.pk for exam in exams]).exists()
    ):
        return {exam.pk: set() for exam in exams}
    parent = dict(Exam.objects.values_list("pk", "previous_version_id"))

    def root_of(pk: int) -> int:
        seen = set()
        while parent.get(pk) and pk not in seen:
            seen.add(pk)
            pk = parent[pk]
        return pk

    lines: dict[int, set[int]] = {}
    for pk in parent:
        lines.setdefault(root_of(pk), set()).add(pk)
    return {exam.pk: lines.get(root_of(exam.pk), {exam.pk}) - {exam.pk} for exam in exams}


def earlier_version_passes(*, exams: list[Exam], user) -> dict[int, Attempt]:
    """``{exam id: passed Attempt}`` for the exams of ``exams`` that ``user`` has already
    passed in another version of the same exam, with a current valid certificate (not
    revoked, not superseded, not expired on today's date in Asia/Tashkent).

    Rule (H13): a new version of an exam is the same qualification; a holder of a valid
    certificate from an earlier version is not offered the exam again. At most three queries.
    """
    from certificates.models import Certificate, tashkent_today  # certificates depends on exams

    if user is None or not user.is_authenticated or not exams:
        return {}
    lines = exam_version_lines(exams=exams)
    others = set().union(*lines.values())
    if not others:
        return {}
    today = tashkent_today()
    certificates = (
        Certificate.objects.filter(holder=user, exam_id__in=others, revoked_at__isnull=True, superseded_at__isnull=True)
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=today))
        .select_related("attempt")
        .order_by("-issued_on", "-pk")
    )
    by_exam: dict[int, Attempt] = {}
    for certificate in certificates:
        by_exam.setdefault(certificate.exam_id, certificate.attempt)
    found = {}
    for exam in exams:
        attempt = next((by_exam[pk] for pk in lines[exam.pk] if pk in by_exam), None)
        if attempt is not None:
            found[exam.pk] = attempt
    return found


def _eligible_exam_ids(*, exam_ids: list[int], user) -> set[int]:
    """The ids among ``exam_ids`` that ``user`` may sit, by the rule of
    :meth:`exams.models.Exam.is_eligible`, in at most four queries for all of them."""
    chosen = (
        Exam.eligible_organisations.through.objects.filter(exam_id__in=exam_ids)
        .annotate(kind=models.Value("o"))
        .values_list("exam_id", "kind", "organisation_id")
        .union(
            Exam.eligible_cohorts.through.objects.filter(exam_id__in=exam_ids)
            .annotate(kind=models.Value("c"))
            .values_list("exam_id", "kind", "cohort_id")
        )
    )
    organisations: dict[int, set[int]] = {}
    cohorts: dict[int, set[int]] = {}
    for exam_id, kind, pk in chosen:
        (organisations if kind == "o" else cohorts).setdefault(exam_id, set()).add(pk)
    restricted = set(organisations) | set(cohorts)
    eligible = set(exam_ids) - restricted
    if not restricted:
        return eligible
    my_cohorts = set(user.cohorts.values_list("pk", flat=True)) if cohorts else set()
    my_organisations = set()
    organisation = user.organisation if organisations else None
    while organisation is not None and organisation.pk not in my_organisations:
        my_organisations.add(organisation.pk)
        organisation = organisation.parent
    for exam_id in restricted:
        if cohorts.get(exam_id, set()) & my_cohorts or organisations.get(exam_id, set()) & my_organisations:
            eligible.add(exam_id)
    return eligible
