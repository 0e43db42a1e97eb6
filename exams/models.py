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
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel

from question_bank.models import Category, Language, Question, QuestionVersion


def _localized(obj, field: str) -> str:
    """``obj.<field>_<lang>`` for the active language, falling back to Uzbek."""
    lang = (get_language() or "uz")[:2]
    return getattr(obj, f"{field}_{lang}", "") or getattr(obj, f"{field}_uz", "")


class ReviewPolicy(models.TextChoices):
    """What a candidate sees of a submitted attempt; each level includes the ones before it."""

    NOTHING = "nothing", _("Nothing")
    SCORE = "score", _("Score only")
    CORRECTNESS = "correctness", _("Score and which items were right")
    ANSWERS = "answers", _("Score, right items and correct answers")
    FEEDBACK = "feedback", _("Score, right items, correct answers and feedback")


#: The review levels in increasing order of what they show.
REVIEW_LEVELS = [
    ReviewPolicy.NOTHING,
    ReviewPolicy.SCORE,
    ReviewPolicy.CORRECTNESS,
    ReviewPolicy.ANSWERS,
    ReviewPolicy.FEEDBACK,
]


class Navigation(models.TextChoices):
    FREE = "free", _("Free: any page, in any order")
    SEQUENTIAL = "sequential", _("Sequential: no going back to an earlier page")


class PageMode(models.TextChoices):
    SECTION = "section", _("One page per section")
    ITEM = "item", _("One page per item")


class Exam(ClusterableModel):
    """An exam: timing, cut score, attempts and a blueprint of sections and draw rules.

    ``cut_score`` is a percent (``Decimal``, two places); a result passes when its exact
    percent is ``>= cut_score``. ``time_limit_minutes``, ``grace_seconds`` and
    ``min_gap_minutes`` are durations; ``opens_at`` / ``closes_at`` are aware datetimes
    (stored UTC). The fields in :attr:`CONTENT_FIELDS` and the blueprint cannot change once
    an attempt exists (``exams.services.exams``); a new version (``exam_new_version``) can.
    ``version`` counts the versions of one exam; ``previous_version`` links them.
    """

    #: What an attempt depends on: frozen once an attempt exists.
    CONTENT_FIELDS = (
        "time_limit_minutes",
        "cut_score",
        "grace_seconds",
        "shuffle_items",
        "shuffle_options",
        "item_language",
        "navigation",
        "page_mode",
    )

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
        _("review right after submitting"),
        max_length=16,
        choices=ReviewPolicy.choices,
        default=ReviewPolicy.CORRECTNESS,
    )
    review_after_close = models.CharField(
        _("review after the exam closes"),
        max_length=16,
        choices=ReviewPolicy.choices,
        default=ReviewPolicy.CORRECTNESS,
        help_text=_("Applies once the close time has passed; an exam with no close time never closes."),
    )
    min_gap_minutes = models.PositiveIntegerField(
        _("minimum gap between attempts (minutes)"),
        default=0,
        help_text=_("Counted from the submission of the previous attempt."),
    )
    navigation = models.CharField(_("navigation"), max_length=16, choices=Navigation.choices, default=Navigation.FREE)
    page_mode = models.CharField(_("pages"), max_length=16, choices=PageMode.choices, default=PageMode.SECTION)
    anonymous_grading = models.BooleanField(
        _("anonymous manual grading"), default=False, help_text=_("Examiners do not see who wrote an answer.")
    )
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    previous_version = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="next_versions", editable=False
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
        organisation below one. One or two queries (plus the organisation tree walk)."""
        # Both choices in one query: attempt_start's query budget counts it.
        chosen = (
            Exam.eligible_organisations.through.objects.filter(exam_id=self.pk)
            .annotate(kind=models.Value("o"))
            .values_list("kind", "organisation_id")
            .union(
                Exam.eligible_cohorts.through.objects.filter(exam_id=self.pk)
                .annotate(kind=models.Value("c"))
                .values_list("kind", "cohort_id")
            )
        )
        organisations, cohorts = [], []
        for kind, pk in chosen:
            (organisations if kind == "o" else cohorts).append(pk)
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

    def is_open(self, now=None, *, opens_at=None, closes_at=None) -> bool:
        """True when published and ``now`` (aware, default: the current time) is in the window.

        ``opens_at`` / ``closes_at`` replace the exam's own window when given (a candidate's
        override)."""
        now = now or timezone.now()
        opens_at = opens_at or self.opens_at
        closes_at = closes_at or self.closes_at
        if not self.is_published:
            return False
        if opens_at and now < opens_at:
            return False
        return not (closes_at and now >= closes_at)


class Section(ClusterableModel):
    """An ordered part of an exam's blueprint: draw rules and fixed questions."""

    sort_order_field = "position"  # the Wagtail admin orders inline sections by ``position``

    exam = ParentalKey(Exam, on_delete=models.CASCADE, related_name="sections")
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
    question types (empty: any type but description). ``tags`` is a list of tags a question's
    approved version must all carry (empty: no condition), as in Moodle's random questions.
    """

    sort_order_field = "position"

    section = ParentalKey(Section, on_delete=models.CASCADE, related_name="draw_rules")
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
    tags = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["section_id", "position", "id"]
        verbose_name = _("draw rule")
        constraints = [
            models.CheckConstraint(
                condition=Q(difficulty_min__lte=models.F("difficulty_max")), name="draw_rule_difficulty_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.count} × {self.category.path}"


class FixedQuestion(models.Model):
    """A question every attempt of the exam gets, in this section (its approved version at start).

    ``points`` null means the version's ``default_points``.
    """

    sort_order_field = "position"

    section = ParentalKey(Section, on_delete=models.CASCADE, related_name="fixed_questions")
    position = models.PositiveSmallIntegerField(default=0)
    question = models.ForeignKey(
        Question,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("question"),
        help_text=_("The question's number in the bank."),
    )
    points = models.DecimalField(_("points"), max_digits=7, decimal_places=3, null=True, blank=True)

    class Meta:
        ordering = ["section_id", "position", "id"]
        verbose_name = _("fixed question")
        verbose_name_plural = _("fixed questions")

    def __str__(self) -> str:
        return f"#{self.question_id}"


class AttemptState(models.TextChoices):
    IN_PROGRESS = "in_progress", _("In progress")
    SUBMITTED = "submitted", _("Submitted, waiting for manual grading")
    FINAL = "final", _("Final")


class Attempt(models.Model):
    """One sitting of an exam by one candidate.

    ``deadline_at`` (aware, UTC) is fixed at start: min(start + time limit, close time, the
    session's end); overrides (extra time) move it.
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
    # The furthest page reached; with sequential navigation the candidate cannot go below it.
    current_page = models.PositiveSmallIntegerField(default=1)
    # The exam session it was started in (null: the exam has no sessions).
    session = models.ForeignKey("ExamSession", null=True, blank=True, on_delete=models.PROTECT, related_name="attempts")

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
    grader_comment = models.TextField(blank=True)
    graded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    graded_at = models.DateTimeField(null=True, blank=True)
    # After a regrade: the corrected version the score was computed with (the item keeps its version).
    regraded_version = models.ForeignKey(
        QuestionVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["attempt_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "position"], name="attempt_item_unique_position"),
            models.UniqueConstraint(fields=["attempt", "question"], name="attempt_item_unique_question"),
        ]

    def __str__(self) -> str:
        return f"{self.attempt_id}#{self.position}"


class ExamOverride(models.Model):
    """An exception to an exam's rules for one candidate or one cohort (exactly one of them).

    ``extra_minutes`` lengthens the time limit (also of an attempt in progress),
    ``extra_attempts`` adds attempts, ``opens_at`` / ``closes_at`` (aware) replace the exam's
    window when set. ``reason`` is required: who (``created_by``) and why are the record the
    trust rules ask for; changes are also in the audit log (django-auditlog).
    """

    exam = models.ForeignKey(Exam, on_delete=models.CASCADE, related_name="overrides", verbose_name=_("exam"))
    candidate = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="exam_overrides",
        verbose_name=_("candidate"),
    )
    cohort = models.ForeignKey(
        "accounts.Cohort",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="exam_overrides",
        verbose_name=_("cohort"),
    )
    extra_minutes = models.PositiveIntegerField(_("extra time (minutes)"), default=0)
    extra_attempts = models.PositiveSmallIntegerField(_("extra attempts"), default=0)
    opens_at = models.DateTimeField(_("opens at (for them)"), null=True, blank=True)
    closes_at = models.DateTimeField(_("closes at (for them)"), null=True, blank=True)
    reason = models.TextField(_("reason"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("override")
        verbose_name_plural = _("overrides")
        ordering = ["exam_id", "-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(candidate__isnull=False) & Q(cohort__isnull=True))
                | (Q(candidate__isnull=True) & Q(cohort__isnull=False)),
                name="exam_override_candidate_xor_cohort",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="exam_override_has_reason"),
            models.CheckConstraint(
                condition=Q(closes_at__isnull=True) | Q(opens_at__isnull=True) | Q(closes_at__gt=models.F("opens_at")),
                name="exam_override_closes_after_opens",
            ),
        ]

    def __str__(self) -> str:
        who = self.candidate if self.candidate_id else self.cohort
        return f"{self.exam.code} — {who}"


class AttemptRegrade(models.Model):
    """The audit record of one regrade of one attempt: old and new totals, who and why.

    Scores are points (``Decimal``), percents exact; the per-item changes are in
    :class:`ItemRegrade`.
    """

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="regrades")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    at = models.DateTimeField(default=timezone.now)
    old_score = models.DecimalField(max_digits=10, decimal_places=4)
    new_score = models.DecimalField(max_digits=10, decimal_places=4)
    old_percent = models.DecimalField(max_digits=12, decimal_places=8)
    new_percent = models.DecimalField(max_digits=12, decimal_places=8)
    old_passed = models.BooleanField()
    new_passed = models.BooleanField()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("regrade")
        verbose_name_plural = _("regrades")

    def __str__(self) -> str:
        return f"{self.attempt_id}: {self.old_score} -> {self.new_score}"


class ItemRegrade(models.Model):
    """One item's score before and after a regrade, and the corrected version used."""

    regrade = models.ForeignKey(AttemptRegrade, on_delete=models.CASCADE, related_name="items")
    item = models.ForeignKey(AttemptItem, on_delete=models.CASCADE, related_name="regrades")
    question_version = models.ForeignKey(QuestionVersion, on_delete=models.PROTECT, related_name="+")
    old_fraction = models.DecimalField(max_digits=9, decimal_places=8, null=True)
    old_score = models.DecimalField(max_digits=10, decimal_places=4, null=True)
    new_fraction = models.DecimalField(max_digits=9, decimal_places=8)
    new_score = models.DecimalField(max_digits=10, decimal_places=4)

    class Meta:
        ordering = ["regrade_id", "item_id"]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.old_score} -> {self.new_score}"


class ExamSession(models.Model):
    """A scheduled sitting of an exam for a cohort and/or an organisation (and below it).

    ``starts_at`` / ``ends_at`` are aware datetimes (stored UTC, shown in Asia/Tashkent): a
    candidate of the session may start only inside this window (and inside the exam's own
    window); an attempt of the session ends no later than ``ends_at`` plus the candidate's
    extra time. ``access_code`` (optional, a short code of letters and digits read out in the
    room) is compared in constant time and its guesses are rate-limited
    (:mod:`exams.services.sessions`). ``proctors`` watch the live view and may add time or
    allow a restart; exam managers and administrators may too.
    """

    exam = models.ForeignKey(Exam, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("exam"))
    name = models.CharField(_("name"), max_length=200)
    cohort = models.ForeignKey(
        "accounts.Cohort",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="exam_sessions",
        verbose_name=_("cohort"),
    )
    organisation = models.ForeignKey(
        "accounts.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="exam_sessions",
        verbose_name=_("organisation"),
        help_text=_("Its members and the members of the organisations below it."),
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    access_code = models.CharField(
        _("access code"),
        max_length=12,
        blank=True,
        help_text=_("Optional: candidates type it before they start. Letters and digits."),
    )
    proctors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="proctored_sessions", verbose_name=_("proctors")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
        editable=False,
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("exam session")
        verbose_name_plural = _("exam sessions")
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="exam_session_ends_after_starts"
            ),
            models.CheckConstraint(
                condition=Q(cohort__isnull=False) | Q(organisation__isnull=False), name="exam_session_has_candidates"
            ),
        ]
        indexes = [models.Index(fields=["starts_at"], name="exam_session_starts_idx")]

    def __str__(self) -> str:
        return f"{self.exam.code}: {self.name}"


class ProctorActionKind(models.TextChoices):
    ADD_TIME = "add_time", _("Time added")
    RESTART = "restart", _("Restart allowed")


class ProctorAction(models.Model):
    """What a proctor did to one attempt of a session, who, when and why (``reason`` is
    required). ``minutes`` is the time added (``add_time``); a ``restart`` marks the attempt
    it replaces. ``override`` is the override that carries the change."""

    session = models.ForeignKey(ExamSession, on_delete=models.CASCADE, related_name="actions")
    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="proctor_actions")
    kind = models.CharField(_("action"), max_length=16, choices=ProctorActionKind.choices)
    minutes = models.PositiveIntegerField(_("minutes"), default=0)
    reason = models.TextField(_("reason"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    override = models.ForeignKey(ExamOverride, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("proctor action")
        verbose_name_plural = _("proctor actions")
        constraints = [models.CheckConstraint(condition=~Q(reason=""), name="proctor_action_has_reason")]

    def __str__(self) -> str:
        return f"{self.kind} {self.attempt_id}"


class SessionReminder(models.Model):
    """A reminder e-mail sent to one candidate for one session: at most one (unique)."""

    session = models.ForeignKey(ExamSession, on_delete=models.CASCADE, related_name="reminders")
    candidate = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "candidate"], name="session_reminder_once"),
        ]

    def __str__(self) -> str:
        return f"{self.session_id}: {self.candidate_id}"
