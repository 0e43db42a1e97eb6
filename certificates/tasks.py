"""Celery tasks: thin, take ids, idempotent, retried on transient database errors only."""

import logging
import smtplib

from celery import shared_task
from django.db import OperationalError

from .emails import certificate_issued_email_send
from .models import Certificate
from .services import CertificateError, certificate_issue, certificate_render_pdf

logger = logging.getLogger(__name__)

_RETRY = {
    "acks_late": True,
    "autoretry_for": (OperationalError,),
    "retry_backoff": 5,  # seconds, doubled each retry
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 8,
}


@shared_task(**_RETRY)
def issue_certificate(attempt_id: int) -> int | None:
    """Issue (or find) the certificate of a final passing attempt; returns its id.

    A refusal (:class:`~certificates.services.CertificateError`: not final, not passed, no
    name) is logged and not retried: retrying cannot change it.
    """
    try:
        return certificate_issue(attempt_id=attempt_id).pk
    except CertificateError as error:
        logger.warning("No certificate for attempt %s: %s", attempt_id, error)
        return None


@shared_task(**_RETRY)
def render_certificate_pdf(certificate_id: int) -> None:
    """Render the PDF of a certificate that has none yet (idempotent)."""
    certificate = Certificate.objects.filter(pk=certificate_id).first()
    if certificate is not None and not certificate.pdf:
        certificate_render_pdf(certificate=certificate)


@shared_task(**{**_RETRY, "autoretry_for": (OperationalError, smtplib.SMTPException, ConnectionError, TimeoutError)})
def send_certificate_issued_email(certificate_id: int) -> bool:
    """E-mail the holder that certificate ``certificate_id`` was issued, once (see :mod:`certificates.emails`).

    Retried on database and mail-server errors; returns whether a message went out now.
    """
    return certificate_issued_email_send(certificate_id=certificate_id)


@shared_task(**_RETRY)
def sweep_missing_certificates() -> dict[str, list[int]]:
    """Celery beat, every 10 minutes: enqueue the certificates and PDFs that were missed
    (see :func:`~certificates.services.certificates_missing_sweep`); returns what was enqueued."""
    from .services import certificates_missing_sweep

    return certificates_missing_sweep()
