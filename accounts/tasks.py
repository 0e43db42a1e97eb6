"""Celery tasks of accounts: thin, idempotent, taking ids."""

from celery import shared_task
from django.core.mail import EmailMultiAlternatives

from .invitations import invitation_send
from .models import User


@shared_task(acks_late=True, ignore_result=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_invitation(user_id: int) -> bool:
    """E-mail the invitation to a user who has not set a password yet; False when not needed."""
    user = User.objects.filter(pk=user_id, is_active=True).select_related("organisation").first()
    if user is None or user.has_usable_password():
        return False
    invitation_send(user=user)
    return True


@shared_task(acks_late=True, ignore_result=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_email_message(payload: dict) -> None:
    """Send a message rendered elsewhere (allauth's e-mails, by ``CertifyAccountAdapter``).

    ``payload``: ``subject``, ``body``, ``from_email`` and ``to`` (list of addresses), and
    optionally ``content_subtype`` ("plain" or "html"), ``alternatives`` (``[[content,
    mimetype], ...]``) and ``headers`` (dict). JSON-serialisable, as Celery's queue needs.
    Mail errors (``OSError``, which covers ``smtplib.SMTPException``) are retried with backoff.
    """
    message = EmailMultiAlternatives(
        subject=payload["subject"],
        body=payload["body"],
        from_email=payload.get("from_email"),
        to=list(payload["to"]),
        headers=payload.get("headers") or None,
    )
    message.content_subtype = payload.get("content_subtype") or "plain"
    for content, mimetype in payload.get("alternatives") or []:
        message.attach_alternative(content, mimetype)
    message.send()
