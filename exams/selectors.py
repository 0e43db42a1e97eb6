"""Reads for the exam engine: what a candidate may see, pools for draw rules."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from question_bank.models import Category, Question

from .models import Attempt, AttemptState, DrawRule, Exam

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
    questions), one query for the categories and one for the pool.
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
    return list(questions.order_by("id").values_list("id", "approved_version_id"))


def category_for_path(path: str) -> Category | None:
    return Category.objects.filter(path=path).first()


def exam_state(*, exam: Exam, user) -> dict:
    """What ``user`` can do with ``exam`` now, for the dashboard, exam pages and CMS blocks.

    Returns ``{"exam", "is_open", "opens_later", "attempts_used", "attempts_left",
    "in_progress" (Attempt | None), "passed_attempt" (Attempt | None), "attempts"}``.
    One query for the candidate's attempts.
    """
    now = timezone.now()
    state = {
        "exam": exam,
        "is_open": exam.is_open(now),
        "opens_later": bool(exam.is_published and exam.opens_at and now < exam.opens_at),
        "attempts": [],
        "attempts_used": 0,
        "attempts_left": exam.attempts_allowed,
        "in_progress": None,
        "passed_attempt": None,
        "eligible": True,
    }
    if user is not None and user.is_authenticated:
        state["eligible"] = exam.is_eligible(user)
        attempts = list(Attempt.objects.filter(exam=exam, candidate=user).order_by("number"))
        state["attempts"] = attempts
        state["attempts_used"] = len(attempts)
        state["attempts_left"] = max(0, exam.attempts_allowed - len(attempts))
        state["in_progress"] = next((a for a in attempts if a.state == AttemptState.IN_PROGRESS), None)
        state["passed_attempt"] = next((a for a in attempts if a.passed), None)
    return state
