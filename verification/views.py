"""Candidate views: lodging an appeal, and the attempt page's integrity beacon. Thin edges."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from exams.models import Attempt, AttemptState

from .forms import AppealForm
from .selectors import result_status
from .services import appeals as appeal_services
from .services import integrity as integrity_services
from .services.results import VerificationError

MAX_BEACON_BODY = 2048


def _own_attempt(request, attempt_id: int) -> Attempt:
    attempt = Attempt.objects.select_related("exam").filter(pk=attempt_id, candidate=request.user).first()
    if attempt is None:
        raise Http404
    return attempt


@login_required
def appeal_create(request, attempt_id: int):
    """GET: the appeal form (one item with a comment, or the whole attempt for a technical
    failure), while the appeal window is open. POST: lodge it, back to the result."""
    attempt = _own_attempt(request, attempt_id)
    status = result_status(attempt=attempt)
    if not status.can_appeal:
        messages.error(request, _("This result cannot be appealed now."))
        return redirect("exams:result", attempt_id=attempt.pk)
    items = [
        item
        for item in attempt.items.select_related("question_version").order_by("position")
        if item.question_version.qtype != "description"
    ]
    form = AppealForm(request.POST or None, items=items)
    if request.method == "POST" and form.is_valid():
        try:
            appeal_services.appeal_lodge(
                attempt_id=attempt.pk,
                candidate=request.user,
                kind=form.cleaned_data["kind"],
                position=form.cleaned_data.get("position"),
                comment=form.cleaned_data["comment"],
            )
        except VerificationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your appeal is lodged. You will get the decision by e-mail."))
            return redirect("exams:result", attempt_id=attempt.pk)
    return render(
        request,
        "verification/appeal_form.html",
        {"attempt": attempt, "exam": attempt.exam, "form": form, "status": status},
    )


@login_required
@require_POST
def beacon_api(request, attempt_id: int):
    """``POST {"kind": "focus_lost"|"focus_back"|"offline"|"reconnected", ...}`` from the
    attempt page -> 204; 400 for an unknown kind or a malformed body; 404 for another's
    attempt; 409 once the attempt is no longer in progress."""
    if len(request.body) > MAX_BEACON_BODY:
        return JsonResponse({"ok": False, "error": "too_large"}, status=413)
    attempt = _own_attempt(request, attempt_id)
    try:
        body = json.loads(request.body or b"{}")
        kind = body["kind"]
        if not isinstance(body, dict) or not isinstance(kind, str):
            raise ValueError
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"ok": False, "error": "invalid"}, status=400)
    if attempt.state != AttemptState.IN_PROGRESS:
        return JsonResponse({"ok": False, "error": "attempt_closed"}, status=409)
    try:
        integrity_services.beacon_record(request=request, attempt=attempt, kind=kind, data=body)
    except ValueError:
        return JsonResponse({"ok": False, "error": "invalid"}, status=400)
    return HttpResponse(status=204)
