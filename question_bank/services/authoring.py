"""Writes that trainers and reviewers make, one question at a time.

Each service is atomic, keyword-only, checks who may do it (``question_bank.permissions``)
on the server whatever the caller (admin view, script, test), locks what it changes, and
leaves an audit record through django-auditlog with the acting user (``set_actor``) and,
where there is one, the reason (``additional_data``).

The life of a version: ``draft`` --submit--> ``in_review`` --approve--> ``approved``
(the question's ``approved_version``: the one exams draw) or --reject--> ``rejected``
(with the reviewer's comment; the author saves a new version). Retiring a question
takes it out of every future draw; attempts already started keep their versions.

Errors: ``django.core.exceptions.PermissionDenied`` when the user may not do it (a
message says why), ``django.core.exceptions.ValidationError`` for bad data or a version
in the wrong state (a refused image too). Nothing is written in either case.

Images pasted into the content as ``data:`` URIs are stored as Wagtail images when a version
is saved (:mod:`question_bank.images`); the version keeps ``<img data-image-id>`` references.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from contextlib import contextmanager
from decimal import Decimal
from typing import TYPE_CHECKING

from auditlog.context import set_actor
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from question_bank.formats.json_format import TAG_MAX, question_validate
from question_bank.images import ImageRefused, question_images_store
from question_bank.models import CATEGORY_SEPARATOR, Category, Question, QuestionVersion, VersionStatus
from question_bank.permissions import can_edit_category, can_review

if TYPE_CHECKING:
    from accounts.models import User

DEFAULT_LANGUAGE = "uz"
# Keys of the interchange form that belong to the question, not to a version.
_QUESTION_FIELDS = ("category", "idnumber")
# Keys a client may never set through content: review state is changed only by the review services.
_FORBIDDEN_KEYS = frozenset({"status", "reviewed_by", "reviewed_at", "review_comment", "approved", "approved_version"})


@contextmanager
def audited_by(by: User | None):
    if by is not None and getattr(by, "pk", None):
        with set_actor(by):
            yield
    else:
        yield


def _require_edit(by: User | None, category: Category) -> None:
    if not can_edit_category(by, category):
        raise PermissionDenied(f"You may not edit questions in the category {category.path!r}.")


def _require_review(by: User | None) -> None:
    if not can_review(by):
        raise PermissionDenied("Only reviewers may approve or reject question versions.")


def version_data_validate(*, data: dict, language: str | None = None) -> dict:
    """Validate ``data`` (one question in interchange form; ``category``/``idnumber`` ignored)
    and return the canonical content of a version (sanitized HTML, decimals as strings).

    Raises ``ValidationError`` with every problem found, or when ``data`` tries to set the
    review state (``status`` and the like): approval goes through :func:`version_approve` only.
    """
    if not isinstance(data, dict):
        raise ValidationError("A question must be a JSON object.")
    forbidden = sorted(_FORBIDDEN_KEYS & set(data))
    if forbidden:
        raise ValidationError(
            f"{', '.join(forbidden)} cannot be set with the content; submit the version for review instead."
        )
    content = {key: value for key, value in data.items() if key not in _QUESTION_FIELDS}
    canonical, problems = question_validate(content)
    if canonical is None or problems:
        raise ValidationError(problems or ["The question is not valid."])
    version_data = {key: value for key, value in canonical.items() if key not in _QUESTION_FIELDS}
    version_data["language"] = version_data["language"] or language or DEFAULT_LANGUAGE
    return version_data


def _images_store(content: dict, by: User | None) -> dict:
    """``content`` with its ``data:`` images stored as Wagtail images (question_bank.images)."""
    try:
        return question_images_store(content, by=by)
    except ImageRefused as exc:
        raise ValidationError(str(exc)) from None


def _version_insert(*, question: Question, number: int, data: dict, by: User | None) -> QuestionVersion:
    return QuestionVersion.objects.create(
        question=question,
        number=number,
        qtype=data["qtype"],
        name=data["name"],
        difficulty=data.get("difficulty"),
        language=data["language"],
        default_points=Decimal(data["default_points"]),
        data=data,
        created_by=by,
    )


@transaction.atomic
def question_create(*, category: Category, data: dict, by: User | None, idnumber: str | None = None) -> QuestionVersion:
    """Create a question in ``category`` with its first version (a draft) from ``data``.

    ``idnumber``: unique in the bank, or None. Returns the new version (``.question`` is the
    question). Raises ``PermissionDenied`` when ``by`` may not edit ``category``,
    ``ValidationError`` for invalid data or an idnumber already used.
    """
    _require_edit(by, category)
    content = version_data_validate(data=data)
    idnumber = (idnumber or "").strip() or None
    if idnumber and Question.objects.filter(idnumber=idnumber).exists():
        raise ValidationError(f"The idnumber {idnumber!r} is already used by another question.")
    content = _images_store(content, by)
    with audited_by(by):
        question = Question.objects.create(category=category, idnumber=idnumber, created_by=by)
        return _version_insert(question=question, number=1, data=content, by=by)


@transaction.atomic
def version_create(*, question: Question, data: dict, by: User | None) -> QuestionVersion:
    """Save an edit of ``question``: always a new version (number + 1), a draft.

    ``data``: the question in interchange form (``category`` and ``idnumber`` are the
    question's and are ignored here: see :func:`question_move`). The question's
    ``approved_version`` is unchanged until the new version is approved. A retired question
    is edited like any other (a new approval brings it back).
    Raises ``PermissionDenied`` or ``ValidationError`` (see the module docstring).
    """
    question = Question.objects.select_for_update().select_related("category").get(pk=question.pk)
    _require_edit(by, question.category)
    latest = question.latest_version
    content = version_data_validate(data=data, language=latest.language if latest else None)
    content = _images_store(content, by)
    with audited_by(by):
        return _version_insert(question=question, number=(latest.number + 1) if latest else 1, data=content, by=by)


def _locked_version(version: QuestionVersion) -> QuestionVersion:
    return QuestionVersion.objects.select_for_update().select_related("question__category").get(pk=version.pk)


@transaction.atomic
def version_submit_for_review(*, version: QuestionVersion, by: User | None) -> QuestionVersion:
    """Put a draft (or a rejected version, unchanged) in the review queue.

    Only the newest version of a question can be submitted (an older one is out of date).
    Raises ``PermissionDenied`` when ``by`` may not edit the category, ``ValidationError``
    when the version is not a draft or not the newest.
    """
    version = _locked_version(version)
    _require_edit(by, version.question.category)
    if version.status not in (VersionStatus.DRAFT, VersionStatus.REJECTED):
        raise ValidationError(f"Version {version.number} is {version.get_status_display()}; only a draft is submitted.")
    latest_number = version.question.versions.order_by("-number").values_list("number", flat=True).first()
    if version.number != latest_number:
        raise ValidationError(f"Version {version.number} is not the newest; submit version {latest_number}.")
    version.status = VersionStatus.IN_REVIEW
    version.submitted_by = by
    version.submitted_at = timezone.now()
    with audited_by(by):
        version.save(update_fields=["status", "submitted_by", "submitted_at"])
    return version


def _review_checks(version: QuestionVersion, by: User | None) -> None:
    _require_review(by)
    if version.created_by_id is not None and by is not None and version.created_by_id == by.pk:
        raise PermissionDenied("The author of a version cannot review it; another reviewer must.")
    if version.status != VersionStatus.IN_REVIEW:
        raise ValidationError(f"Version {version.number} is {version.get_status_display()}, not in review.")


@transaction.atomic
def version_approve(*, version: QuestionVersion, by: User | None, comment: str = "") -> QuestionVersion:
    """Approve a version in review: exams draw it from now on.

    Sets the version approved (reviewed by ``by``, now, with ``comment``) and makes it the
    question's ``approved_version`` unless a newer version is already approved; a retired
    question is brought back. The author of the version can never approve it.
    Raises ``PermissionDenied`` (not a reviewer, or the author) or ``ValidationError``
    (not in review).
    """
    version = _locked_version(version)
    _review_checks(version, by)
    question = Question.objects.select_for_update().get(pk=version.question_id)
    version.status = VersionStatus.APPROVED
    version.reviewed_by = by
    version.reviewed_at = timezone.now()
    version.review_comment = comment.strip()
    version._audit_reason = {"comment": version.review_comment} if version.review_comment else None
    with audited_by(by):
        version.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_comment"])
        current = question.approved_version
        if current is None or current.number < version.number:
            question.approved_version = version
            question.retired_at = None
            question.retired_by = None
            question.retire_reason = ""
            question.save(update_fields=["approved_version", "retired_at", "retired_by", "retire_reason"])
    return version


@transaction.atomic
def version_reject(*, version: QuestionVersion, by: User | None, comment: str) -> QuestionVersion:
    """Send a version in review back to its author with ``comment`` (required: say what to fix).

    Raises ``PermissionDenied`` (not a reviewer, or the author) or ``ValidationError``
    (no comment, or not in review).
    """
    version = _locked_version(version)
    _review_checks(version, by)
    if not (comment or "").strip():
        raise ValidationError("Say what the author should fix: a rejection needs a comment.")
    version.status = VersionStatus.REJECTED
    version.reviewed_by = by
    version.reviewed_at = timezone.now()
    version.review_comment = comment.strip()
    version._audit_reason = {"comment": version.review_comment}
    with audited_by(by):
        version.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_comment"])
    return version


@transaction.atomic
def question_retire(*, question: Question, by: User | None, reason: str) -> Question:
    """Take ``question`` out of every future draw (``approved_version`` becomes null; its
    approved versions are marked retired). Attempts already started keep their versions.

    Allowed to a trainer of the category or a reviewer. Raises ``PermissionDenied``, or
    ``ValidationError`` when ``reason`` is empty or the question is already retired.
    """
    question = Question.objects.select_for_update().select_related("category").get(pk=question.pk)
    if not (can_edit_category(by, question.category) or can_review(by)):
        raise PermissionDenied(f"You may not retire questions in the category {question.category.path!r}.")
    if not (reason or "").strip():
        raise ValidationError("Give the reason for retiring the question.")
    if question.is_retired:
        raise ValidationError("The question is already retired.")
    now = timezone.now()
    with audited_by(by):
        for version in question.versions.select_for_update().filter(status=VersionStatus.APPROVED):
            version.status = VersionStatus.RETIRED
            version._audit_reason = {"reason": reason.strip()}
            version.save(update_fields=["status"])
        question.approved_version = None
        question.retired_at = now
        question.retired_by = by
        question.retire_reason = reason.strip()
        question._audit_reason = {"reason": question.retire_reason}
        question.save(update_fields=["approved_version", "retired_at", "retired_by", "retire_reason"])
    return question


@transaction.atomic
def question_duplicate(*, question: Question, by: User | None, category: Category | None = None) -> QuestionVersion:
    """A new question (no idnumber) whose first version, a draft, copies the newest version
    of ``question`` with " (copy)" added to the name; in ``category`` or the same category.

    Raises ``PermissionDenied`` when ``by`` may not edit the source or the target category.
    """
    source = Question.objects.select_related("category").get(pk=question.pk)
    _require_edit(by, source.category)
    target = category or source.category
    latest = source.latest_version
    if latest is None:
        raise ValidationError("The question has no version to copy.")
    data = dict(latest.data)
    suffix = " (copy)"
    data["name"] = data["name"][: 255 - len(suffix)] + suffix
    return question_create(category=target, data=data, by=by)


@transaction.atomic
def question_move(*, question: Question, category: Category, by: User | None) -> Question:
    """Move ``question`` to ``category`` (its versions go with it; no new version).

    ``by`` must be allowed to edit both the category it leaves and the one it enters.
    """
    question = Question.objects.select_for_update().select_related("category").get(pk=question.pk)
    _require_edit(by, question.category)
    _require_edit(by, category)
    if question.category_id == category.pk:
        return question
    question.category = category
    with audited_by(by):
        question.save(update_fields=["category"])
    return question


@transaction.atomic
def questions_tag(*, questions: Iterable[Question], tags: list[str], by: User | None) -> int:
    """Add ``tags`` to each of ``questions``: a new draft version for each question whose
    newest version lacks one of them (tags are content, and content is versioned).

    All or nothing: one question ``by`` may not edit refuses the whole call. Returns the
    number of new versions.
    """
    clean = []
    for tag in tags:
        tag = (tag or "").strip()
        if not tag:
            continue
        if len(tag) > TAG_MAX:
            raise ValidationError(f"The tag {tag[:20]!r}… is longer than {TAG_MAX} characters.")
        if tag not in clean:
            clean.append(tag)
    if not clean:
        raise ValidationError("Give at least one tag.")
    created = 0
    for question in questions:
        latest = question.latest_version
        if latest is None:
            continue
        missing = [tag for tag in clean if tag not in latest.data.get("tags", [])]
        if not missing:
            _require_edit(by, question.category)
            continue
        data = {**latest.data, "tags": [*latest.data.get("tags", []), *missing]}
        version_create(question=question, data=data, by=by)
        created += 1
    return created


@transaction.atomic
def questions_link_translations(*, questions: list[Question], by: User | None) -> uuid.UUID:
    """Mark ``questions`` as the same item in different languages (one translation group).

    Their newest versions must be in different languages. Groups already held by any of them
    are merged. Returns the group's UUID.
    """
    questions = list(
        Question.objects.select_for_update().select_related("category").filter(pk__in=[q.pk for q in questions])
    )
    if len(questions) < 2:
        raise ValidationError("Choose at least two questions to link as translations.")
    for question in questions:
        _require_edit(by, question.category)
    groups = {question.translation_group for question in questions if question.translation_group}
    members = list(questions)
    if groups:
        members += list(Question.objects.filter(translation_group__in=groups).exclude(pk__in=[q.pk for q in questions]))
    languages: dict[str, Question] = {}
    for question in members:
        latest = question.latest_version
        language = latest.language if latest else DEFAULT_LANGUAGE
        if language in languages:
            raise ValidationError(f"Two of the linked questions are in the same language ({language}).")
        languages[language] = question
    group = sorted(groups)[0] if groups else uuid.uuid4()
    with audited_by(by):
        for question in members:
            if question.translation_group != group:
                question.translation_group = group
                question.save(update_fields=["translation_group"])
    return group


@transaction.atomic
def category_save(
    *,
    category: Category,
    by: User | None,
    name: str,
    parent: Category | None,
    idnumber: str | None = None,
    description: str = "",
) -> Category:
    """Create (``category.pk`` None) or rename/move a category, keeping the ``path`` of every
    category below it in step.

    A new top-level category, or moving one to the top, needs a superuser; otherwise ``by``
    must be allowed to edit the parent (and the category itself when it exists).
    Raises ``ValidationError`` for an empty name, a "/" in it, a name already used under the
    same parent, or a move below itself.
    """
    name = (name or "").strip()
    if not name:
        raise ValidationError("A category needs a name.")
    if CATEGORY_SEPARATOR in name:
        raise ValidationError("A category name cannot contain “/”.")
    if category.pk is not None:
        _require_edit(by, Category.objects.get(pk=category.pk))
    if parent is None:
        if not (by is not None and by.is_superuser):
            raise PermissionDenied("Only an administrator creates top-level categories.")
    else:
        _require_edit(by, parent)
        if category.pk is not None and (parent.pk == category.pk or parent.path.startswith(category.path + "/")):
            raise ValidationError("A category cannot be moved below itself.")
    siblings = Category.objects.filter(parent=parent, name=name)
    if category.pk is not None:
        siblings = siblings.exclude(pk=category.pk)
    if siblings.exists():
        raise ValidationError(f"There is already a category {name!r} there.")
    idnumber = (idnumber or "").strip() or None
    if idnumber and Category.objects.filter(idnumber=idnumber).exclude(pk=category.pk).exists():
        raise ValidationError(f"The idnumber {idnumber!r} is already used by another category.")
    old_path = category.path if category.pk is not None else None
    category.name = name
    category.parent = parent
    category.idnumber = idnumber
    category.description = description or ""
    with audited_by(by):
        category.save()
        if old_path is not None and old_path != category.path:
            # Rewrite the paths below, shortest first so each parent is right before its children.
            for child in Category.objects.filter(path__startswith=old_path + "/").order_by("path"):
                child.save()
    return category


__all__ = [
    "category_save",
    "question_create",
    "question_duplicate",
    "question_move",
    "question_retire",
    "questions_link_translations",
    "questions_tag",
    "version_approve",
    "version_create",
    "version_data_validate",
    "version_reject",
    "version_submit_for_review",
]
