"""Wagtail admin views: the sign-off queue, one result with its integrity log and appeals, the
evidence file, and the proctor's identity checks. Thin: parse, call one service, render."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from accounts.scoping import organisations_visible_to
from exams.models import Attempt, AttemptState, Exam

from . import selectors
from .forms import DecisionForm, IdentityForm, SignOffForm
from .models import (
    Appeal,
    AppealDecision,
    AppealState,
    IdentityCheck,
    IdentityRequirement,
    IntegrityEntry,
    ResultVerification,
)
from .services import appeals as appeal_services
from .services import integrity as integrity_services
from .services import results as result_services


def _require_any(request, *perms: str) -> None:
    if not any(request.user.has_perm(perm) for perm in perms):
        raise PermissionDenied


def _visible_attempt(request, attempt_id: int) -> Attempt:
    attempt = get_object_or_404(Attempt.objects.select_related("exam", "candidate"), pk=attempt_id)
    if not result_services.staff_can_see(user=request.user, attempt=attempt):
        raise Http404
    return attempt


def _errors(error: ValidationError | PermissionDenied) -> str:
    return " ".join(getattr(error, "messages", None) or [str(error)])


def queue_view(request):
    """Results waiting to be verified, with score, integrity flags, open appeals and identity;
    POST ``attempts`` + ``action=bulk_sign_off`` signs off the selected clean ones."""
    _require_any(request, "verification.sign_off_result", "verification.decide_appeal")
    visible = organisations_visible_to(request.user)
    if request.method == "POST" and request.POST.get("action") == "bulk_sign_off":
        ids = [int(value) for value in request.POST.getlist("attempts") if value.isdigit()]
        try:
            signed, skipped = result_services.results_sign_off_clean(attempt_ids=ids, by=request.user)
        except PermissionDenied as error:
            messages.error(request, _errors(error))
        else:
            messages.success(
                request,
                _("%(signed)s results signed off; %(skipped)s skipped (not clean: look at them one by one).")
                % {"signed": len(signed), "skipped": len(skipped)},
            )
        return redirect(request.get_full_path())
    exam_id = request.GET.get("exam")
    exam_id = int(exam_id) if exam_id and exam_id.isdigit() else None
    return TemplateResponse(
        request,
        "verification/admin/queue.html",
        {
            "rows": selectors.sign_off_queue(visible_organisations=visible, exam_id=exam_id),
            "appeals": selectors.open_appeals(visible_organisations=visible)[:200],
            "exams": Exam.objects.filter(verification_policy__isnull=False).order_by("code"),
            "exam_id": exam_id,
            "page_title": _("Sign-off and appeals"),
            "header_icon": "tick-inverse",
        },
    )


def attempt_view(request, attempt_id: int):
    """One result: score, identity check, integrity log (checked), appeals with their decision
    forms (a void shows its effect on every attempt first), and the sign-off."""
    _require_any(request, "verification.sign_off_result", "verification.decide_appeal")
    attempt = _visible_attempt(request, attempt_id)
    sign_off_form = SignOffForm()
    decision_forms = {}
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "sign_off":
                sign_off_form = SignOffForm(request.POST)
                if sign_off_form.is_valid():
                    result_services.result_sign_off(
                        attempt_id=attempt.pk, by=request.user, note=sign_off_form.cleaned_data["note"]
                    )
                    messages.success(request, _("Signed off."))
                    return redirect("verification_admin:attempt", attempt.pk)
            elif action == "decide":
                appeal_id = int(request.POST.get("appeal", "0") or 0)
                form = DecisionForm(request.POST, prefix=f"appeal-{appeal_id}")
                decision_forms[appeal_id] = form
                if form.is_valid():
                    appeal_services.appeal_decide(
                        appeal_id=appeal_id,
                        by=request.user,
                        decision=form.cleaned_data["decision"],
                        reason=form.cleaned_data["reason"],
                    )
                    messages.success(request, _("The appeal is decided; the candidate is told by e-mail."))
                    return redirect("verification_admin:attempt", attempt.pk)
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, _errors(error))
    appeals = list(Appeal.objects.filter(attempt=attempt).select_related("item__question_version", "decided_by"))
    for appeal in appeals:
        if appeal.state == AppealState.OPEN:
            appeal.form = decision_forms.get(appeal.pk) or DecisionForm(prefix=f"appeal-{appeal.pk}")
            if appeal.item_id:
                appeal.void_rows = appeal_services.void_plan(
                    exam_id=attempt.exam_id, question_id=appeal.item.question_id
                )
    return TemplateResponse(
        request,
        "verification/admin/attempt.html",
        {
            "attempt": attempt,
            "verification": ResultVerification.objects.filter(attempt=attempt).select_related("signed_off_by").first(),
            "status": selectors.result_status(attempt=attempt),
            "identity": IdentityCheck.objects.filter(attempt=attempt).select_related("checked_by").first(),
            "report": integrity_services.integrity_check(attempt_id=attempt.pk),
            "entries": IntegrityEntry.objects.filter(attempt=attempt).order_by("seq"),
            "appeals": appeals,
            "decisions": AppealDecision,
            "sign_off_form": sign_off_form,
            "can_sign_off": request.user.has_perm("verification.sign_off_result"),
            "can_decide": request.user.has_perm("verification.decide_appeal"),
            "page_title": _("Result of %(candidate)s") % {"candidate": attempt.candidate.display_name},
            "header_icon": "tick-inverse",
        },
    )


def evidence_view(request, attempt_id: int):
    """The evidence file: the attempt's integrity log with its hash chain, as a JSON download."""
    _require_any(request, "verification.sign_off_result", "verification.decide_appeal")
    attempt = _visible_attempt(request, attempt_id)
    evidence = integrity_services.integrity_evidence(attempt=attempt)
    response = HttpResponse(
        json.dumps(evidence, ensure_ascii=False, indent=2, sort_keys=True), content_type="application/json"
    )
    response["Content-Disposition"] = f'attachment; filename="integrity-{attempt.exam.code}-{attempt.pk}.json"'
    return response


def identity_queue_view(request):
    """Attempts of exams that require a proctor's identity check and have none confirmed yet:
    in progress first (the candidates in the room), then results waiting."""
    _require_any(request, "verification.confirm_identity")
    attempts = (
        Attempt.objects.filter(exam__verification_policy__identity=IdentityRequirement.PROCTOR)
        .exclude(identity_check__outcome="confirmed")
        .exclude(verification__state="verified")
        .select_related("exam", "candidate")
        .order_by("-state", "started_at")
    )
    visible = organisations_visible_to(request.user)
    if visible is not None:
        attempts = attempts.filter(candidate__organisation__in=visible)
    return TemplateResponse(
        request,
        "verification/admin/identity_queue.html",
        {
            "attempts": attempts[:300],
            "in_progress": AttemptState.IN_PROGRESS,
            "page_title": _("Identity checks"),
            "header_icon": "user",
        },
    )


def identity_check_view(request, attempt_id: int):
    """The proctor confirms (or not) the candidate against their ID document, or adds a note."""
    _require_any(request, "verification.confirm_identity")
    attempt = _visible_attempt(request, attempt_id)
    form = IdentityForm(request.POST if request.POST.get("action") == "identity" else None)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "note":
                result_services.proctor_note_add(attempt_id=attempt.pk, by=request.user, note=request.POST.get("note"))
                messages.success(request, _("The note is in the attempt's integrity log."))
                return redirect("verification_admin:identity_check", attempt.pk)
            if form.is_valid():
                result_services.identity_confirm(attempt_id=attempt.pk, by=request.user, **form.cleaned_data)
                messages.success(request, _("The identity check is recorded."))
                return redirect("verification_admin:identity")
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, _errors(error))
    return TemplateResponse(
        request,
        "verification/admin/identity_check.html",
        {
            "attempt": attempt,
            "candidate": attempt.candidate,
            "identity": IdentityCheck.objects.filter(attempt=attempt).select_related("checked_by").first(),
            "form": form,
            "page_title": _("Identity check"),
            "header_icon": "user",
        },
    )
