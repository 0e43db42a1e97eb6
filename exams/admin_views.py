"""Wagtail admin views of the exam engine: publishing with its checks and sample form, new
versions, the manual grading queue and regrades, exam sessions (the proctor's live view and
actions). Thin: parse, call one service, render."""

from __future__ import annotations

from auditlog.models import LogEntry
from django import forms
from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponseNotAllowed, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.forms import WagtailAdminModelForm

from accounts.scoping import organisations_visible_to
from question_bank.models import QType

from .forms import ManualGradeForm, NewVersionForm, RegradeForm
from .models import AttemptItem, AttemptState, Exam, ExamSession
from .presentation import candidate_view
from .services import attempts as attempt_services
from .services import exams as exam_services
from .services import regrade as regrade_services
from .services import sessions as session_services


def _require(request, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


UNPUBLISH_REASON_MAX = 500


def _confirmed(request) -> bool:
    """True when the POST carries the ticked confirmation box (``confirm=1``); otherwise an
    error message is queued and the caller changes nothing."""
    if request.POST.get("confirm") == "1":
        return True
    messages.error(request, _("Tick the confirmation box first: nothing was changed."))
    return False


def _unpublish(request, exam: Exam) -> None:
    """POST ``action=unpublish`` with ``reason`` (1 to 500 characters): hide the exam from
    candidates and record who, when and why in the audit log, in one transaction."""
    reason = " ".join(request.POST.get("reason", "").split())
    if not reason or len(reason) > UNPUBLISH_REASON_MAX:
        messages.error(request, _("Give a reason for unpublishing (at most 500 characters): nothing was changed."))
        return
    if not exam.is_published:
        messages.error(request, _("The exam is not published."))
        return
    with transaction.atomic():
        exam_services.exam_unpublish(exam=exam, by=request.user)
        LogEntry.objects.create(
            content_type=ContentType.objects.get_for_model(Exam),
            object_pk=str(exam.pk),
            object_id=exam.pk,
            object_repr=str(exam)[:200],
            action=LogEntry.Action.UPDATE,
            actor=request.user,
            remote_addr=request.META.get("REMOTE_ADDR") or None,
            changes={"is_published": ["True", "False"]},
            additional_data={"unpublished": True, "reason": reason},
        )
    messages.success(request, _("The exam is unpublished; attempts in progress continue."))


def exam_publish_view(request, pk: int):
    """GET: the checks of the blueprint (pool and shortfall per rule, maximum score) and a
    sample form drawn with a random seed. POST ``action=publish`` with ``confirm=1``: publish
    if fillable. POST ``action=unpublish`` with ``reason``: unpublish, audited."""
    _require(request, "exams.change_exam")
    exam = get_object_or_404(Exam, pk=pk)
    report = None
    if request.method == "POST" and request.POST.get("action") == "publish" and _confirmed(request):
        report = exam_services.exam_publish(exam=exam, by=request.user)
        if report.fillable:
            messages.success(request, _("The exam is published."))
        else:
            messages.error(request, _("The exam was not published: its rules cannot be filled."))
    elif request.method == "POST" and request.POST.get("action") == "unpublish":
        _unpublish(request, exam)
    if report is None:
        report = exam_services.exam_check(exam=exam)
    qtype_labels = dict(QType.choices)
    for item in report.sample:
        item.qtype_label = qtype_labels.get(item.qtype, item.qtype)
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
    if request.method == "POST" and not _confirmed(request):
        pass
    elif request.method == "POST" and form.is_valid():
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


def _items_in_scope(request):
    """Attempt items of candidates in the organisations the user's roles reach
    (``accounts.scoping``): an examiner limited to an organisation subtree sees and grades
    only its candidates; a direct URL to another organisation's item is a 404."""
    items = AttemptItem.objects.all()
    visible = organisations_visible_to(request.user)
    if visible is not None:
        items = items.filter(attempt__candidate__organisation__in=visible)
    return items


def grading_queue_view(request):
    """Essay items waiting for a score, oldest submission first; candidates hidden when the
    exam grades anonymously; only candidates of the organisations the examiner's role reaches."""
    _require(request, "exams.change_attemptitem")
    items = (
        _items_in_scope(request)
        .filter(needs_manual_grading=True, attempt__state=AttemptState.SUBMITTED)
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
        _items_in_scope(request).select_related("attempt__exam", "attempt__candidate", "question_version"), pk=item_id
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


# Exam sessions: the editor's form, the proctor's list, live view and actions.


class ExamSessionForm(WagtailAdminModelForm):
    """An exam session: exam, name, cohort and/or organisation, window (Tashkent time in the
    admin, stored UTC), optional access code (``generate`` makes one), proctors (examiners
    and exam managers only). Checked by :func:`exams.services.sessions.session_validate`."""

    generate_access_code = forms.BooleanField(
        label=gettext_lazy("Make a new random access code"),
        required=False,
        help_text=gettext_lazy("Replaces the code above."),
    )

    class Meta:
        model = ExamSession
        fields = ["exam", "name", "cohort", "organisation", "starts_at", "ends_at", "access_code", "proctors"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "proctors" in self.fields:
            self.fields["proctors"].queryset = session_services.proctor_candidates().order_by("full_name", "email")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("generate_access_code"):
            cleaned["access_code"] = session_services.access_code_generate()
        try:
            cleaned["access_code"] = session_services.session_validate(
                exam=cleaned.get("exam"),
                starts_at=cleaned.get("starts_at"),
                ends_at=cleaned.get("ends_at"),
                cohort=cleaned.get("cohort"),
                organisation=cleaned.get("organisation"),
                access_code=cleaned.get("access_code") or "",
                proctors=list(cleaned.get("proctors") or []),
            )
        except ValidationError as error:
            for message in error.messages:
                self.add_error(None, message)
        return cleaned


def _session_or_404(request, pk: int) -> ExamSession:
    session = get_object_or_404(ExamSession.objects.select_related("exam", "cohort", "organisation"), pk=pk)
    if not session_services.can_proctor(user=request.user, session=session):
        raise PermissionDenied
    return session


def sessions_view(request):
    """The sessions the user may watch (proctors: theirs; exam managers and administrators:
    all), newest first, each with a link to its live view."""
    _require(request, "exams.view_examsession")
    sessions = session_services.sessions_visible_to(request.user)[:200]
    return TemplateResponse(
        request,
        "exams/admin/sessions.html",
        {"sessions": sessions, "page_title": _("Exam sessions: live view"), "header_icon": "view"},
    )


def session_live_view(request, pk: int):
    """The proctor's page: the session's candidates and their state; ``proctor.js`` refreshes
    it from :func:`session_live_json` every 10 seconds. Add-time and restart forms post to
    :func:`session_action_view`."""
    session = _session_or_404(request, pk)
    return TemplateResponse(
        request,
        "exams/admin/session_live.html",
        {
            "session": session,
            "rows": session_services.live_rows(session=session, viewer=request.user),
            "max_minutes": session_services.MAX_ADD_MINUTES,
            "json_url": reverse("exams_admin:session_live_json", args=[session.pk]),
            "page_title": _("Live view: %(session)s") % {"session": session.name},
            "header_icon": "view",
        },
    )


def session_live_json(request, pk: int):
    """``GET`` -> ``{"now": ISO UTC, "rows": [...]}``, rows as in
    :func:`exams.services.sessions.live_rows` without the e-mail (``proctor.js`` needs ids,
    states and times only); only candidates of the organisations the user's roles reach; a
    constant number of queries."""
    session = _session_or_404(request, pk)
    now = timezone.now()
    rows = [
        {key: value for key, value in row.items() if key != "email"}
        for row in session_services.live_rows(session=session, now=now, viewer=request.user)
    ]
    response = JsonResponse({"now": now.isoformat(), "rows": rows})
    response["Cache-Control"] = "no-store"
    return response


def session_action_view(request, pk: int):
    """POST ``action`` (``add_time`` or ``restart``), ``attempt``, ``reason`` (required) and,
    for ``add_time``, ``minutes``. A refusal is a message and changes nothing."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    session = _session_or_404(request, pk)
    action = request.POST.get("action")
    reason = request.POST.get("reason", "")
    try:
        attempt_id = int(request.POST.get("attempt", ""))
        if action == "add_time":
            minutes = int(request.POST.get("minutes", ""))
            session_services.session_add_time(
                session=session, attempt_id=attempt_id, minutes=minutes, by=request.user, reason=reason
            )
            messages.success(request, _("%(n)s minutes added.") % {"n": minutes})
        elif action == "restart":
            session_services.session_allow_restart(
                session=session, attempt_id=attempt_id, by=request.user, reason=reason
            )
            messages.success(request, _("The candidate may start again; the old attempt is kept."))
        else:
            messages.error(request, _("Unknown action."))
    except ValueError:
        messages.error(request, _("Give the number of minutes as a whole number."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except (session_services.SessionError, PermissionDenied) as error:
        messages.error(request, str(error))
    return redirect("exams_admin:session_live", session.pk)
