"""Celery tasks of accounts: thin, idempotent, taking ids."""

from celery import shared_task

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
