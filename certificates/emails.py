"""The e-mail a holder gets when a certificate is issued: in their language, sent once.

"Once" is recorded as a :class:`~certificates.models.CertificateEvent` with action
``notified``, written in the same transaction that holds the certificate's row lock while
the message is handed to the mail backend; a second run (a retried or duplicated task) sees
the event and sends nothing. If the commit fails after the backend accepted the message, a
retry sends it again: at least once, never twice for one committed run.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from .models import Certificate, CertificateEvent, CertificateEventAction
from .rendering.dates import date_long

logger = logging.getLogger(__name__)

EMAIL_LANGUAGES = ("uz", "ru", "en")


def holder_language(user) -> str:
    """``user.language`` when it is uz, ru or en; otherwise Uzbek (the default language)."""
    language = (getattr(user, "language", "") or "")[:2].lower()
    return language if language in EMAIL_LANGUAGES else "uz"


def _message(certificate: Certificate, language: str) -> EmailMultiAlternatives:
    site = settings.SITE_URL
    with translation.override(language):
        context = {
            "certificate": certificate,
            "language": language,
            "qualification": certificate.qualification_in(language),
            "issued_on": date_long(certificate.issued_on, language),
            "expires_on": date_long(certificate.expires_on, language) if certificate.expires_on else "",
            "mine_url": site + reverse("certificates:mine"),
            "verify_url": site + reverse("certificates_verify", args=[certificate.verification_code]),
        }
        subject = _("Your certificate %(serial)s has been issued") % {"serial": certificate.serial}
        text = render_to_string("certificates/email/issued.txt", context)
        html = render_to_string("certificates/email/issued.html", context)
    message = EmailMultiAlternatives(
        subject=subject.replace("\n", " "),
        body=text,
        to=[certificate.holder.email],
        headers={"Content-Language": language},
    )
    message.attach_alternative(html, "text/html")
    return message


@transaction.atomic
def certificate_issued_email_send(*, certificate_id: int) -> bool:
    """Send the "certificate issued" e-mail of ``certificate_id`` unless it was sent already.

    Returns ``True`` when a message was sent now. Sends nothing for an unknown id, a
    certificate revoked or superseded before the e-mail went out, or a holder without an
    e-mail address. Errors of the mail backend propagate (the task retries them) and leave
    no ``notified`` event.
    """
    certificate = (
        Certificate.objects.select_for_update(of=("self",)).select_related("holder").filter(pk=certificate_id).first()
    )
    if certificate is None or certificate.revoked_at is not None or certificate.superseded_at is not None:
        return False
    if certificate.events.filter(action=CertificateEventAction.HOLDER_NOTIFIED).exists():
        return False
    if not certificate.holder.email:
        return False
    language = holder_language(certificate.holder)
    _message(certificate, language).send()
    CertificateEvent.objects.create(
        certificate=certificate,
        action=CertificateEventAction.HOLDER_NOTIFIED,
        details={"language": language},
    )
    return True


def certificate_issued_email_enqueue(certificate_id: int) -> None:
    """Schedule the e-mail after the current transaction commits; a broker outage is logged only."""

    def _enqueue() -> None:
        from .tasks import send_certificate_issued_email

        try:
            send_certificate_issued_email.delay(certificate_id)
        except Exception:  # the certificate is committed; the e-mail must not undo or break that
            logger.exception("Could not send the e-mail of certificate %s", certificate_id)

    transaction.on_commit(_enqueue)
