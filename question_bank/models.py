"""The question bank: categories, questions and their immutable versions.

A :class:`Question` is the stable identity of an item in the bank (its category and
idnumber). Its content lives in :class:`QuestionVersion` rows: every edit creates a new
version and a version's content never changes after it is written. Attempts point at
versions, never at the question, so editing the bank never changes an attempt already
started (DESIGN.md, trust rules).

A version's ``data`` is the question in the interchange JSON form of CONTRACTS.md
section 2 without ``category`` and ``idnumber`` (those belong to the question). It is what
``question_bank.grading.grade`` reads.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

CATEGORY_SEPARATOR = "/"


class QType(models.TextChoices):
    SINGLE_CHOICE = "single_choice", _("Single choice")
    MULTIPLE_RESPONSE = "multiple_response", _("Multiple response")
    TRUE_FALSE = "true_false", _("True/false")
    SHORT_ANSWER = "short_answer", _("Short answer")
    NUMERICAL = "numerical", _("Numerical")
    MATCHING = "matching", _("Matching")
    ORDERING = "ordering", _("Ordering")
    ESSAY = "essay", _("Essay")
    DESCRIPTION = "description", _("Description")


class Language(models.TextChoices):
    UZ = "uz", "Oʻzbekcha"
    RU = "ru", "Русский"
    EN = "en", "English"


class Category(models.Model):
    """A node of the category tree. ``path`` is the full name, ``"A/B/C"``, unique."""

    name = models.CharField(_("name"), max_length=255)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    path = models.CharField(_("path"), max_length=1024, unique=True, editable=False)
    idnumber = models.CharField(_("ID number"), max_length=100, null=True, blank=True, unique=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["path"]
        constraints = [models.UniqueConstraint(fields=["parent", "name"], name="category_unique_name_in_parent")]

    def __str__(self) -> str:
        return self.path

    def save(self, *args, **kwargs):
        if CATEGORY_SEPARATOR in self.name:
            raise ValidationError(_("A category name cannot contain “/”."))
        self.path = f"{self.parent.path}{CATEGORY_SEPARATOR}{self.name}" if self.parent_id else self.name
        super().save(*args, **kwargs)

    def descendant_ids(self) -> list[int]:
        """Ids of this category and every category below it (one query, by path prefix)."""
        prefix = self.path + CATEGORY_SEPARATOR
        return [self.pk, *Category.objects.filter(path__startswith=prefix).values_list("pk", flat=True)]

    @classmethod
    def ensure_path(cls, path: str) -> "Category":
        """Return the category at ``path`` (``"A/B/C"``), creating missing levels.

        Raises ``ValueError`` for an empty path or an empty level (``"A//B"``).
        """
        names = [part.strip() for part in path.split(CATEGORY_SEPARATOR)]
        if not names or any(not name for name in names):
            raise ValueError(f"invalid category path {path!r}")
        parent = None
        for name in names:
            parent, _created = cls.objects.get_or_create(parent=parent, name=name)
        return parent


class Question(models.Model):
    """The stable identity of one question; its content is in its versions.

    ``approved_version`` is the version that exams draw: the newest approved one, or
    null while nothing is approved (or the question is retired).
    """

    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="questions")
    idnumber = models.CharField(_("ID number"), max_length=100, null=True, blank=True, unique=True)
    approved_version = models.ForeignKey(
        "QuestionVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    # The same item written in uz, ru and en: questions sharing a group are one item for
    # statistics and exams. Null while a question has no linked translation.
    translation_group = models.UUIDField(_("translation group"), null=True, blank=True, db_index=True)
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)
    retired_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    retire_reason = models.TextField(_("reason for retiring"), blank=True)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        indexes = [models.Index(fields=["category", "approved_version"], name="question_pool_idx")]

    def __str__(self) -> str:
        latest = self.latest_version
        return latest.name if latest else f"Question {self.pk}"

    @property
    def latest_version(self) -> "QuestionVersion | None":
        """The newest version (what the author edits next), whatever its status."""
        return self.versions.order_by("-number").first()

    @property
    def is_retired(self) -> bool:
        return self.retired_at is not None

    def get_additional_data(self) -> dict | None:
        """The "why" of a change, stored by django-auditlog with the log entry."""
        return getattr(self, "_audit_reason", None)


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    RETIRED = "retired", _("Retired")


class QuestionVersion(models.Model):
    """One immutable version of a question's content.

    Content fields (``data`` and the columns copied from it) are written once. Only the
    review fields (``status``, ``reviewed_by``, ``reviewed_at``, ``review_comment``) may
    change afterwards; any other update raises ``ValidationError``.
    """

    REVIEW_FIELDS = frozenset(
        {"status", "reviewed_by", "reviewed_at", "review_comment", "submitted_by", "submitted_at"}
    )

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    qtype = models.CharField(max_length=32, choices=QType.choices)
    name = models.CharField(max_length=255)
    difficulty = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    language = models.CharField(max_length=2, choices=Language.choices, default=Language.UZ)
    default_points = models.DecimalField(max_digits=7, decimal_places=3, default=Decimal("1"))
    data = models.JSONField()
    status = models.CharField(max_length=16, choices=VersionStatus.choices, default=VersionStatus.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_comment = models.TextField(blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("question version")
        verbose_name_plural = _("question versions")
        ordering = ["question_id", "number"]
        constraints = [models.UniqueConstraint(fields=["question", "number"], name="version_unique_number")]
        indexes = [models.Index(fields=["status"], name="version_status_idx")]
        permissions = [("review_questionversion", "Can approve or reject question versions")]

    def __str__(self) -> str:
        return f"{self.name} (v{self.number})"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            update_fields = kwargs.get("update_fields")
            if update_fields is None or not set(update_fields) <= self.REVIEW_FIELDS:
                raise ValidationError("A question version is immutable; create a new version instead.")
        super().save(*args, **kwargs)

    def get_additional_data(self) -> dict | None:
        """The "why" of a review decision, stored by django-auditlog with the log entry."""
        return getattr(self, "_audit_reason", None)

    def as_question(self) -> dict:
        """The full interchange form (CONTRACTS.md section 2), category and idnumber included."""
        question = self.question
        return {**self.data, "category": question.category.path, "idnumber": question.idnumber or ""}


class CategoryPermission(models.Model):
    """A grant to edit the questions of one category (and, optionally, every category below it).

    Exactly one of ``user`` and ``group`` is set. Trainers edit only the categories granted
    to them; the services check it (``question_bank.permissions``), not only the forms.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="question_category_permissions",
        verbose_name=_("user"),
    )
    group = models.ForeignKey(
        "auth.Group",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="question_category_permissions",
        verbose_name=_("group"),
    )
    category = models.ForeignKey(
        Category, on_delete=models.CASCADE, related_name="permissions", verbose_name=_("category")
    )
    include_subcategories = models.BooleanField(_("includes subcategories"), default=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("category permission")
        verbose_name_plural = _("category permissions")
        # No add/change/delete permissions: a grant is made by a superuser only, so no role's
        # "question_bank.add_*" rule can ever let a trainer grant themselves a category.
        default_permissions = ("view",)
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(user__isnull=False, group__isnull=True) | models.Q(user__isnull=True, group__isnull=False)
                ),
                name="category_permission_user_xor_group",
            ),
            models.UniqueConstraint(fields=["user", "category"], name="category_permission_unique_user"),
            models.UniqueConstraint(fields=["group", "category"], name="category_permission_unique_group"),
        ]

    def __str__(self) -> str:
        holder = self.user or self.group
        scope = _("and below") if self.include_subcategories else _("only")
        return f"{holder}: {self.category.path} ({scope})"

    def clean(self) -> None:
        if bool(self.user_id) == bool(self.group_id):
            raise ValidationError(_("Choose a user or a group (exactly one)."))
