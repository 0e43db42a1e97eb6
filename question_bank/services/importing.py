"""Importing and exporting questions in bulk.

``questions_import`` is the one way questions enter the bank in bulk (the import command,
the admin's upload, ``seed_demo``); ``questions_export`` reads them back out in the same
interchange form (CONTRACTS.md section 2), so an export imports again unchanged.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from auditlog.context import disable_auditlog
from auditlog.models import LogEntry
from django.db import transaction
from django.utils import timezone

from question_bank.formats.json_format import LANGUAGES, category_normalize, question_validate
from question_bank.images import ImageRefused, question_images_store
from question_bank.models import Category, Question, QuestionVersion, VersionStatus
from question_bank.permissions import can_edit_path, can_review
from question_bank.services.authoring import audited_by

if TYPE_CHECKING:
    from accounts.models import User

DEFAULT_LANGUAGE = "uz"
_QUESTION_ONLY_FIELDS = ("category", "idnumber")


class QuestionImportError(Exception):
    """The import was refused and nothing was written.

    ``problems``: ``[(index, message), ...]``, ``index`` being the position of the offending
    question in the list given to :func:`questions_import` (``-1`` for the whole import).
    """

    def __init__(self, problems: list[tuple[int, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(message for _index, message in problems))


@dataclass
class CategoryCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class ImportSummary:
    """What an import did, per category path: questions created, updated (a new version, or
    moved to another category) and unchanged (identical to their latest version)."""

    categories: dict[str, CategoryCounts] = field(default_factory=lambda: defaultdict(CategoryCounts))
    # One entry per question given, in order: (index, "created" | "updated" | "unchanged", category path, name).
    items: list[tuple[int, str, str, str]] = field(default_factory=list)

    @property
    def created(self) -> int:
        return sum(counts.created for counts in self.categories.values())

    @property
    def updated(self) -> int:
        return sum(counts.updated for counts in self.categories.values())

    @property
    def unchanged(self) -> int:
        return sum(counts.unchanged for counts in self.categories.values())

    def lines(self) -> list[str]:
        """One line per category, sorted by path: ``"A/B: 3 created, 1 updated, 0 unchanged"``."""
        return [
            f"{path}: {counts.created} created, {counts.updated} updated, {counts.unchanged} unchanged"
            for path, counts in sorted(self.categories.items())
        ]


@dataclass
class _Prepared:
    index: int
    category: str
    idnumber: str
    data: dict


def _prepare(
    questions: list[dict], *, default_category: str | None, language: str | None
) -> tuple[list[_Prepared], list[tuple[int, str]]]:
    problems: list[tuple[int, str]] = []
    if language not in (None, "", *LANGUAGES):
        problems.append((-1, f"language must be one of {', '.join(LANGUAGES)}, not {language!r}"))
    default_path = ""
    if default_category:
        try:
            default_path = category_normalize(default_category)
        except ValueError as exc:
            problems.append((-1, f"default category: {exc}"))
    prepared: list[_Prepared] = []
    seen_idnumbers: dict[str, int] = {}
    for index, raw in enumerate(questions):
        canonical, messages = question_validate(raw)
        if canonical is None:
            problems.extend((index, message) for message in messages)
            continue
        label = f"Question '{canonical['name']}'"
        category = canonical["category"] or default_path
        if not category:
            problems.append((index, f"{label}: no category: add $CATEGORY to the file or give a default category"))
            continue
        idnumber = canonical["idnumber"]
        if idnumber:
            if idnumber in seen_idnumbers:
                problems.append((index, f"{label}: idnumber {idnumber!r} appears twice in this import"))
                continue
            seen_idnumbers[idnumber] = index
        data = {key: value for key, value in canonical.items() if key not in _QUESTION_ONLY_FIELDS}
        data["language"] = canonical["language"] or language or DEFAULT_LANGUAGE
        prepared.append(_Prepared(index=index, category=category, idnumber=idnumber, data=data))
    return prepared, problems


class _UnnumberedIndex:
    """Questions without an idnumber in one category, keyed by (name, text) of their latest
    version, oldest first. A match is used up, so a file holding two identical questions
    maps onto two questions on every re-import (and never onto one twice)."""

    def __init__(self, category: Category) -> None:
        self.by_key: dict[tuple[str, str], list[int]] = defaultdict(list)
        latest: dict[int, QuestionVersion] = {}
        versions = QuestionVersion.objects.filter(
            question__category=category, question__idnumber__isnull=True
        ).order_by("question_id", "number")
        for version in versions.only("question_id", "number", "name", "data"):
            latest[version.question_id] = version
        for question_id in sorted(latest):
            version = latest[question_id]
            self.by_key[(version.name, version.data.get("text", ""))].append(question_id)

    def take(self, name: str, text: str) -> int | None:
        candidates = self.by_key.get((name, text))
        return candidates.pop(0) if candidates else None


def _version_create(*, question: Question, number: int, data: dict, by: User | None) -> QuestionVersion:
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


def _version_approve(*, question: Question, version: QuestionVersion, by: User | None, now) -> None:
    if version.status != VersionStatus.APPROVED:
        version.status = VersionStatus.APPROVED
        version.reviewed_by = by
        version.reviewed_at = now
        version.save(update_fields=["status", "reviewed_by", "reviewed_at"])
    if question.approved_version_id != version.pk:
        question.approved_version = version
        question.save(update_fields=["approved_version"])


@transaction.atomic
def questions_import(
    *,
    questions: list[dict],
    by: User | None = None,
    approve: bool = False,
    default_category: str | None = None,
    language: str | None = None,
    enforce_permissions: bool = False,
) -> ImportSummary:
    """Import ``questions`` (dicts in interchange form) in one transaction: all or nothing.

    - Every question is validated first (``question_validate``); any problem raises
      :class:`QuestionImportError` listing them all, and nothing is written.
    - Categories are created as needed (``Category.ensure_path``); a question without a
      category goes to ``default_category``; one without a language gets ``language``
      (default ``"uz"``).
    - A question whose idnumber is already in the bank gets a new version (number + 1) when
      its content differs from its latest version, and nothing when it is identical; a
      question without an idnumber is matched on (category, name, text) the same way.
      Re-importing the same file is therefore a no-op.
    - Images given as ``data:`` URIs (GIFT, JSON, Moodle XML's embedded files) are stored as
      Wagtail images, one per distinct content (:mod:`question_bank.images`), before anything
      is compared; a refused image is a problem of its question. Their files are written when
      the transaction commits, so a dry run (rolled back) or a refused import leaves none.
    - ``approve=True`` marks the imported (or unchanged latest) version approved, reviewed by
      ``by`` now, and makes it the question's ``approved_version``.

    ``by``: the user doing the import, or None (a script). ``enforce_permissions=True`` (the
    admin upload) refuses, as problems of the questions concerned, every question whose
    category (or, for an existing question moved by the file, whose old category) ``by``
    may not edit, and ``approve`` unless ``by`` is a reviewer. Returns an :class:`ImportSummary`.
    """
    prepared, problems = _prepare(questions, default_category=default_category, language=language)
    if not problems and enforce_permissions:
        problems = _permission_problems(prepared, by=by, approve=approve)
    if problems:
        raise QuestionImportError(problems)
    problems = _images_store(prepared, by=by)
    if problems:
        raise QuestionImportError(problems)

    # One audit record per category touched, not one per row: a 10,000-question file would
    # otherwise write 20,000 log entries (and double the import's time) saying the same thing.
    with disable_auditlog():
        summary = _questions_write(prepared, by=by, approve=approve)
    with audited_by(by):
        _import_audit(summary, by=by, approve=approve)
    return summary


def _images_store(prepared: list[_Prepared], *, by: User | None) -> list[tuple[int, str]]:
    """Store the ``data:`` images of every question (in place); problems as ``(index, message)``."""
    problems: list[tuple[int, str]] = []
    for item in prepared:
        try:
            item.data = question_images_store(item.data, by=by)
        except ImageRefused as exc:
            problems.append((item.index, f"Question '{item.data['name']}': {exc}"))
    return problems


def _import_audit(summary: ImportSummary, *, by: User | None, approve: bool) -> None:
    categories = Category.objects.in_bulk(list(summary.categories), field_name="path")
    for path, counts in sorted(summary.categories.items()):
        LogEntry.objects.log_create(
            categories[path],
            force_log=True,
            action=LogEntry.Action.UPDATE,
            changes={"questions": ["", f"import: {counts.created} created, {counts.updated} updated"]},
            actor=by if by is not None and by.pk else None,
            additional_data={
                "import": {"created": counts.created, "updated": counts.updated, "unchanged": counts.unchanged},
                "approved": approve,
            },
        )


def _questions_write(prepared: list[_Prepared], *, by: User | None, approve: bool) -> ImportSummary:
    now = timezone.now()
    summary = ImportSummary()
    categories: dict[str, Category] = {}
    unnumbered: dict[str, _UnnumberedIndex] = {}
    numbered = sorted({item.idnumber for item in prepared if item.idnumber})
    known: set[str] = set()
    for start in range(0, len(numbered), 500):
        known.update(
            Question.objects.filter(idnumber__in=numbered[start : start + 500]).values_list("idnumber", flat=True)
        )
    for item in prepared:
        category = categories.get(item.category)
        if category is None:
            category = categories[item.category] = Category.ensure_path(item.category)
        counts = summary.categories[category.path]

        question = None
        if item.idnumber:
            if item.idnumber in known:
                question = Question.objects.select_for_update().filter(idnumber=item.idnumber).first()
        else:
            index = unnumbered.get(category.path)
            if index is None:
                index = unnumbered[category.path] = _UnnumberedIndex(category)
            question_id = index.take(item.data["name"], item.data["text"])
            if question_id is not None:
                question = Question.objects.select_for_update().get(pk=question_id)

        if question is None:
            question = Question.objects.create(category=category, idnumber=item.idnumber or None, created_by=by)
            version = _version_create(question=question, number=1, data=item.data, by=by)
            counts.created += 1
            action = "created"
        else:
            latest = question.versions.order_by("-number").first()
            moved = question.category_id != category.pk
            if moved:
                question.category = category
                question.save(update_fields=["category"])
            if latest is not None and latest.data == item.data:
                version = latest
                action = "updated" if moved else "unchanged"
            else:
                number = latest.number + 1 if latest is not None else 1
                version = _version_create(question=question, number=number, data=item.data, by=by)
                action = "updated"
            if action == "updated":
                counts.updated += 1
            else:
                counts.unchanged += 1
        summary.items.append((item.index, action, category.path, item.data["name"]))
        if approve:
            _version_approve(question=question, version=version, by=by, now=now)
    return summary


def _permission_problems(prepared: list[_Prepared], *, by: User | None, approve: bool) -> list[tuple[int, str]]:
    problems: list[tuple[int, str]] = []
    if approve and not can_review(by):
        problems.append((-1, "only reviewers may import questions as approved"))
    allowed: dict[str, bool] = {}

    def allowed_path(path: str) -> bool:
        if path not in allowed:
            allowed[path] = can_edit_path(by, path)
        return allowed[path]

    numbered = {item.idnumber for item in prepared if item.idnumber}
    existing = dict(Question.objects.filter(idnumber__in=numbered).values_list("idnumber", "category__path"))
    for item in prepared:
        label = f"Question '{item.data['name']}'"
        if not allowed_path(item.category):
            problems.append((item.index, f"{label}: you may not edit questions in the category {item.category!r}"))
        elif item.idnumber in existing and not allowed_path(existing[item.idnumber]):
            problems.append(
                (
                    item.index,
                    f"{label}: idnumber {item.idnumber!r} belongs to a question in {existing[item.idnumber]!r}, "
                    "which you may not edit",
                )
            )
    return problems


def _canonical_order(question: dict) -> dict:
    """The question with its keys in the interchange order (jsonb does not keep key order)."""
    canonical, problems = question_validate(question)
    return canonical if canonical is not None and not problems else question


def questions_export(*, category: str | None = None, question_ids=None) -> list[dict]:
    """The latest version of every question (in ``category`` and the categories below it, or
    in the whole bank when None; and only the questions whose ids are in ``question_ids``, an
    iterable or queryset of ids, when given), in interchange form, ordered by category path
    then age. Permissions are the caller's: pass only ids the user may see.

    Raises ``ValueError`` when ``category`` names no category.
    """
    questions = Question.objects.select_related("category")
    if question_ids is not None:
        questions = questions.filter(pk__in=question_ids)
    if category:
        path = category_normalize(category)
        node = Category.objects.filter(path=path).first()
        if node is None:
            raise ValueError(f"no category {path!r}")
        questions = questions.filter(category_id__in=node.descendant_ids())
    versions = QuestionVersion.objects.filter(question__in=questions.values("pk")).order_by("question_id", "number")
    questions = list(questions.order_by("category__path", "pk"))
    latest: dict[int, QuestionVersion] = {}
    for version in versions:
        latest[version.question_id] = version
    exported = []
    for question in questions:
        version = latest.get(question.pk)
        if version is None:
            continue
        exported.append(
            _canonical_order({**version.data, "category": question.category.path, "idnumber": question.idnumber or ""})
        )
    return exported
