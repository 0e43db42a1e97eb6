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
from django.db import models
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
