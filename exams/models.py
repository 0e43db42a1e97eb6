"""Exams, blueprints (sections and draw rules), attempts and their items.

An :class:`Attempt` freezes, at start, the exact question versions it draws, their order
and the order of their options (in :class:`AttemptItem`); nothing in the bank changes an
attempt afterwards. The server owns the clock: ``deadline_at`` is stored at start.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from question_bank.models import Category, Language, Question, QuestionVersion


def _localized(obj, field: str) -> str:
    """``obj.<field>_<lang>`` for the active language, falling back to Uzbek."""
    lang = (get_language() or "uz")[:2]
    return getattr(obj, f"{field}_{lang}", "") or getattr(obj, f"{field}_uz", "")


class ReviewPolicy(models.TextChoices):
    NOTHING = "nothing", _("Nothing")
    SCORE = "score", _("Score only")
    CORRECTNESS = "correctness", _("Score and which items were right")
    ANSWERS = "answers", _("Score, right items and correct answers")


class Exam(models.Model):
    """An exam: timing, cut score, attempts and a blueprint of sections and draw rules.

    ``cut_score`` is a percent (``Decimal``, two places); a result passes when its exact
    percent is ``>= cut_score``. ``time_limit_minutes`` and ``grace_seconds`` are durations;
    ``opens_at`` / ``closes_at`` are aware datetimes (stored UTC).
    """

    code = models.SlugField(_("code"), max_length=50, unique=True)
    title_uz = models.CharField(_("title (uz)"), max_length=255)
    title_ru = models.CharField(_("title (ru)"), max_length=255, blank=True)
    title_en = models.CharField(_("title (en)"), max_length=255, blank=True)
    description_uz = models.TextField(_("description (uz)"), blank=True)
    description_ru = models.TextField(_("description (ru)"), blank=True)
    description_en = models.TextField(_("description (en)"), blank=True)
    time_limit_minutes = models.PositiveIntegerField(_("time limit (minutes)"), validators=[MinValueValidator(1)])
    cut_score = models.DecimalField(
        _("cut score (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    attempts_allowed = models.PositiveSmallIntegerField(_("attempts allowed"), default=1)
    opens_at = models.DateTimeField(_("opens at"), null=True, blank=True)
    closes_at = models.DateTimeField(_("closes at"), null=True, blank=True)
    grace_seconds = models.PositiveIntegerField(_("grace period (seconds)"), default=30)
    shuffle_items = models.BooleanField(_("shuffle items within sections"), default=True)
    shuffle_options = models.BooleanField(_("shuffle options"), default=True)
    review_policy = models.CharField(
        _("review after submitting"), max_length=16, choices=ReviewPolicy.choices, default=ReviewPolicy.CORRECTNESS
    )
    validity_months = models.PositiveSmallIntegerField(_("certificate validity (months)"), null=True, blank=True)
    item_language = models.CharField(
        _("language of the items"),
        max_length=2,
        choices=Language.choices,
        blank=True,
        help_text=_("Draw only questions in this language; blank draws any language."),
    )
    is_published = models.BooleanField(_("published"), default=False)
    eligible_organisations = models.ManyToManyField(
        "accounts.Organisation",
        blank=True,
        related_name="eligible_exams",
        verbose_name=_("open to organisations"),
        help_text=_(
            "Members of these organisations (and of the organisations below them). Blank with no cohorts: "
            "every signed-in candidate."
        ),
    )
    eligible_cohorts = models.ManyToManyField(
        "accounts.Cohort", blank=True, related_name="eligible_exams", verbose_name=_("open to cohorts")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("exam")
        verbose_name_plural = _("exams")
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__isnull=True) | Q(opens_at__isnull=True) | Q(closes_at__gt=models.F("opens_at")),
                name="exam_closes_after_opens",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.title_uz}"

    @property
    def title(self) -> str:
        return _localized(self, "title")

    @property
    def description(self) -> str:
        return _localized(self, "description")

    def is_eligible(self, user) -> bool:
        """True when ``user`` may sit this exam: open to everyone (no organisation and no
        cohort chosen), or the user is in a chosen cohort, or in a chosen organisation or an
        organisation below one. Two or three queries."""
        organisations = list(self.eligible_organisations.values_list("pk", flat=True))
        cohorts = list(self.eligible_cohorts.values_list("pk", flat=True))
        if not organisations and not cohorts:
            return True
        if cohorts and user.cohorts.filter(pk__in=cohorts).exists():
            return True
        organisation = user.organisation
        seen = set()
        while organisation is not None and organisation.pk not in seen:
            if organisation.pk in organisations:
                return True
            seen.add(organisation.pk)
            organisation = organisation.parent
        return False

    def is_open(self, now=None) -> bool:
        """True when published and ``now`` (aware, default: the current time) is in the window."""
        now = now or timezone.now()
        if not self.is_published:
            return False
        if self.opens_at and now < self.opens_at:
            return False
        return not (self.closes_at and now >= self.closes_at)


class Section(models.Model):
    """An ordered part of an exam's blueprint."""

    exam = models.ForeignKey(Exam, on_delete=models.CASCADE, related_name="sections")
    position = models.PositiveSmallIntegerField(default=0)
    title_uz = models.CharField(_("title (uz)"), max_length=255)
    title_ru = models.CharField(_("title (ru)"), max_length=255, blank=True)
    title_en = models.CharField(_("title (en)"), max_length=255, blank=True)

    class Meta:
        ordering = ["exam_id", "position", "id"]
        verbose_name = _("section")

    def __str__(self) -> str:
        return self.title_uz

    @property
    def title(self) -> str:
        return _localized(self, "title")


class DrawRule(models.Model):
    """ "``count`` questions from ``category`` (and below), difficulty in a range, ``points`` each."

    ``points`` null means each drawn version's ``default_points``. ``qtypes`` is a list of
    question types (empty: any type).
    """

    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="draw_rules")
    position = models.PositiveSmallIntegerField(default=0)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="+")
    include_subcategories = models.BooleanField(default=True)
    count = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    points = models.DecimalField(max_digits=7, decimal_places=3, null=True, blank=True)
    difficulty_min = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    difficulty_max = models.PositiveSmallIntegerField(
        default=5, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    qtypes = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["section_id", "position", "id"]
        verbose_name = _("draw rule")

    def __str__(self) -> str:
        return f"{self.count} × {self.category.path}"


class AttemptState(models.TextChoices):
    IN_PROGRESS = "in_progress", _("In progress")
    SUBMITTED = "submitted", _("Submitted, waiting for manual grading")
    FINAL = "final", _("Final")


class Attempt(models.Model):
    """One sitting of an exam by one candidate.

    ``deadline_at`` (aware, UTC) is fixed at start: min(start + time limit, close time).
    ``score`` and ``max_score`` are points, ``percent`` is the exact ``score / max_score * 100``
    (``Decimal``, rounded only for display). ``passed`` is null until the result is final.
    """

    exam = models.ForeignKey(Exam, on_delete=models.PROTECT, related_name="attempts")
    candidate = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="attempts")
    number = models.PositiveSmallIntegerField()
    seed = models.BigIntegerField()
    state = models.CharField(max_length=16, choices=AttemptState.choices, default=AttemptState.IN_PROGRESS)
    started_at = models.DateTimeField()
    deadline_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    auto_submitted = models.BooleanField(default=False)
    score = models.DecimalField(max_digits=10, decimal_places=4, null=True, blank=True)
    max_score = models.DecimalField(max_digits=10, decimal_places=4, null=True, blank=True)
    percent = models.DecimalField(max_digits=12, decimal_places=8, null=True, blank=True)
    passed = models.BooleanField(null=True, blank=True)
    final_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("attempt")
        verbose_name_plural = _("attempts")
        constraints = [
            models.UniqueConstraint(fields=["exam", "candidate", "number"], name="attempt_unique_number"),
            # A double click on Start makes one attempt: at most one open attempt per exam and candidate.
            models.UniqueConstraint(
                fields=["exam", "candidate"],
                condition=Q(state="in_progress"),
                name="attempt_one_in_progress",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "deadline_at"], name="attempt_open_deadline_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.exam.code} #{self.number} — {self.candidate}"


class AttemptItem(models.Model):
    """One item of an attempt: a frozen question version, its points and option order.

    ``option_order`` lists option ids in the order shown (choices, matching answers or
    ordering items; empty for other types). ``response`` is the candidate's last saved
    response in the shape of CONTRACTS.md section 2, or null. ``fraction`` (``Decimal`` in
    [0, 1]) and ``score`` (points) are null until graded.
    """

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField()
    section = models.ForeignKey(Section, null=True, on_delete=models.SET_NULL, related_name="+")
    question_version = models.ForeignKey(QuestionVersion, on_delete=models.PROTECT, related_name="attempt_items")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="attempt_items")
    points = models.DecimalField(max_digits=7, decimal_places=3)
    option_order = models.JSONField(default=list, blank=True)
    response = models.JSONField(null=True, blank=True)
    saved_at = models.DateTimeField(null=True, blank=True)
    save_sequence = models.PositiveIntegerField(default=0)
    flagged = models.BooleanField(default=False)
    fraction = models.DecimalField(max_digits=9, decimal_places=8, null=True, blank=True)
    score = models.DecimalField(max_digits=10, decimal_places=4, null=True, blank=True)
    needs_manual_grading = models.BooleanField(default=False)

    class Meta:
        ordering = ["attempt_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "position"], name="attempt_item_unique_position"),
            models.UniqueConstraint(fields=["attempt", "question"], name="attempt_item_unique_question"),
        ]

    def __str__(self) -> str:
        return f"{self.attempt_id}#{self.position}"
