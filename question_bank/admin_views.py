"""The question bank in the Wagtail admin: thin views over ``question_bank.services``.

Every view checks that the user has a part in the bank (``is_bank_user``); every write
goes through a service, which checks again what this user may do with this category or
version, so a forged POST is refused on the server like a click in the wrong place.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, OuterRef, Q, Subquery
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from wagtail import hooks

from question_bank.formats.files import EXTENSIONS, MAX_FILE_BYTES, read_question_file
from question_bank.formats.json_format import write_json
from question_bank.formats.tabular import template_rows
from question_bank.formats.writers import ExportError, write_gift, write_moodle_xml
from question_bank.forms import (
    TYPE_EXAMPLES,
    BulkForm,
    CategoryForm,
    ImportForm,
    MoveForm,
    QuestionForm,
    ReasonForm,
    ReviewForm,
    editable_categories,
)
from question_bank.models import Category, Language, QType, Question, QuestionVersion, VersionStatus
from question_bank.permissions import can_edit_category, can_review, editable_category_ids, is_bank_user
from question_bank.presentation import answer_key, candidate_view, version_diff
from question_bank.services import (
    QuestionImportError,
    category_save,
    question_create,
    question_duplicate,
    question_move,
    question_retire,
    questions_export,
    questions_import,
    questions_link_translations,
    questions_tag,
    version_approve,
    version_create,
    version_reject,
    version_submit_for_review,
)

PAGE_SIZE = 50
IMPORT_SESSION_KEY = "question_bank_import"

# The Wagtail hook through which other apps add panels to a question's page.
QUESTION_DETAIL_PANELS = "question_bank_detail_panels"


def _require_bank_user(request) -> None:
    if not is_bank_user(request.user):
        raise PermissionDenied


def _visible_questions(user):
    """Reviewers (and superusers) see the whole bank; trainers their categories."""
    questions = Question.objects.all()
    if can_review(user):
        return questions
    ids = editable_category_ids(user)
    return questions if ids is None else questions.filter(category_id__in=ids)


def _question_or_404(request, pk: int) -> Question:
    question = _visible_questions(request.user).select_related("category", "approved_version").filter(pk=pk).first()
    if question is None:
        raise Http404
    return question


def _report(request, exc: Exception) -> None:
    if isinstance(exc, ValidationError):
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.error(request, str(exc) or _("You may not do that."))


# --- questions --------------------------------------------------------------------------------


def _filtered_versions(request):
    """The latest version of each question the user may see, filtered by the list's GET
    parameters (q, qtype, language, difficulty, status, tag, author, category)."""
    latest = QuestionVersion.objects.filter(question=OuterRef("pk")).order_by("-number")
    questions = (
        _visible_questions(request.user)
        .annotate(latest_id=Subquery(latest.values("pk")[:1]))
        .select_related("category", "approved_version")
    )
    versions = QuestionVersion.objects.filter(pk__in=questions.values("latest_id")).select_related(
        "question__category", "question__approved_version", "created_by"
    )
    params = request.GET
    if query := params.get("q", "").strip():
        versions = versions.filter(
            Q(name__icontains=query) | Q(data__text__icontains=query) | Q(question__idnumber__icontains=query)
        )
    if qtype := params.get("qtype"):
        versions = versions.filter(qtype=qtype)
    if language := params.get("language"):
        versions = versions.filter(language=language)
    if difficulty := params.get("difficulty"):
        versions = versions.filter(difficulty=difficulty) if difficulty.isdigit() else versions
    if status := params.get("status"):
        if status == "retired":
            versions = versions.filter(question__retired_at__isnull=False)
        else:
            versions = versions.filter(status=status)
    if tag := params.get("tag", "").strip():
        # Tags live in the JSON content; matching the quoted tag finds it in the list on SQLite and PostgreSQL.
        versions = versions.filter(data__tags__icontains=json.dumps(tag, ensure_ascii=False))
    if author := params.get("author", "").strip():
        versions = versions.filter(Q(created_by__email__icontains=author) | Q(created_by__full_name__icontains=author))
    if (category_id := params.get("category", "")).isdigit():
        category = Category.objects.filter(pk=category_id).first()
        if category is not None:
            versions = versions.filter(question__category_id__in=category.descendant_ids())
    return versions.order_by("question__category__path", "question_id")


def question_list(request):
    _require_bank_user(request)
    params = request.GET
    versions = _filtered_versions(request)
    page = Paginator(versions, PAGE_SIZE).get_page(params.get("p"))
    categories = Category.objects.order_by("path")
    ids = None if can_review(request.user) else editable_category_ids(request.user)
    if ids is not None:
        categories = categories.filter(pk__in=ids)
    return render(
        request,
        "question_bank/admin/question_list.html",
        {
            "page": page,
            "params": params,
            "query_string": _without(params, "p"),
            "qtypes": QType.choices,
            "languages": Language.choices,
            "statuses": VersionStatus.choices,
            "categories": categories,
            "editable_categories": editable_categories(request.user),
            "bulk_actions": BulkForm.ACTIONS,
            "can_review": can_review(request.user),
        },
    )


EXPORT_WRITERS = {
    "json": (write_json, "application/json", "json"),
    "gift": (write_gift, "text/plain", "gift.txt"),
    "moodle_xml": (write_moodle_xml, "application/xml", "xml"),
}
EXPORT_MAX_SELECTED = 10_000


def question_export_view(request, file_format: str):
    """Download questions (their latest versions) as Certify JSON, GIFT or Moodle XML.

    POST ``questions`` (ids, from the list's check boxes): those questions; every id must be
    one the user may see (trainers: their granted categories), else 403. GET: every question
    matching the list's current filter (already limited to what the user may see). An empty
    selection or a question the format cannot carry (``ExportError``, e.g. ordering in GIFT)
    sends the user back to the list with a message.
    """
    _require_bank_user(request)
    if file_format not in EXPORT_WRITERS:
        raise Http404
    back = reverse("question_bank_admin:questions")
    if request.method == "POST":
        raw = request.POST.getlist("questions")
        if len(raw) > EXPORT_MAX_SELECTED or not all(value.isdigit() for value in raw):
            raise PermissionDenied
        ids = {int(value) for value in raw}
        if not ids:
            messages.error(request, _("Select at least one question to export."))
            return redirect(back)
        if _visible_questions(request.user).filter(pk__in=ids).count() != len(ids):
            raise PermissionDenied
        back = request.POST.get("next") or back
        if not back.startswith("/") or back.startswith("//"):
            back = reverse("question_bank_admin:questions")
    elif request.method == "GET":
        ids = _filtered_versions(request).values("question_id")
    else:
        return HttpResponse(status=405)
    writer, content_type, extension = EXPORT_WRITERS[file_format]
    try:
        text = writer(questions_export(question_ids=ids))
    except ExportError as exc:
        messages.error(request, _("The export failed: %(error)s") % {"error": exc})
        return redirect(back)
    response = HttpResponse(text, content_type=f"{content_type}; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="questions-{stamp}.{extension}"'
    return response


def _without(params, key: str) -> str:
    copy = params.copy()
    copy.pop(key, None)
    return copy.urlencode()


def question_create_view(request):
    _require_bank_user(request)
    if request.method == "POST":
        form = QuestionForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                version = question_create(
                    category=form.cleaned_data["category"],
                    data=form.cleaned_data["data"],
                    by=request.user,
                    idnumber=form.cleaned_data.get("idnumber"),
                )
            except (PermissionDenied, ValidationError) as exc:
                _report(request, exc)
            else:
                messages.success(request, _("Question created as a draft (version 1)."))
                return redirect("question_bank_admin:question", pk=version.question_id)
    else:
        qtype = request.GET.get("qtype") if request.GET.get("qtype") in QType.values else "single_choice"
        initial = QuestionForm.initial_from({"qtype": qtype, "default_points": "1", **TYPE_EXAMPLES[qtype]})
        initial["name"] = ""
        if (category := request.GET.get("category", "")).isdigit():
            initial["category"] = int(category)
        form = QuestionForm(initial=initial, user=request.user)
    return render(
        request,
        "question_bank/admin/question_form.html",
        {"form": form, "question": None, "type_examples": json.dumps(TYPE_EXAMPLES, ensure_ascii=False)},
    )


def question_edit(request, pk: int):
    _require_bank_user(request)
    question = _question_or_404(request, pk)
    latest = question.latest_version
    if request.method == "POST":
        form = QuestionForm(request.POST, user=request.user, question=question)
        if form.is_valid():
            try:
                version = version_create(question=question, data=form.cleaned_data["data"], by=request.user)
            except (PermissionDenied, ValidationError) as exc:
                _report(request, exc)
            else:
                messages.success(request, _("Saved as version %(number)s (a draft).") % {"number": version.number})
                return redirect("question_bank_admin:question", pk=question.pk)
    else:
        form = QuestionForm(initial=QuestionForm.initial_from(latest.data), user=request.user, question=question)
    return render(
        request,
        "question_bank/admin/question_form.html",
        {
            "form": form,
            "question": question,
            "latest": latest,
            "type_examples": json.dumps(TYPE_EXAMPLES, ensure_ascii=False),
            "can_edit": can_edit_category(request.user, question.category),
        },
    )


def question_detail(request, pk: int):
    _require_bank_user(request)
    question = _question_or_404(request, pk)
    versions = list(question.versions.select_related("created_by", "reviewed_by", "submitted_by").order_by("-number"))
    latest = versions[0] if versions else None
    translations = (
        Question.objects.filter(translation_group=question.translation_group).exclude(pk=question.pk)
        if question.translation_group
        else Question.objects.none()
    )
    return render(
        request,
        "question_bank/admin/question_detail.html",
        {
            "question": question,
            "versions": versions,
            "latest": latest,
            "key": answer_key(latest.data) if latest else [],
            "can_edit": can_edit_category(request.user, question.category),
            "can_review": can_review(request.user),
            "move_form": MoveForm(user=request.user),
            "retire_form": ReasonForm(),
            "translations": translations,
            "languages": Language.choices,
            # Panels other apps add (e.g. reports: the question's statistics and flags); the bank
            # knows nothing of them. A hook function takes (request, question) and returns HTML or None.
            "extra_panels": [
                panel for hook in hooks.get_hooks(QUESTION_DETAIL_PANELS) if (panel := hook(request, question))
            ],
        },
    )


def question_preview(request, pk: int):
    """The question as the candidate sees it, in ``?lang=`` (the interface language) and,
    when the question has a linked translation in that language, that translation's text."""
    _require_bank_user(request)
    question = _question_or_404(request, pk)
    language = request.GET.get("lang") if request.GET.get("lang") in Language.values else None
    version_number = request.GET.get("version", "")
    version = (
        question.versions.filter(number=version_number).first() if version_number.isdigit() else question.latest_version
    )
    if version is None:
        raise Http404
    shown = version
    if language and version.language != language and question.translation_group:
        other = (
            Question.objects.filter(translation_group=question.translation_group)
            .exclude(pk=question.pk)
            .filter(versions__language=language)
            .first()
        )
        if other is not None and other.latest_version is not None:
            shown = other.latest_version
    with translation.override(language or version.language):
        return render(
            request,
            "question_bank/admin/preview.html",
            {
                "question": question,
                "version": shown,
                "view": candidate_view(shown.data),
                "key": answer_key(shown.data) if request.GET.get("key") else None,
                "language": language or version.language,
                "languages": Language.choices,
                "is_translation": shown.pk != version.pk,
            },
        )


def question_diff(request, pk: int):
    _require_bank_user(request)
    question = _question_or_404(request, pk)
    numbers = list(question.versions.order_by("number").values_list("number", flat=True))
    if not numbers:
        raise Http404
    try:
        new_number = int(request.GET.get("b") or numbers[-1])
        old_number = int(request.GET.get("a") or (numbers[-2] if len(numbers) > 1 else numbers[-1]))
    except ValueError:
        raise Http404 from None
    old = get_object_or_404(question.versions, number=old_number)
    new = get_object_or_404(question.versions, number=new_number)
    return render(
        request,
        "question_bank/admin/question_diff.html",
        {
            "question": question,
            "old": old,
            "new": new,
            "numbers": numbers,
            "diff": version_diff(old.data, new.data),
        },
    )


@require_POST
def question_duplicate_view(request, pk: int):
    _require_bank_user(request)
    question = _question_or_404(request, pk)
    try:
        copy = question_duplicate(question=question, by=request.user)
    except (PermissionDenied, ValidationError) as exc:
        _report(request, exc)
        return redirect("question_bank_admin:question", pk=pk)
    messages.success(request, _("Duplicated as a new draft question."))
    return redirect("question_bank_admin:question", pk=copy.question_id)


@require_POST
def question_move_view(request, pk: int):
    _require_bank_user(request)
    question = _question_or_404(request, pk)
    # The target is looked up among all categories: the service, not the form, decides.
    category = Category.objects.filter(pk=request.POST.get("category") or 0).first()
    if category is None:
        messages.error(request, _("Choose a category."))
    else:
        try:
            question_move(question=question, category=category, by=request.user)
        except (PermissionDenied, ValidationError) as exc:
            _report(request, exc)
        else:
            messages.success(request, _("Moved to %(path)s.") % {"path": category.path})
    return redirect("question_bank_admin:question", pk=pk)


@require_POST
def question_retire_view(request, pk: int):
    _require_bank_user(request)
    question = _question_or_404(request, pk)
    try:
        question_retire(question=question, by=request.user, reason=request.POST.get("reason", ""))
    except (PermissionDenied, ValidationError) as exc:
        _report(request, exc)
    else:
        messages.success(request, _("Retired: the question is no longer drawn."))
    return redirect("question_bank_admin:question", pk=pk)


@require_POST
def version_submit_view(request, pk: int):
    _require_bank_user(request)
    version = get_object_or_404(QuestionVersion.objects.select_related("question"), pk=pk)
    _question_or_404(request, version.question_id)
    try:
        version_submit_for_review(version=version, by=request.user)
    except (PermissionDenied, ValidationError) as exc:
        _report(request, exc)
    else:
        messages.success(request, _("Version %(number)s submitted for review.") % {"number": version.number})
    return redirect("question_bank_admin:question", pk=version.question_id)


@require_POST
def bulk_action(request):
    _require_bank_user(request)
    visible = _visible_questions(request.user)
    form = BulkForm(request.POST, user=request.user, question_ids=list(visible.values_list("pk", flat=True)))
    if not form.is_valid():
        messages.error(request, _("Choose questions and an action."))
        return redirect(request.POST.get("next") or "question_bank_admin:questions")
    questions = list(visible.filter(pk__in=form.cleaned_data["questions"]).select_related("category"))
    action = form.cleaned_data["action"]
    try:
        with transaction.atomic():
            if action == "tag":
                tags = [tag for tag in form.cleaned_data["tags"].split(",") if tag.strip()]
                count = questions_tag(questions=questions, tags=tags, by=request.user)
                messages.success(request, _("%(count)s new version(s) with the tags.") % {"count": count})
            elif action == "move":
                category = Category.objects.filter(pk=request.POST.get("category") or 0).first()
                if category is None:
                    raise ValidationError(_("Choose a category."))
                for question in questions:
                    question_move(question=question, category=category, by=request.user)
                messages.success(request, _("%(count)s question(s) moved.") % {"count": len(questions)})
            elif action == "submit":
                count = 0
                for question in questions:
                    latest = question.latest_version
                    if latest is not None and latest.status in (VersionStatus.DRAFT, VersionStatus.REJECTED):
                        version_submit_for_review(version=latest, by=request.user)
                        count += 1
                messages.success(request, _("%(count)s version(s) submitted for review.") % {"count": count})
            elif action == "link":
                questions_link_translations(questions=questions, by=request.user)
                messages.success(request, _("Linked as translations of one item."))
    except (PermissionDenied, ValidationError) as exc:
        _report(request, exc)
    return redirect(request.POST.get("next") or reverse("question_bank_admin:questions"))


# --- review -------------------------------------------------------------------------------------


def review_queue(request):
    _require_bank_user(request)
    if not can_review(request.user):
        raise PermissionDenied
    versions = (
        QuestionVersion.objects.filter(status=VersionStatus.IN_REVIEW)
        .select_related("question__category", "created_by", "submitted_by")
        .order_by("submitted_at", "pk")
    )
    return render(request, "question_bank/admin/review_queue.html", {"versions": versions})


def review_version(request, pk: int):
    _require_bank_user(request)
    if not can_review(request.user):
        raise PermissionDenied
    version = get_object_or_404(QuestionVersion.objects.select_related("question__category", "created_by"), pk=pk)
    question = version.question
    baseline = question.approved_version
    if baseline is None or baseline.pk == version.pk:
        baseline = question.versions.filter(number__lt=version.number).order_by("-number").first()
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        decision, comment = form.cleaned_data["decision"], form.cleaned_data["comment"]
        try:
            if decision == "approve":
                version_approve(version=version, by=request.user, comment=comment)
                messages.success(request, _("Approved: this version is drawn from now on."))
            else:
                version_reject(version=version, by=request.user, comment=comment)
                messages.success(request, _("Rejected and sent back to the author."))
        except (PermissionDenied, ValidationError) as exc:
            _report(request, exc)
            return redirect("question_bank_admin:review", pk=pk)
        return redirect("question_bank_admin:review_queue")
    return render(
        request,
        "question_bank/admin/review_version.html",
        {
            "version": version,
            "question": question,
            "baseline": baseline,
            "diff": version_diff(baseline.data if baseline else None, version.data),
            "view": candidate_view(version.data),
            "key": answer_key(version.data),
            "form": form,
            "own": version.created_by_id == request.user.pk,
        },
    )


# --- categories --------------------------------------------------------------------------------


def category_list(request):
    _require_bank_user(request)
    editable = editable_category_ids(request.user)
    categories = Category.objects.annotate(question_count=Count("questions")).order_by("path")
    rows = [
        {
            "category": category,
            "depth": category.path.count("/"),
            "editable": editable is None or category.pk in editable,
        }
        for category in categories
    ]
    return render(request, "question_bank/admin/category_list.html", {"rows": rows})


def category_edit(request, pk: int | None = None):
    _require_bank_user(request)
    category = get_object_or_404(Category, pk=pk) if pk else Category()
    if request.method == "POST":
        form = CategoryForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                category_save(
                    category=category,
                    by=request.user,
                    name=form.cleaned_data["name"],
                    parent=form.cleaned_data["parent"],
                    idnumber=form.cleaned_data["idnumber"],
                    description=form.cleaned_data["description"],
                )
            except (PermissionDenied, ValidationError) as exc:
                _report(request, exc)
            else:
                messages.success(request, _("Category saved: %(path)s") % {"path": category.path})
                return redirect("question_bank_admin:categories")
    else:
        initial = {
            "name": category.name,
            "parent": category.parent_id or request.GET.get("parent"),
            "idnumber": category.idnumber,
            "description": category.description,
        }
        form = CategoryForm(initial=initial, user=request.user)
    return render(request, "question_bank/admin/category_form.html", {"form": form, "category": category})


# --- import --------------------------------------------------------------------------------------


def _upload_problem(upload, file_format: str) -> str | None:
    if upload.size > MAX_FILE_BYTES:
        return _("The file is over the 50 MB limit; split it.")
    suffix = Path(upload.name).suffix.lower()
    if suffix not in EXTENSIONS[file_format]:
        return _("A %(format)s file ends in %(extensions)s, not “%(suffix)s”.") % {
            "format": file_format,
            "extensions": ", ".join(EXTENSIONS[file_format]),
            "suffix": suffix,
        }
    return None


def import_view(request):
    """Upload -> dry run (what would be created/updated, the problems per line) -> confirm.

    The parsed questions wait in the session between the two steps, so the confirmed import
    is exactly what the dry run showed; confirming runs the import again in one transaction.
    """
    _require_bank_user(request)
    if request.method == "POST" and request.POST.get("confirm"):
        return _import_confirm(request)
    form = ImportForm(request.POST or None, request.FILES or None, user=request.user)
    context = {"form": form}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        file_format = form.cleaned_data["file_format"]
        problem = _upload_problem(upload, file_format)
        if problem:
            form.add_error("file", problem)
            return render(request, "question_bank/admin/import.html", context)
        result = read_question_file(upload.read(), file_format)
        context.update({"file_name": upload.name, "warnings": sorted(result.warnings), "errors": sorted(result.errors)})
        if result.ok and result.questions:
            category = form.cleaned_data["category"]
            pending = {
                "file_name": upload.name,
                "questions": [question.data for question in result.questions],
                "lines": [question.line for question in result.questions],
                "category": category.path if category else None,
                "language": form.cleaned_data["language"],
            }
            summary, errors = _import_run(request, pending, dry_run=True)
            context["errors"] = errors
            if not errors:
                request.session[IMPORT_SESSION_KEY] = pending
                context["summary"] = summary
                context["items"] = [
                    (pending["lines"][index], action, path, name) for index, action, path, name in summary.items
                ]
        elif result.ok:
            context["errors"] = [(1, _("No questions found in the file."))]
    return render(request, "question_bank/admin/import.html", context)


def _import_run(request, pending: dict, *, dry_run: bool):
    lines = pending["lines"]
    try:
        with transaction.atomic():
            summary = questions_import(
                questions=pending["questions"],
                by=request.user,
                default_category=pending["category"],
                language=pending["language"],
                enforce_permissions=True,
            )
            if dry_run:
                transaction.set_rollback(True)
    except QuestionImportError as exc:
        return None, [(lines[index] if index >= 0 else 1, message) for index, message in exc.problems]
    return summary, []


def _import_confirm(request):
    pending = request.session.get(IMPORT_SESSION_KEY)
    if not pending:
        messages.error(request, _("Nothing to import: upload the file again."))
        return redirect("question_bank_admin:import")
    summary, errors = _import_run(request, pending, dry_run=False)
    if errors:
        for line, message in errors:
            messages.error(request, f"{pending['file_name']}:{line}: {message}")
        return redirect("question_bank_admin:import")
    del request.session[IMPORT_SESSION_KEY]
    messages.success(
        request,
        _("Imported %(file)s: %(created)s created, %(updated)s updated, %(unchanged)s unchanged (drafts).")
        % {
            "file": pending["file_name"],
            "created": summary.created,
            "updated": summary.updated,
            "unchanged": summary.unchanged,
        },
    )
    return redirect("question_bank_admin:questions")


def import_template(request, file_format: str):
    _require_bank_user(request)
    rows = template_rows()
    if file_format == "csv":
        buffer = io.StringIO()
        csv.writer(buffer).writerows(rows)
        response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="certify-questions-template.csv"'
        return response
    if file_format != "xlsx":
        raise Http404
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Questions"
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="certify-questions-template.xlsx"'
    return response
