"""Verified results (issue 11): per-exam policy, identity checks, the integrity log, appeals.

A final result becomes *verified* when its exam's policy is satisfied (an examiner's sign-off,
an appeal window with no open appeal, both, or nothing) and the identity check the exam asks
for is recorded. Certificates are issued on ``verification.signals.result_verified`` only.

The integrity log (:class:`IntegrityEntry`) is append-only and tamper-evident: each entry's
hash is SHA-256 over the canonical JSON of (previous hash, kind, payload, at); see
:mod:`verification.chain`. :class:`IntegrityChain` holds the head of each attempt's chain
(so a removed tail is detected too) and what the last request looked like (address, device).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class VerificationMode(models.TextChoices):
    IMMEDIATE = "immediate", _("Immediately when the result is final")
    SIGN_OFF = "sign_off", _("After an examiner's sign-off")
    APPEAL_WINDOW = "appeal_window", _("After an appeal window with no open appeal")
    BOTH = "both", _("After an appeal window and an examiner's sign-off")


class IdentityRequirement(models.TextChoices):
    NONE = "none", _("No identity check")
    PROCTOR = "proctor", _("Checked by a proctor against an ID document")
    SSO = "sso", _("Single sign-on (government identity provider)")


class ExamVerificationPolicy(models.Model):
    """How a result of ``exam`` becomes verified. An exam without a policy is verified
    immediately with no identity check (the behaviour before issue 11).

    ``appeal_days``: length of the appeal window in days, counted from the moment the result
    became final; used by the modes with a window.
    """

    exam = models.OneToOneField(
        "exams.Exam", on_delete=models.CASCADE, related_name="verification_policy", verbose_name=_("exam")
    )
    mode = models.CharField(
        _("results become verified"),
        max_length=16,
        choices=VerificationMode.choices,
        default=VerificationMode.IMMEDIATE,
    )
    appeal_days = models.PositiveSmallIntegerField(
        _("appeal window (days)"), default=7, validators=[MaxValueValidator(365)]
    )
    identity = models.CharField(
        _("identity check"), max_length=16, choices=IdentityRequirement.choices, default=IdentityRequirement.NONE
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("verification policy")
        verbose_name_plural = _("verification policies")

    def __str__(self) -> str:
        return f"{self.exam.code}: {self.get_mode_display()}"

    @property
    def has_window(self) -> bool:
        return self.mode in (VerificationMode.APPEAL_WINDOW, VerificationMode.BOTH)

    @property
    def needs_sign_off(self) -> bool:
        return self.mode in (VerificationMode.SIGN_OFF, VerificationMode.BOTH)

    def clean(self) -> None:
        if self.has_window and self.appeal_days < 1:
            raise ValidationError({"appeal_days": _("An appeal window lasts at least one day.")})


class VerificationState(models.TextChoices):
    WAITING = "waiting", _("Waiting to be verified")
    VERIFIED = "verified", _("Verified")


class ResultVerification(models.Model):
    """The verification of one final result. The policy is copied here when the result becomes
    final (``mode``, ``identity``, ``window_ends_at``): a later change of the exam's policy does
    not move the goalposts of a result already out.

    ``signed_head_seq`` / ``signed_head_hash``: the integrity chain's head when an examiner
    signed off, so the evidence they saw is anchored.
    """

    attempt = models.OneToOneField(
        "exams.Attempt", on_delete=models.CASCADE, related_name="verification", verbose_name=_("attempt")
    )
    state = models.CharField(
        _("state"), max_length=16, choices=VerificationState.choices, default=VerificationState.WAITING
    )
    mode = models.CharField(_("mode"), max_length=16, choices=VerificationMode.choices)
    identity = models.CharField(_("identity check"), max_length=16, choices=IdentityRequirement.choices)
    window_ends_at = models.DateTimeField(_("appeal window ends"), null=True, blank=True)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_off_at = models.DateTimeField(_("signed off at"), null=True, blank=True)
    sign_off_note = models.TextField(_("sign-off note"), blank=True)
    signed_head_seq = models.PositiveIntegerField(null=True, blank=True)
    signed_head_hash = models.CharField(max_length=64, blank=True)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("result verification")
        verbose_name_plural = _("result verifications")
        permissions = [("sign_off_result", "Can sign off results")]
        indexes = [models.Index(fields=["state", "window_ends_at"], name="verification_waiting_idx")]

    def __str__(self) -> str:
        return f"{self.attempt_id}: {self.state}"

    @property
    def needs_sign_off(self) -> bool:
        return self.mode in (VerificationMode.SIGN_OFF, VerificationMode.BOTH)

    @property
    def has_window(self) -> bool:
        return self.mode in (VerificationMode.APPEAL_WINDOW, VerificationMode.BOTH)


class IdentityMethod(models.TextChoices):
    PROCTOR = "proctor", _("Proctor, against an ID document")
    SSO = "sso", _("Single sign-on")


class IdentityOutcome(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    REJECTED = "rejected", _("Not the person on the document")


class DocumentKind(models.TextChoices):
    PASSPORT = "passport", _("Passport")
    ID_CARD = "id_card", _("ID card")
    SERVICE_ID = "service_id", _("Service ID")
    OTHER = "other", _("Other")


class IdentityCheck(models.Model):
    """Who the candidate of an attempt was, and who established it, when and how.

    Only the last four characters of the document number are kept: enough to tell which
    document was shown, not enough to be a copy of it.
    """

    attempt = models.OneToOneField(
        "exams.Attempt", on_delete=models.CASCADE, related_name="identity_check", verbose_name=_("attempt")
    )
    method = models.CharField(_("method"), max_length=16, choices=IdentityMethod.choices)
    outcome = models.CharField(_("outcome"), max_length=16, choices=IdentityOutcome.choices)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("checked by"),
    )
    checked_at = models.DateTimeField(_("checked at"), default=timezone.now)
    document_kind = models.CharField(_("document"), max_length=16, choices=DocumentKind.choices, blank=True)
    document_last4 = models.CharField(_("document number, last 4 characters"), max_length=4, blank=True)
    provider = models.CharField(_("identity provider"), max_length=100, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("identity check")
        verbose_name_plural = _("identity checks")
        permissions = [("confirm_identity", "Can confirm candidates' identity")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(method="proctor") | Q(checked_by__isnull=False), name="identity_proctor_is_recorded"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.attempt_id}: {self.method} {self.outcome}"


class IntegrityKind(models.TextChoices):
    START = "start", _("Attempt started")
    SAVE = "save", _("Answer saved")
    SAVE_PAGE = "save_page", _("Page of answers saved")
    SUBMIT = "submit", _("Attempt submitted")
    FINAL = "final", _("Result final")
    FOCUS_LOST = "focus_lost", _("Exam page lost focus")
    FOCUS_BACK = "focus_back", _("Exam page back in focus")
    OFFLINE = "offline", _("Browser went offline")
    RECONNECTED = "reconnected", _("Reconnected")
    IP_CHANGED = "ip_changed", _("Network address changed")
    DEVICE_CHANGED = "device_changed", _("Device or browser changed")
    SESSION_CHANGED = "session_changed", _("Sign-in session changed")
    IDENTITY_CONFIRMED = "identity_confirmed", _("Identity confirmed")
    IDENTITY_REJECTED = "identity_rejected", _("Identity not confirmed")
    PROCTOR_NOTE = "proctor_note", _("Proctor's note")
    OVERRIDE = "override", _("Override granted")
    APPEAL = "appeal", _("Appeal lodged")
    APPEAL_DECIDED = "appeal_decided", _("Appeal decided")
    RESULT_CHANGED = "result_changed", _("Score changed by a decision")
    SIGNED_OFF = "signed_off", _("Signed off")


#: Kinds an examiner should look at before signing off; a result with any is not "clean".
FLAG_KINDS = frozenset(
    {
        IntegrityKind.FOCUS_LOST,
        IntegrityKind.OFFLINE,
        IntegrityKind.RECONNECTED,
        IntegrityKind.IP_CHANGED,
        IntegrityKind.DEVICE_CHANGED,
        IntegrityKind.SESSION_CHANGED,
        IntegrityKind.IDENTITY_REJECTED,
        IntegrityKind.PROCTOR_NOTE,
    }
)


class IntegrityChain(models.Model):
    """The head of one attempt's integrity log and the last request seen for it.

    ``head_seq`` / ``head_hash``: the last entry (0 / "" before the first). The row is locked
    while an entry is appended, which serializes appends per attempt. ``last_ip``,
    ``last_device`` (SHA-256 of the User-Agent, 16 hex digits), ``last_session`` (digest of
    the session key) and ``last_seen_at`` detect changes and reconnections.
    """

    attempt = models.OneToOneField("exams.Attempt", on_delete=models.CASCADE, related_name="integrity_chain")
    head_seq = models.PositiveIntegerField(default=0)
    head_hash = models.CharField(max_length=64, blank=True)
    flag_count = models.PositiveIntegerField(default=0)
    last_ip = models.GenericIPAddressField(null=True, blank=True)
    last_device = models.CharField(max_length=16, blank=True)
    last_session = models.CharField(max_length=16, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("integrity chain")

    def __str__(self) -> str:
        return f"{self.attempt_id}: {self.head_seq}"


class AppendOnlyQuerySet(models.QuerySet):
    """Refuses bulk updates and deletes: the log only grows (the database refuses updates too)."""

    def update(self, **kwargs):
        raise TypeError("The integrity log is append-only.")

    def delete(self):
        raise TypeError("The integrity log is append-only.")


class IntegrityEntry(models.Model):
    """One entry of an attempt's integrity log; never changed or removed once written.

    ``seq`` counts from 1 per attempt; ``prev_hash`` is the previous entry's ``hash`` (the
    genesis value of :func:`verification.chain.genesis_hash` for the first); ``hash`` is
    :func:`verification.chain.entry_hash` of (prev_hash, kind, payload, at). ``at`` is aware.
    """

    attempt = models.ForeignKey("exams.Attempt", on_delete=models.CASCADE, related_name="integrity_entries")
    seq = models.PositiveIntegerField()
    kind = models.CharField(max_length=32, choices=IntegrityKind.choices)
    payload = models.JSONField(default=dict)
    at = models.DateTimeField()
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["attempt_id", "seq"]
        verbose_name = _("integrity entry")
        verbose_name_plural = _("integrity entries")
        constraints = [models.UniqueConstraint(fields=["attempt", "seq"], name="integrity_entry_unique_seq")]

    def __str__(self) -> str:
        return f"{self.attempt_id}#{self.seq} {self.kind}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("The integrity log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("The integrity log is append-only.")


class AppealKind(models.TextChoices):
    ITEM = "item", _("One item")
    TECHNICAL = "technical", _("The whole attempt: technical failure")


class AppealState(models.TextChoices):
    OPEN = "open", _("Open")
    DECIDED = "decided", _("Decided")


class AppealDecision(models.TextChoices):
    REJECT = "reject", _("Rejected")
    VOID_ITEM = "void_item", _("Item voided for every candidate")
    ACCEPT_ANSWER = "accept_answer", _("Candidate's answer accepted")
    RETAKE = "retake", _("Retake granted")


class Appeal(models.Model):
    """A candidate's appeal against a result during its appeal window, and its decision.

    ``item`` is set for an item appeal and null for a technical appeal of the whole attempt.
    ``outcome`` records what the decision did: ``{"regrades": [AttemptRegrade ids],
    "old_score", "new_score", "old_passed", "new_passed", "override": id}`` (strings for
    decimals).
    """

    attempt = models.ForeignKey(
        "exams.Attempt", on_delete=models.CASCADE, related_name="appeals", verbose_name=_("attempt")
    )
    kind = models.CharField(_("appeal about"), max_length=16, choices=AppealKind.choices)
    item = models.ForeignKey(
        "exams.AttemptItem",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="appeals",
        verbose_name=_("item"),
    )
    comment = models.TextField(_("comment"))
    created_at = models.DateTimeField(_("lodged at"), default=timezone.now)
    state = models.CharField(_("state"), max_length=16, choices=AppealState.choices, default=AppealState.OPEN)
    decision = models.CharField(_("decision"), max_length=16, choices=AppealDecision.choices, blank=True)
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    outcome = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        permissions = [("decide_appeal", "Can decide appeals")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="item") & Q(item__isnull=False)) | (Q(kind="technical") & Q(item__isnull=True)),
                name="appeal_item_matches_kind",
            ),
            models.CheckConstraint(condition=~Q(comment=""), name="appeal_has_comment"),
            models.CheckConstraint(
                condition=Q(state="open") | (~Q(decision="") & ~Q(decision_reason="")),
                name="appeal_decision_has_reason",
            ),
            # One open appeal per item, and one open technical appeal per attempt.
            models.UniqueConstraint(
                fields=["attempt", "item"], condition=Q(state="open", kind="item"), name="appeal_one_open_per_item"
            ),
            models.UniqueConstraint(
                fields=["attempt"], condition=Q(state="open", kind="technical"), name="appeal_one_open_technical"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.attempt_id}: {self.kind} ({self.state})"


class VoidedQuestion(models.Model):
    """A question removed from the scoring of ``exam`` for every candidate, by an appeal decision.

    Attempts final at the time are rescored at once; attempts that become final later are
    rescored when they do (the receiver of ``result_final``).
    """

    exam = models.ForeignKey("exams.Exam", on_delete=models.CASCADE, related_name="voided_questions")
    question = models.ForeignKey("question_bank.Question", on_delete=models.PROTECT, related_name="+")
    appeal = models.ForeignKey(Appeal, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("voided question")
        verbose_name_plural = _("voided questions")
        constraints = [models.UniqueConstraint(fields=["exam", "question"], name="voided_question_unique")]

    def __str__(self) -> str:
        return f"{self.exam_id}: question {self.question_id}"
