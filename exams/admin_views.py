"""Wagtail admin views of the exam engine: publishing with its checks and sample form, new
versions, the manual grading queue and regrades. Thin: parse, call one service, render."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from .forms import ManualGradeForm, NewVersionForm, RegradeForm
from .models import AttemptItem, AttemptState, Exam
from .presentation import candidate_view
from .services import attempts as attempt_services
from .services import exams as exam_services
from .services import regrade as regrade_services


def _require(request, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


def exam_publish_view(request, pk: int):
    """GET: the checks of the blueprint (pool and shortfall per rule, maximum score) and a
    sample form drawn with a random seed. POST ``action=publish``: publish if fillable."""
    _require(request, "exams.change_exam")
    exam = get_object_or_404(Exam, pk=pk)
    if request.method == "POST" and request.POST.get("action") == "publish":
        report = exam_services.exam_publish(exam=exam, by=request.user)
        if report.fillable:
            messages.success(request, _("The exam is published."))
        else:
            messages.error(request, _("The exam was not published: its rules cannot be filled."))
    else:
        report = exam_services.exam_check(exam=exam)
    return TemplateResponse(
        request,
        "exams/admin/publish.html",
        {
            "exam": exam,
            "report": report,
            "has_attempts": exam_services.exam_has_attempts(exam_id=exam.pk),
            "version_form": NewVersionForm(initial={"code": f"{exam.code}-v{exam.version + 1}"}),
            "edit_url": reverse("wagtailsnippets_exams_exam:edit", args=[exam.pk]),
            "page_title": _("Publish: %(exam)s") % {"exam": exam},
            "header_icon": "clipboard-list",
        },
    )


def exam_version_view(request, pk: int):
    """POST ``code``: copy the exam as a new, unpublished version and open it in the editor."""
    _require(request, "exams.change_exam")
    exam = get_object_or_404(Exam, pk=pk)
    form = NewVersionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            copy = exam_services.exam_new_version(exam=exam, by=request.user, code=form.cleaned_data["code"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Version %(n)s created; it is not published yet.") % {"n": copy.version})
            return redirect("wagtailsnippets_exams_exam:edit", copy.pk)
    elif request.method == "POST":
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("exams_admin:publish", exam.pk)


def grading_queue_view(request):
    """Essay items waiting for a score, oldest submission first; candidates hidden when the
    exam grades anonymously."""
    _require(request, "exams.change_attemptitem")
    items = (
        AttemptItem.objects.filter(needs_manual_grading=True, attempt__state=AttemptState.SUBMITTED)
        .select_related("attempt__exam", "attempt__candidate", "question_version")
        .order_by("attempt__submitted_at", "attempt_id", "position")
    )
    exam_id = request.GET.get("exam")
    if exam_id and exam_id.isdigit():
        items = items.filter(attempt__exam_id=int(exam_id))
    rows = [
        {
            "item": item,
            "exam": item.attempt.exam,
            "candidate": None if item.attempt.exam.anonymous_grading else item.attempt.candidate.display_name,
        }
        for item in items[:200]
    ]
    return TemplateResponse(
        request,
        "exams/admin/grading_queue.html",
        {"rows": rows, "page_title": _("Manual grading"), "header_icon": "edit"},
    )


def grade_item_view(request, item_id: int):
    """One essay: the question, the grader's information, the answer; score and comment."""
    _require(request, "exams.change_attemptitem")
    item = get_object_or_404(
        AttemptItem.objects.select_related("attempt__exam", "attempt__candidate", "question_version"), pk=item_id
    )
    form = ManualGradeForm(request.POST or None, points=item.points)
    if request.method == "POST" and form.is_valid():
        try:
            attempt = attempt_services.item_grade_manual(
                item_id=item.pk, fraction=form.fraction(), by=request.user, comment=form.cleaned_data["comment"]
            )
        except (attempt_services.AttemptClosed, ValueError) as error:
            messages.error(request, str(error))
        else:
            if attempt.state == AttemptState.FINAL:
                messages.success(request, _("Scored. Every item of this attempt is scored: the result is final."))
            else:
                messages.success(request, _("Scored."))
            return redirect("exams_admin:grading")
    exam = item.attempt.exam
    return TemplateResponse(
        request,
        "exams/admin/grade_item.html",
        {
            "item": item,
            "exam": exam,
            "candidate": None if exam.anonymous_grading else item.attempt.candidate.display_name,
            "view": candidate_view(question=item.question_version.data, option_order=item.option_order),
            "grader_info": item.question_version.data.get("grader_info", ""),
            "answer": (item.response or {}).get("text", ""),
            "form": form,
            "page_title": _("Grade an answer"),
            "header_icon": "edit",
        },
    )


def regrade_view(request):
    """Choose an exam; see the dry run (per attempt: old and new score, pass/fail change);
    apply it with a reason."""
    _require(request, "exams.change_attemptitem")
    exams = Exam.objects.order_by("code")
    exam = None
    exam_id = request.POST.get("exam") or request.GET.get("exam")
    if exam_id and str(exam_id).isdigit():
        exam = get_object_or_404(Exam, pk=int(exam_id))
    form = RegradeForm(request.POST or None)
    if exam is not None and request.method == "POST" and form.is_valid():
        try:
            rows = regrade_services.exam_regrade(exam=exam, by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            changed = sum(1 for row in rows if row.result_changes)
            messages.success(
                request,
                _("%(n)s attempts regraded; %(changed)s changed between pass and fail.")
                % {"n": len(rows), "changed": changed},
            )
            return redirect(f"{reverse('exams_admin:regrade')}?exam={exam.pk}")
    rows = regrade_services.regrade_plan(exam=exam) if exam is not None else []
    return TemplateResponse(
        request,
        "exams/admin/regrade.html",
        {
            "exams": exams,
            "exam": exam,
            "rows": rows,
            "form": form,
            "page_title": _("Regrade after a correction"),
            "header_icon": "repeat",
        },
    )
