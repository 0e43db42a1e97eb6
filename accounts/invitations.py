"""Invitations: an e-mail, in the candidate's language, with a link to set a password.

The link is allauth's password-reset-from-key URL (Django's token generator: it stops working
once the password is set or after ``PASSWORD_RESET_TIMEOUT`` seconds), so accepting an
invitation is the ordinary "set a new password" page and needs no code of its own.
"""

from __future__ import annotations

from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from .models import User


def invitation_url(*, user: User) -> str:
    """The absolute URL where ``user`` sets their password, in their language."""
    with translation.override(user.language or settings.LANGUAGE_CODE):
        path = reverse(
            "account_reset_password_from_key",
            kwargs={"uidb36": user_pk_to_url_str(user), "key": default_token_generator.make_token(user)},
        )
    return f"{settings.SITE_URL}{path}"


def invitation_send(*, user: User) -> None:
    """Send the invitation e-mail to ``user`` now (the Celery task calls this)."""
    language = user.language if user.language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
    with translation.override(language):
        context = {
            "user": user,
            "url": invitation_url(user=user),
            "site_url": settings.SITE_URL,
            "organisation": user.organisation.name if user.organisation_id else "",
        }
        subject = " ".join(render_to_string("accounts/email/invitation_subject.txt", context).split())
        body = render_to_string("accounts/email/invitation_message.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])


def invitations_enqueue(*, user_ids: list[int]) -> None:
    """Queue one invitation per user once the current transaction commits."""
    from .tasks import send_invitation

    for user_id in user_ids:
        transaction.on_commit(lambda user_id=user_id: send_invitation.delay(user_id))
