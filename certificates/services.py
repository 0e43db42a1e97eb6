"""Writes: issuing, rendering the PDF of, revoking and reissuing certificates.

Issuing is two steps, so that the serial-number lock is never held while a PDF renders:

1. One short transaction locks the attempt, allocates the serial (the year's
   :class:`~certificates.models.SerialCounter` row, locked), draws the verification code,
   signs the credential and inserts the row. A crash leaves nothing (the serial is rolled
   back too, so serials stay gap-free) or a complete, signed certificate.
2. After the commit the PDF is rendered and attached with a conditional update. A crash
   here leaves a complete certificate without its PDF; the PDF is a pure function of the
   row, so calling :func:`certificate_issue` again (the task retries), running
   ``manage.py issue_certificates`` or downloading it renders it again.

Permissions: :func:`certificate_revoke` and :func:`certificate_reissue` require the
``certificates.change_certificate`` permission of ``by`` and write an audit event.
"""

from __future__ import annotations

import calendar
import datetime
import logging
import secrets
import unicodedata

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from exams.models import Attempt, AttemptState
from verification.selectors import result_is_held

from . import keys, selectors
from .codes import code_generate
from .emails import certificate_issued_email_enqueue
from .models import (
    TASHKENT,
    Certificate,
    CertificateEvent,
    CertificateEventAction,
    SerialCounter,
    certificate_template_for,
    tashkent_today,
)
from .openbadges import certificate_vc_jwt
from .rendering.pdf import certificate_pdf_render, template_from_snapshot, template_snapshot
from .signing import credential_sign, credential_to_text
from .status_list import status_list_changed

logger = logging.getLogger(__name__)


class CertificateError(Exception):
    """A certificate operation that cannot be done; the message says why (translated)."""


def expiry_date(issued_on: datetime.date, validity_months: int | None) -> datetime.date | None:
    """``issued_on`` plus ``validity_months`` calendar months (day clamped to the month's end).

    ``None`` months: the certificate never expires. 2025-01-31 + 1 month -> 2025-02-28.
    """
    if validity_months is None:
        return None
    months = issued_on.month - 1 + validity_months
    year, month = issued_on.year + months // 12, months % 12 + 1
    return datetime.date(year, month, min(issued_on.day, calendar.monthrange(year, month)[1]))


def _serial_next(*, year: int) -> str:
    """The next serial of ``year``, e.g. ``EGOV-2026-000123``. Call inside the issuing transaction."""
    SerialCounter.objects.get_or_create(year=year)
    counter = SerialCounter.objects.select_for_update().get(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{settings.CERTIFY_SERIAL_PREFIX}-{year}-{counter.last:06d}"


def _certificate_insert(
    *,
    attempt: Attempt,
    holder_name: str,
    qualification: tuple[str, str, str],
    second_language: str,
    issued_on: datetime.date,
    expires_on: datetime.date | None,
) -> Certificate:
    """Allocate a serial and a code, sign, and insert one certificate row (caller holds the transaction)."""
    key = keys.active_key()
    template = certificate_template_for(exam_id=attempt.exam_id)
    if template is not None:
        # What the officer's template prints is copied onto the row, as printed (a snapshot).
        issuer_name = template.issuer_name_uz
        signatory_name, signatory_title = template.signatory_name_uz, template.signatory_title_uz
    else:
        issuer_name = settings.CERTIFY_ISSUER_NAME
        signatory_name = getattr(settings, "CERTIFY_SIGNATORY_NAME", "")
        signatory_title = getattr(settings, "CERTIFY_SIGNATORY_TITLE", "")
    certificate = Certificate(
        holder_id=attempt.candidate_id,
        exam_id=attempt.exam_id,
        attempt=attempt,
        serial=_serial_next(year=issued_on.year),
        verification_code=code_generate(),
        holder_name=holder_name,
        qualification_uz=qualification[0],
        qualification_ru=qualification[1],
        qualification_en=qualification[2],
        second_language=second_language,
        issued_on=issued_on,
        expires_on=expires_on,
        issuer_name=issuer_name,
        signatory_name=signatory_name,
        signatory_title=signatory_title,
        signing_key_id=key.kid,
        # The look of the PDF, frozen: a later edit of the template does not change a re-render.
        template_snapshot=template_snapshot(template),
    )
    token = credential_sign(certificate.claims(), kid=key.kid, private_key=key.private_key)
    certificate.credential = credential_to_text(token)
    certificate.save(force_insert=True)
    return certificate


# The revocation reason written when a regrade turns a pass into a fail. Only such a
# revocation may be followed by a new certificate for the same attempt (a regrade back to a
# pass); a certificate revoked by an officer (fraud, a request) is never issued again.
REGRADE_REASON = "regrade"


def _still_current(certificate: Certificate | None) -> bool:
    """True when ``certificate`` is the attempt's answer: not revoked, or revoked for a reason
    other than a regrade."""
    return certificate is not None and (
        certificate.revoked_at is None or certificate.revocation_reason != REGRADE_REASON
    )


def _printed_name(user) -> str:
    return unicodedata.normalize("NFC", (user.full_name or user.full_name_cyrillic or "").strip())


@transaction.atomic
def _certificate_create(*, attempt_id: int) -> Certificate:
    current = selectors.certificate_current_for_attempt(attempt_id=attempt_id)
    if _still_current(current):
        return current
    try:
        attempt = Attempt.objects.select_related("exam", "candidate").select_for_update(of=("self",)).get(pk=attempt_id)
    except Attempt.DoesNotExist as exc:
        raise CertificateError(_("There is no attempt %(id)s.") % {"id": attempt_id}) from exc
    if attempt.state != AttemptState.FINAL or attempt.passed is not True:
        raise CertificateError(
            _("Attempt %(id)s is not a final passing result; no certificate is issued.") % {"id": attempt_id}
        )
    if result_is_held(attempt_id=attempt_id):
        # Issued only from a verified result (sign-off, appeal window, identity check: verification/).
        raise CertificateError(_("The result of attempt %(id)s is not verified yet.") % {"id": attempt_id})
    # Checked again under the attempt's lock: a concurrent call may have committed meanwhile.
    current = selectors.certificate_current_for_attempt(attempt_id=attempt_id)
    if _still_current(current):
        return current
    holder_name = _printed_name(attempt.candidate)
    if not holder_name:
        raise CertificateError(
            _("The candidate of attempt %(id)s has no full name to print on a certificate.") % {"id": attempt_id}
        )
    exam = attempt.exam
    final_at = attempt.final_at or timezone.now()
    issued_on = final_at.astimezone(TASHKENT).date()
    template = certificate_template_for(exam_id=attempt.exam_id)
    language = template.second_language if template is not None else attempt.candidate.language[:2]
    revoked = current  # not None only when the current certificate was revoked by a regrade
    if revoked is not None:
        # It stops being current first (the partial unique constraint), as in a reissue.
        revoked.superseded_at = timezone.now()
        revoked.save(update_fields=["superseded_at"])
        selectors.verification_cache_forget(code=revoked.verification_code)
    certificate = _certificate_insert(
        attempt=attempt,
        holder_name=holder_name,
        qualification=(exam.title_uz, exam.title_ru, exam.title_en),
        second_language=language if language in ("ru", "en") else "ru",
        issued_on=issued_on,
        expires_on=expiry_date(issued_on, exam.validity_months),
    )
    CertificateEvent.objects.create(
        certificate=certificate,
        action=CertificateEventAction.ISSUED,
        details={"serial": certificate.serial, "attempt": attempt_id, "kid": certificate.signing_key_id},
    )
    certificate_issued_email_enqueue(certificate.pk)
    if revoked is not None:
        # The attempt passes again after its certificate was revoked (a regrade back to a
        # pass): the revoked certificate stays revoked and points at the new one.
        revoked.superseded_by = certificate
        revoked.save(update_fields=["superseded_by"])
        CertificateEvent.objects.create(
            certificate=revoked,
            action=CertificateEventAction.SUPERSEDED,
            at=revoked.superseded_at,
            details={"superseded_by": certificate.serial},
        )
    return certificate


def certificate_issue(*, attempt_id: int) -> Certificate:
    """The certificate of a final passing attempt, issued if it does not exist yet, with its PDF.

    Idempotent: a second call, or a concurrent one, returns the same certificate (the
    database's one-current-certificate-per-attempt constraint decides a race; the loser
    fetches the winner's row). Not one transaction on purpose: see the module docstring.
    Raises :class:`CertificateError` when the attempt does not exist, is not final or did
    not pass, or its candidate has no name.
    """
    try:
        certificate = _certificate_create(attempt_id=attempt_id)
    except IntegrityError:
        certificate = selectors.certificate_current_for_attempt(attempt_id=attempt_id)
        if certificate is None:
            raise
    if not certificate.pdf:
        certificate = certificate_render_pdf(certificate=certificate)
    return certificate


def certificate_render_pdf(*, certificate: Certificate, replace: bool = False) -> Certificate:
    """Render and store the PDF of ``certificate``; returns the certificate with ``pdf`` set.

    Without ``replace`` an existing PDF is kept (a concurrent render that lost the race
    deletes its own file). With ``replace`` the new file replaces the old, which is deleted
    after the commit. The file name carries 64 random bits, so it cannot be guessed.

    The look comes from ``certificate.template_snapshot`` (taken at issue), or from the
    exam's live template for rows issued before snapshots (empty snapshot). The Open Badges
    3.0 credential, signed now as VC-JWT with the active key, is attached inside the PDF.
    Raises ``ValueError`` for a snapshot of an unknown version.
    """
    if certificate.pdf and not replace:
        return certificate
    if certificate.template_snapshot:
        template = template_from_snapshot(certificate.template_snapshot)
    else:
        template = certificate_template_for(exam_id=certificate.exam_id)
    content = certificate_pdf_render(certificate, template=template, vc_jwt=certificate_vc_jwt(certificate))
    field = certificate.pdf.field
    storage = certificate.pdf.storage
    name = storage.save(
        field.generate_filename(certificate, f"{certificate.serial}-{secrets.token_hex(8)}.pdf"), ContentFile(content)
    )
    with transaction.atomic():
        rows = Certificate.objects.select_for_update().filter(pk=certificate.pk)
        old_name = rows.values_list("pdf", flat=True).first()
        if old_name and not replace:
            transaction.on_commit(lambda: storage.delete(name))
            certificate.pdf.name = old_name
            return certificate
        rows.update(pdf=name)
        if old_name:
            transaction.on_commit(lambda: storage.delete(old_name))
    certificate.pdf.name = name
    return certificate


def _require_officer(by) -> None:
    if by is None or not by.has_perm("certificates.change_certificate"):
        raise PermissionDenied(_("Only a certification officer can change certificates."))


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise CertificateError(_("Give a reason: it is recorded in the audit log."))
    return reason


@transaction.atomic
def certificate_revoke(*, certificate: Certificate, by, reason: str) -> Certificate:
    """Revoke the current ``certificate``: it verifies as ``revoked`` from now on.

    Raises ``PermissionDenied`` (``by`` lacks ``certificates.change_certificate``) or
    :class:`CertificateError` (no reason, already revoked, superseded).
    """
    _require_officer(by)
    reason = _require_reason(reason)
    locked = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if locked.revoked_at is not None:
        raise CertificateError(_("This certificate is already revoked."))
    if locked.superseded_at is not None:
        raise CertificateError(_("This certificate was superseded; revoke the certificate that replaced it."))
    locked.revoked_at = timezone.now()
    locked.revoked_by = by
    locked.revocation_reason = reason
    locked.save(update_fields=["revoked_at", "revoked_by", "revocation_reason"])
    CertificateEvent.objects.create(
        certificate=locked, action=CertificateEventAction.REVOKED, actor=by, reason=reason, at=locked.revoked_at
    )
    status_list_changed(locked)
    selectors.verification_cache_forget(code=locked.verification_code)
    return locked


@transaction.atomic
def certificate_revoke_after_regrade(*, attempt_id: int, by_id: int | None) -> Certificate | None:
    """Revoke the attempt's current certificate because a regrade turned its pass into a fail.

    Called by the receiver of ``exams.signals.result_changed``: the examiner's right to
    regrade (checked by the exam engine) is what authorizes it, so no certification
    officer's permission is asked; the examiner is recorded as the actor. Returns the
    revoked certificate, or ``None`` when there was none or it was already revoked.
    """
    current = selectors.certificate_current_for_attempt(attempt_id=attempt_id)
    if current is None:
        return None
    locked = Certificate.objects.select_for_update().get(pk=current.pk)
    if locked.revoked_at is not None or locked.superseded_at is not None:
        return None
    by = get_user_model().objects.filter(pk=by_id).first() if by_id else None
    locked.revoked_at = timezone.now()
    locked.revoked_by = by
    locked.revocation_reason = REGRADE_REASON
    locked.save(update_fields=["revoked_at", "revoked_by", "revocation_reason"])
    CertificateEvent.objects.create(
        certificate=locked,
        action=CertificateEventAction.REVOKED,
        actor=by,
        reason=REGRADE_REASON,
        at=locked.revoked_at,
    )
    status_list_changed(locked)
    selectors.verification_cache_forget(code=locked.verification_code)
    return locked


@transaction.atomic
def certificate_reissue(*, certificate: Certificate, by, holder_name: str, reason: str) -> Certificate:
    """Issue a new certificate for the same attempt with ``holder_name``; the old one is superseded.

    The new certificate gets a new serial and code, today's date (Asia/Tashkent), the old
    qualification and the old expiry date (a correction does not extend validity). Its PDF
    is rendered after the commit (task ``render_certificate_pdf``). Raises
    ``PermissionDenied`` or :class:`CertificateError` (no reason or name, revoked or
    already superseded certificate).
    """
    _require_officer(by)
    reason = _require_reason(reason)
    holder_name = unicodedata.normalize("NFC", (holder_name or "").strip())
    if not holder_name:
        raise CertificateError(_("The name to print cannot be empty."))
    old = Certificate.objects.select_for_update().select_related("attempt").get(pk=certificate.pk)
    if old.superseded_at is not None:
        raise CertificateError(_("This certificate was already superseded."))
    if old.revoked_at is not None:
        raise CertificateError(_("A revoked certificate cannot be reissued."))
    now = timezone.now()
    # Order matters for the partial unique constraint: the old row stops being current first.
    old.superseded_at = now
    old.save(update_fields=["superseded_at"])
    status_list_changed(old)
    selectors.verification_cache_forget(code=old.verification_code)
    new = _certificate_insert(
        attempt=old.attempt,
        holder_name=holder_name,
        qualification=(old.qualification_uz, old.qualification_ru, old.qualification_en),
        second_language=old.second_language,
        issued_on=tashkent_today(),
        expires_on=old.expires_on,
    )
    old.superseded_by = new
    old.save(update_fields=["superseded_by"])
    CertificateEvent.objects.create(
        certificate=old,
        action=CertificateEventAction.SUPERSEDED,
        actor=by,
        reason=reason,
        at=now,
        details={"superseded_by": new.serial},
    )
    CertificateEvent.objects.create(
        certificate=new,
        action=CertificateEventAction.REISSUED,
        actor=by,
        reason=reason,
        at=now,
        details={"supersedes": old.serial, "holder_name": {"from": old.holder_name, "to": holder_name}},
    )

    def _render_later(pk: int = new.pk) -> None:
        from .tasks import render_certificate_pdf

        try:
            render_certificate_pdf.delay(pk)
        except Exception:  # a broker outage must not undo a committed reissue; the PDF renders on download
            logger.exception("Could not enqueue the PDF of certificate %s", pk)

    transaction.on_commit(_render_later)
    certificate_issued_email_enqueue(new.pk)
    return new


# --- the missed-certificate sweep (issue 10) ------------------------------------------------

SWEEP_GRACE = datetime.timedelta(minutes=5)


def attempts_missing_certificate(*, final_before: datetime.datetime | None = None):
    """Ids of the attempts that should have a certificate and have none (a values_list QuerySet).

    Final, passed, no current certificate (``superseded_at`` null; a revoked one still counts
    as current: a revocation is never undone by a sweep), and not held by verification (the
    rule of :func:`verification.selectors.result_is_held`: a result waiting to be verified gets
    no certificate yet). ``final_before`` (an aware datetime) keeps only attempts that became
    final before it, so a sweep does not race the issue task enqueued at finalisation.
    """
    from verification.models import VerificationState

    attempts = (
        Attempt.objects.filter(state=AttemptState.FINAL, passed=True)
        .exclude(pk__in=Certificate.objects.filter(superseded_at__isnull=True).values("attempt_id"))
        .exclude(verification__state=VerificationState.WAITING)
    )
    if final_before is not None:
        attempts = attempts.filter(final_at__lt=final_before)
    return attempts.order_by("pk").values_list("pk", flat=True)


def certificates_missing_pdf(*, created_before: datetime.datetime | None = None):
    """Ids of the certificates that have no PDF yet (a values_list QuerySet); ``created_before``
    (aware) leaves out the ones whose render may still be running."""
    certificates = Certificate.objects.filter(pdf="")
    if created_before is not None:
        certificates = certificates.filter(created_at__lt=created_before)
    return certificates.order_by("pk").values_list("pk", flat=True)


def certificates_missing_sweep(*, now: datetime.datetime | None = None, grace: datetime.timedelta = SWEEP_GRACE):
    """Enqueue the issue of every missed certificate and the render of every missing PDF.

    For the Celery beat task ``certificates.tasks.sweep_missing_certificates`` (every 10
    minutes): repairs what a broker outage or a crash between commit and enqueue left behind.
    Only what is older than ``grace`` (default 5 minutes) is taken, so work already on its way
    is not doubled; both tasks are idempotent anyway. Returns ``{"issue": [attempt ids],
    "render": [certificate ids]}``, what was enqueued. An id that cannot be enqueued (the broker
    is down) is logged and left for the next sweep.
    """
    from .tasks import issue_certificate, render_certificate_pdf

    before = (now or timezone.now()) - grace
    enqueued: dict[str, list[int]] = {"issue": [], "render": []}
    for key, ids, task in (
        ("issue", attempts_missing_certificate(final_before=before), issue_certificate),
        ("render", certificates_missing_pdf(created_before=before), render_certificate_pdf),
    ):
        for pk in ids.iterator():
            if key == "issue" and result_is_held(attempt_id=pk):
                continue
            try:
                task.delay(pk)
            except Exception:  # a broker outage: the next sweep tries again
                logger.exception("Could not enqueue %s for %s", task.name, pk)
                continue
            enqueued[key].append(pk)
    if enqueued["issue"] or enqueued["render"]:
        logger.warning(
            "Missed-certificate sweep: issue enqueued for attempts %s, PDF render for certificates %s",
            enqueued["issue"],
            enqueued["render"],
        )
    return enqueued
