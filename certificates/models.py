"""Certificates, their yearly serial counters and the audit trail of changes to them.

A :class:`Certificate` is a snapshot: the holder's name, the qualification, the dates, the
issuer and the signatory are copied in when it is issued, exactly as printed, so that the PDF
can be rendered again at any time from the row alone and later edits to the user, the exam or
the settings never change a certificate already issued. ``credential`` is the signed form of
the same data (see :mod:`certificates.signing`).
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .signing import Claims

# Certificates are dated, and expire, on the calendar of Uzbekistan whatever TIME_ZONE says.
TASHKENT = ZoneInfo("Asia/Tashkent")


def tashkent_today() -> datetime.date:
    """Today's date in Asia/Tashkent."""
    return timezone.now().astimezone(TASHKENT).date()


class SerialCounter(models.Model):
    """The last serial number handed out in a year.

    The row is locked (``select_for_update``) in the transaction that inserts the
    certificate, so numbers are gap-free: a transaction that fails rolls its number back.
    """

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("serial counter")
        verbose_name_plural = _("serial counters")

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class CertificateStatus(models.TextChoices):
    VALID = "valid", _("Valid")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Revoked")
    SUPERSEDED = "superseded", _("Superseded")


def _pdf_upload_to(instance: Certificate, filename: str) -> str:
    return f"certificates/{instance.issued_on:%Y}/{filename}"


class Certificate(models.Model):
    """A certificate issued for one passing attempt.

    One *current* certificate per attempt is enforced by the database: a partial unique
    constraint on ``attempt`` where ``superseded_at`` is null. The condition is on
    ``superseded_at`` rather than on ``superseded_by`` because of the order of a reissue: the
    new certificate needs a primary key before the old one can point at it, and the two
    rows must never both count as current. So, in one transaction, the reissue stamps the old
    row's ``superseded_at`` (it stops counting), inserts the new row, then sets the old
    row's ``superseded_by``. A check constraint keeps ``superseded_by`` only on rows whose
    ``superseded_at`` is set.

    ``verification_code``: 80 random bits from :mod:`secrets` in Crockford base32, stored
    grouped as ``XXXX-XXXX-XXXX-XXXX``. ``serial`` (``EGOV-2026-000123``) is for humans.
    ``issued_on`` / ``expires_on`` are Asia/Tashkent calendar dates; ``expires_on`` is the
    last day of validity (null: never expires). ``credential`` is the COSE_Sign1 in RFC 4648
    base32 (as in the QR code), ``signing_key_id`` the kid that signed it.
    """

    holder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="certificates")
    exam = models.ForeignKey("exams.Exam", on_delete=models.PROTECT, related_name="certificates")
    attempt = models.ForeignKey("exams.Attempt", on_delete=models.PROTECT, related_name="certificates")
    serial = models.CharField(_("serial number"), max_length=40, unique=True)
    verification_code = models.CharField(_("verification code"), max_length=19, unique=True)
    holder_name = models.CharField(_("holder's name as printed"), max_length=200)
    qualification_uz = models.CharField(_("qualification (uz)"), max_length=255)
    qualification_ru = models.CharField(_("qualification (ru)"), max_length=255, blank=True)
    qualification_en = models.CharField(_("qualification (en)"), max_length=255, blank=True)
    second_language = models.CharField(_("second language printed"), max_length=2, default="ru")
    issued_on = models.DateField(_("issued on"))
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    issuer_name = models.CharField(_("issuer"), max_length=255)
    signatory_name = models.CharField(_("signatory"), max_length=200, blank=True)
    signatory_title = models.CharField(_("signatory's title"), max_length=200, blank=True)
    signing_key_id = models.CharField(_("signing key id"), max_length=64)
    credential = models.TextField(_("signed credential (base32 COSE_Sign1)"))
    pdf = models.FileField(_("PDF"), upload_to=_pdf_upload_to, max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revocation_reason = models.TextField(_("reason for revocation"), blank=True)
    superseded_at = models.DateTimeField(_("superseded at"), null=True, blank=True)
    superseded_by = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="supersedes"
    )
    # The certificate's bit in the revocation Bitstring Status List (certificates.status_list):
    # the primary key, written by save() in the inserting transaction, so concurrent issuing
    # never shares an index. Null only for rows bulk-created without save().
    status_list_index = models.PositiveBigIntegerField(
        _("status list index"), null=True, blank=True, unique=True, editable=False
    )
    # What the PDF used from the certificate template at issue (texts per language, colours,
    # logo, second language; see certificates.rendering.pdf.template_snapshot), so a later
    # edit of the template never changes a re-rendered PDF. Empty: issued before snapshots,
    # the live template is used.
    template_snapshot = models.JSONField(_("template snapshot"), default=dict, blank=True, editable=False)

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-issued_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["attempt"],
                condition=Q(superseded_at__isnull=True),
                name="certificate_one_current_per_attempt",
            ),
            models.CheckConstraint(
                condition=Q(superseded_by__isnull=True) | Q(superseded_at__isnull=False),
                name="certificate_superseded_by_needs_superseded_at",
            ),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | ~Q(revocation_reason=""),
                name="certificate_revocation_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.serial} — {self.holder_name}"

    def save(self, *args, **kwargs) -> None:
        """Save; a new row also gets its ``status_list_index`` (its primary key) in the same transaction."""
        adding = self._state.adding
        with transaction.atomic():
            super().save(*args, **kwargs)
            if adding and self.status_list_index is None:
                self.status_list_index = self.pk
                type(self).objects.filter(pk=self.pk).update(status_list_index=self.pk)

    def status_on(self, day: datetime.date) -> str:
        """The :class:`CertificateStatus` value on ``day`` (revoked, then superseded, then dates)."""
        if self.revoked_at is not None:
            return CertificateStatus.REVOKED
        if self.superseded_at is not None:
            return CertificateStatus.SUPERSEDED
        if self.expires_on is not None and day > self.expires_on:
            return CertificateStatus.EXPIRED
        return CertificateStatus.VALID

    @property
    def status(self) -> str:
        """Status today (Asia/Tashkent): ``valid``, ``expired``, ``revoked`` or ``superseded``."""
        return self.status_on(tashkent_today())

    @property
    def is_current(self) -> bool:
        return self.superseded_at is None

    def claims(self) -> Claims:
        """What this certificate's signed credential must say (taken from the row)."""
        return Claims(
            code=self.verification_code,
            serial=self.serial,
            holder_name=self.holder_name,
            qualification_uz=self.qualification_uz,
            issued_on=self.issued_on,
            expires_on=self.expires_on,
        )

    def qualification_in(self, language: str) -> str:
        """The qualification in ``language`` (uz, ru, en), falling back to Uzbek."""
        return getattr(self, f"qualification_{language[:2]}", "") or self.qualification_uz


class CertificateEventAction(models.TextChoices):
    ISSUED = "issued", _("Issued")
    REVOKED = "revoked", _("Revoked")
    REISSUED = "reissued", _("Reissued")
    SUPERSEDED = "superseded", _("Superseded")
    HOLDER_NOTIFIED = "notified", _("Holder notified by e-mail")


class CertificateEvent(models.Model):
    """Audit record of a change to a certificate: who (null: the system), when, what, why."""

    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(max_length=16, choices=CertificateEventAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    reason = models.TextField(blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["certificate_id", "at", "id"]
        verbose_name = _("certificate event")
        verbose_name_plural = _("certificate events")

    def __str__(self) -> str:
        return f"{self.certificate_id} {self.action} {self.at:%Y-%m-%d %H:%M}"


# A colour printed into the PDF's style sheet: exactly ``#RRGGBB``, so a value can never
# close the CSS declaration and inject another one.
COLOUR_RE = r"\A#[0-9A-Fa-f]{6}\Z"
colour_validator = RegexValidator(COLOUR_RE, _("Enter a colour as #RRGGBB, for example #0B5CAD."))


class CertificateTemplate(models.Model):
    """What a certificate PDF says and looks like, edited by certification officers.

    Texts per language (Uzbek required; Russian and English fall back to Uzbek when empty);
    the PDF prints Uzbek and ``second_language``. An exam uses the template that lists it in
    ``exams``, else the one marked ``is_default`` (at most one, a database constraint), else
    the built-in texts. When a certificate is issued its issuer and signatory are copied onto
    the row (see :func:`certificates.services._certificate_insert`), as printed.
    """

    name = models.CharField(_("name"), max_length=120, unique=True)
    title_uz = models.CharField(_("title (uz)"), max_length=120)
    title_ru = models.CharField(_("title (ru)"), max_length=120, blank=True)
    title_en = models.CharField(_("title (en)"), max_length=120, blank=True)
    body_uz = models.CharField(_("body line (uz)"), max_length=300)
    body_ru = models.CharField(_("body line (ru)"), max_length=300, blank=True)
    body_en = models.CharField(_("body line (en)"), max_length=300, blank=True)
    issuer_name_uz = models.CharField(_("issuer (uz)"), max_length=255)
    issuer_name_ru = models.CharField(_("issuer (ru)"), max_length=255, blank=True)
    issuer_name_en = models.CharField(_("issuer (en)"), max_length=255, blank=True)
    signatory_name_uz = models.CharField(_("signatory (uz)"), max_length=200, blank=True)
    signatory_name_ru = models.CharField(_("signatory (ru)"), max_length=200, blank=True)
    signatory_name_en = models.CharField(_("signatory (en)"), max_length=200, blank=True)
    signatory_title_uz = models.CharField(_("signatory's title (uz)"), max_length=200, blank=True)
    signatory_title_ru = models.CharField(_("signatory's title (ru)"), max_length=200, blank=True)
    signatory_title_en = models.CharField(_("signatory's title (en)"), max_length=200, blank=True)
    second_language = models.CharField(
        _("second language printed"), max_length=2, choices=[("ru", "Русский"), ("en", "English")], default="ru"
    )
    logo = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("logo"),
    )
    primary_colour = models.CharField(
        _("primary colour"), max_length=7, default="#0B5CAD", validators=[colour_validator]
    )
    accent_colour = models.CharField(_("accent colour"), max_length=7, default="#D0D7DE", validators=[colour_validator])
    is_default = models.BooleanField(_("default template"), default=False)
    exams = models.ManyToManyField(
        "exams.Exam", blank=True, related_name="certificate_templates", verbose_name=_("exams using this template")
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("certificate template")
        verbose_name_plural = _("certificate templates")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True), name="one_default_template"),
        ]
        permissions = [("manage_register", _("Can search, open and export the certificate register"))]

    def __str__(self) -> str:
        return self.name

    def text(self, field: str, language: str) -> str:
        """``field`` (title, body, issuer_name, signatory_name, signatory_title) in ``language``, else Uzbek."""
        return getattr(self, f"{field}_{language[:2]}", "") or getattr(self, f"{field}_uz")


def certificate_template_for(*, exam_id: int | None) -> CertificateTemplate | None:
    """The template of exam ``exam_id`` (newest edited of those listing it), else the default, else ``None``."""
    query = CertificateTemplate.objects.select_related("logo")
    if exam_id is not None:
        chosen = query.filter(exams__id=exam_id).order_by("-updated_at", "-id").first()
        if chosen is not None:
            return chosen
    return query.filter(is_default=True).first()
