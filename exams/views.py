"""Candidate views of the exam engine: thin edges over :mod:`exams.services.attempts`.

Every page works with plain form posts; ``static/exams/attempt.js`` adds autosave, the
live timer and the offline queue on top. The JSON endpoints acknowledge a save only after
the database commit (the service's transaction has ended when the view returns).
"""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_ratelimit.core import is_ratelimited

from . import selectors
from .engine import paging, scoring, timing
from .models import Attempt, AttemptState, Exam, ExamSession, Navigation
from .presentation import candidate_view, is_answered, response_from_form, review_level, review_view
from .services import attempts as attempt_services
from .services import sessions as session_services

MAX_SAVE_BODY = 64 * 1024  # one item's response; an essay of a few thousand words fits


@login_required
def dashboard(request):
    """The candidate's exams: available ones, the attempt in progress, history."""
    exams = [
        selectors.exam_state(exam=exam, user=request.user) for exam in selectors.exams_available_to(user=request.user)
    ]
    history = Attempt.objects.filter(candidate=request.user).select_related("exam").order_by("-started_at")[:50]
    return render(request, "exams/dashboard.html", {"exams": exams, "history": history})


def exam_detail(request, code: str):
    exam = get_object_or_404(Exam, code=code, is_published=True)
    state = selectors.exam_state(exam=exam, user=request.user)
    return render(request, "exams/exam_detail.html", {"state": state, **state})


def _refused(request, exam: Exam, error: attempt_services.AttemptError):
    return render(request, "exams/refused.html", {"exam": exam, "message": str(error), "code": error.code}, status=409)


@login_required
@require_POST
def attempt_start_view(request, code: str):
    """Start or resume; a refusal answers with a clear page and changes nothing.

    An exam taken in sessions starts in the candidate's session open now; when that session
    has an access code not yet entered in this browser session, the candidate is sent to
    the access code page first."""
    exam = get_object_or_404(Exam, code=code, is_published=True)
    session = None
    if selectors.attempt_in_progress(user=request.user, exam=exam) is None:
        session = session_services.session_for_start(exam=exam, user=request.user)
        if session is not None and session.access_code and session.pk not in _unlocked(request):
            return redirect("exams:session_code", code=exam.code, session_id=session.pk)
    try:
        attempt = attempt_services.attempt_start(exam=exam, candidate=request.user, session=session)
    except attempt_services.AttemptError as error:
        return _refused(request, exam, error)
    return redirect("exams:take", attempt_id=attempt.pk)


UNLOCKED_KEY = "exams.sessions_unlocked"


def _unlocked(request) -> list[int]:
    value = request.session.get(UNLOCKED_KEY, [])
    return value if isinstance(value, list) else []


@login_required
def session_code_view(request, code: str, session_id: int):
    """GET: the access code form of the candidate's session. POST ``access_code``: a right
    code is remembered in the browser session and the attempt starts; a wrong one answers
    with an error and creates nothing. Guesses are rate-limited per candidate
    (``CERTIFY_ACCESS_CODE_RATE``, default 10 a quarter hour); past the limit even a right
    code is refused until the period ends."""
    exam = get_object_or_404(Exam, code=code, is_published=True)
    session = get_object_or_404(ExamSession, pk=session_id, exam=exam)
    if not session_services.session_includes(session=session, user=request.user):
        raise Http404("No such session")
    error, status = None, 200
    if request.method == "POST":
        limited = is_ratelimited(
            request,
            group="exams.session_access_code",
            key="user",
            rate=getattr(settings, "CERTIFY_ACCESS_CODE_RATE", "10/15m"),
            method="POST",
            increment=True,
        )
        if limited:
            error, status = _("Too many tries. Wait a few minutes, then ask the proctor for the code again."), 429
        elif not session_services.access_code_matches(session=session, code=request.POST.get("access_code", "")):
            error, status = _("This access code is not right. Check it with the proctor and try again."), 400
        else:
            request.session[UNLOCKED_KEY] = [*_unlocked(request), session.pk][-20:]
            try:
                attempt = attempt_services.attempt_start(exam=exam, candidate=request.user, session=session)
            except attempt_services.AttemptError as refusal:
                return _refused(request, exam, refusal)
            return redirect("exams:take", attempt_id=attempt.pk)
    return render(
        request,
        "exams/session_code.html",
        {"exam": exam, "session": session, "error": error},
        status=status,
    )


def _attempt_or_finalize(request, attempt_id: int) -> Attempt:
    attempt = selectors.attempt_for_candidate(user=request.user, attempt_id=attempt_id)
    return attempt_services.attempt_finalize_if_expired(attempt=attempt)


def _pages(items: list, *, mode: str) -> list[dict]:
    """Items grouped into pages: one page per section of the blueprint, or one per item."""
    numbers = paging.page_numbers(section_ids=[item.section_id for item in items], mode=mode)
    pages: list[dict] = []
    for item, number in zip(items, numbers, strict=True):
        if not pages or pages[-1]["number"] != number:
            pages.append({"number": number, "section_id": item.section_id, "section": item.section, "items": []})
        pages[-1]["items"].append(item)
        item.page_number = number
    return pages


def _item_views(attempt: Attempt) -> list:
    items = list(attempt.items.select_related("question_version", "section").order_by("position"))
    for item in items:
        item.view = candidate_view(question=item.question_version.data, option_order=item.option_order)
        item.answered = is_answered(item.response)
        item.prefix = f"item-{item.position}-"
    return items


@login_required
def attempt_take(request, attempt_id: int):
    """GET: one page (section) of the attempt. POST (without JavaScript): save the page's
    answers, then go to the page asked for, or to the summary before submitting."""
    attempt = _attempt_or_finalize(request, attempt_id)
    if attempt.state != AttemptState.IN_PROGRESS:
        return redirect("exams:result", attempt_id=attempt.pk)
    items = _item_views(attempt)
    pages = _pages(items, mode=attempt.exam.page_mode)
    if request.method == "POST":
        return _save_page_post(request, attempt, items, pages)
    try:
        requested = int(request.GET.get("page", attempt.current_page))
    except ValueError:
        requested = attempt.current_page
    try:
        page_number = attempt_services.attempt_page_visit(attempt_id=attempt.pk, candidate=request.user, page=requested)
    except attempt_services.AttemptClosed:
        return redirect("exams:result", attempt_id=attempt.pk)
    if page_number != min(max(requested, 1), len(pages)):
        return redirect(f"{request.path}?page={page_number}")
    sequential = attempt.exam.navigation == Navigation.SEQUENTIAL
    attempt.current_page = max(attempt.current_page, page_number)
    page = pages[page_number - 1]
    now = timezone.now()
    left = timing.seconds_left(now=now, deadline_at=attempt.deadline_at)
    return render(
        request,
        "exams/attempt.html",
        {
            "attempt": attempt,
            "exam": attempt.exam,
            "page": page,
            "pages": pages,
            "items": items,
            "sequential": sequential,
            "can_go_back": not sequential and page_number > 1,
            "seconds_left": left,
            "clock": timing.format_clock(left),
            "deadline_ms": int(attempt.deadline_at.timestamp() * 1000),
            "server_now_ms": int(now.timestamp() * 1000),
            "answered_count": sum(1 for item in items if item.answered),
        },
    )


def _save_page_post(request, attempt: Attempt, items: list, pages: list):
    try:
        page_number = min(max(int(request.POST.get("page", 1)), 1), len(pages))
    except ValueError:
        page_number = 1
    page = pages[page_number - 1]
    sequential = attempt.exam.navigation == Navigation.SEQUENTIAL
    if sequential and page_number < attempt.current_page:
        messages.error(request, _("This exam moves forward only: answers on earlier pages can no longer be changed."))
        return redirect(f"{request.path}?page={attempt.current_page}")
    try:
        for item in page["items"]:
            response = response_from_form(qtype=item.view["qtype"], prefix=item.prefix, data=request.POST)
            flagged = request.POST.get(item.prefix + "flagged") == "on"
            if response != item.response or flagged != item.flagged:
                attempt_services.answer_save(
                    attempt_id=attempt.pk,
                    candidate=request.user,
                    position=item.position,
                    response=response,
                    flagged=flagged,
                )
    except attempt_services.AttemptClosed as error:
        messages.error(request, str(error))
        return redirect("exams:result", attempt_id=attempt.pk)
    except attempt_services.PageLocked as error:
        messages.error(request, str(error))
        return redirect(f"{request.path}?page={attempt.current_page}")
    messages.success(request, _("Your answers are saved."))
    goto = request.POST.get("goto", "")
    if goto == "summary":
        return redirect("exams:submit", attempt_id=attempt.pk)
    try:
        target = min(max(int(goto), 1), len(pages))
    except ValueError:
        target = page_number
    return redirect(f"{request.path}?page={target}")


@login_required
def answer_save_api(request, attempt_id: int):
    """``POST {"position": int, "response": object|null, "sequence": int, "flagged": bool?}``.

    200 ``{"ok": true, "position", "sequence", "saved_at"}`` after the commit;
    400 ``{"ok": false, "error": "invalid_item", "message"}`` for a malformed body;
    404 for another candidate's attempt; 409 ``{"error": "attempt_closed", "message"}``
    after submit or past the deadline plus grace period.
    """
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if len(request.body) > MAX_SAVE_BODY:
        return JsonResponse({"ok": False, "error": "too_large", "message": _("This answer is too long.")}, status=413)
    try:
        body = json.loads(request.body)
        position = int(body["position"])
        sequence = int(body["sequence"]) if body.get("sequence") is not None else None
        response = body.get("response")
        flagged = body.get("flagged")
        if flagged is not None and not isinstance(flagged, bool):
            raise ValueError("flagged")
    except (ValueError, KeyError, TypeError):
        return JsonResponse(
            {"ok": False, "error": "invalid_item", "message": _("The answer is not in the expected form.")}, status=400
        )
    try:
        saved = attempt_services.answer_save(
            attempt_id=attempt_id,
            candidate=request.user if request.user.is_authenticated else None,
            position=position,
            response=response,
            sequence=sequence,
            flagged=flagged,
        )
    except attempt_services.AttemptClosed as error:
        return JsonResponse({"ok": False, "error": error.code, "message": str(error)}, status=409)
    except attempt_services.AttemptNotFound as error:
        return JsonResponse({"ok": False, "error": error.code, "message": str(error)}, status=404)
    except (attempt_services.InvalidItem, attempt_services.PageLocked) as error:
        return JsonResponse({"ok": False, "error": error.code, "message": str(error)}, status=400)
    return JsonResponse({"ok": True, **saved, "saved_at": saved["saved_at"].isoformat()})


@login_required
def attempt_state_api(request, attempt_id: int):
    """``GET`` -> ``{"state", "seconds_left", "deadline_ms", "server_now_ms"}``: the client
    resynchronizes its timer after a reconnection."""
    attempt = _attempt_or_finalize(request, attempt_id)
    now = timezone.now()
    return JsonResponse(
        {
            "state": attempt.state,
            "seconds_left": timing.seconds_left(now=now, deadline_at=attempt.deadline_at),
            "deadline_ms": int(attempt.deadline_at.timestamp() * 1000),
            "server_now_ms": int(now.timestamp() * 1000),
        }
    )


@login_required
def attempt_submit_view(request, attempt_id: int):
    """GET: the summary (answered, unanswered, flagged) and a confirmation. POST: submit."""
    attempt = _attempt_or_finalize(request, attempt_id)
    if request.method == "POST":
        # The page's timer submits with timeout=1 at the deadline; the server checks the clock.
        # Before the server's deadline (a proctor or an override added time since the page
        # loaded), the timer's submit is not the candidate's: back to the attempt, new time.
        from_timer = request.POST.get("timeout") == "1"
        if from_timer and attempt.state == AttemptState.IN_PROGRESS and timezone.now() < attempt.deadline_at:
            return redirect("exams:take", attempt_id=attempt.pk)
        timed_out = from_timer and timezone.now() >= attempt.deadline_at
        attempt = attempt_services.attempt_submit(attempt_id=attempt.pk, by=request.user, auto=timed_out)
        return redirect("exams:result", attempt_id=attempt.pk)
    if attempt.state != AttemptState.IN_PROGRESS:
        return redirect("exams:result", attempt_id=attempt.pk)
    items = _item_views(attempt)
    _pages(items, mode=attempt.exam.page_mode)
    sequential = attempt.exam.navigation == Navigation.SEQUENTIAL
    for item in items:
        item.reachable = not sequential or item.page_number >= attempt.current_page
    return render(
        request,
        "exams/summary.html",
        {
            "attempt": attempt,
            "exam": attempt.exam,
            "items": items,
            "unanswered": [item for item in items if not item.answered and item.view["qtype"] != "description"],
            "flagged": [item for item in items if item.flagged],
            "sequential": sequential,
            "clock": timing.format_clock(timing.seconds_left(now=timezone.now(), deadline_at=attempt.deadline_at)),
        },
    )


def review_policy_now(*, attempt: Attempt, now=None) -> str:
    """The review policy in force for ``attempt``: "after the exam closes" once the close
    time (the candidate's, overrides applied) has passed, otherwise "right after submitting"."""
    now = now or timezone.now()
    exam = attempt.exam
    closes_at = selectors.candidate_rules(exam=exam, user=attempt.candidate).closes_at
    return exam.review_after_close if closes_at is not None and now >= closes_at else exam.review_policy


@login_required
def attempt_result(request, attempt_id: int):
    """The result, never more than the review policy in force allows (DESIGN.md trust rule:
    correct answers and feedback never reach the browser before the policy allows)."""
    attempt = _attempt_or_finalize(request, attempt_id)
    if attempt.state == AttemptState.IN_PROGRESS:
        return redirect("exams:take", attempt_id=attempt.pk)
    exam = attempt.exam
    policy = review_policy_now(attempt=attempt)
    level = review_level(policy=policy)
    context = {"attempt": attempt, "exam": exam, "policy": policy, "show_score": level >= 1, "review_level": level}
    if attempt.percent is not None and level >= 1:
        context["percent_shown"] = scoring.display_percent(percent=attempt.percent, cut_score=exam.cut_score)
    if level >= 2 and attempt.state == AttemptState.FINAL:
        items = _item_views(attempt)
        for item in items:
            item.review = review_view(question=item.question_version.data, response=item.response, level=level)
        context["items"] = [item for item in items if item.view["qtype"] != "description"]
    context["certificate_url"] = _certificate_link(attempt) if level >= 1 else None
    if level >= 1 and attempt.state == AttemptState.FINAL and not attempt.passed:
        context["retake"] = _retake(exam=exam, user=request.user)
    return render(request, "exams/result.html", context)


def _retake(*, exam: Exam, user) -> dict:
    """After a failed result: ``{"attempts_left": int, "can_retake": bool, "wait_until":
    aware datetime | None}`` from :func:`exams.selectors.exam_state` (overrides applied).
    ``can_retake`` is true when the exam page would offer a start now."""
    state = selectors.exam_state(exam=exam, user=user)
    can_retake = bool(
        exam.is_published
        and state["is_open"]
        and state["eligible"]
        and state["attempts_left"] > 0
        and state["passed_attempt"] is None
        and state["in_progress"] is None
        and state["wait_until"] is None
    )
    return {"attempts_left": state["attempts_left"], "can_retake": can_retake, "wait_until": state["wait_until"]}


def _certificate_link(attempt: Attempt) -> str | None:
    """The candidate's certificates page when this attempt passed (the certificates app owns it)."""
    if attempt.passed:
        return reverse("certificates:mine")
    return None
