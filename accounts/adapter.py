"""allauth adapters: where sign-in sends people, the language and the queue of allauth's
e-mails, and what the government sign-on fills in."""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.contrib.sites.shortcuts import get_current_site
from django.utils import translation

from .roles import user_is_staff_member

PINFL_RE = re.compile(r"^[0-9]{14}$")
# Claims that government identity providers use for the PINFL (OneID sends ``pin``).
PINFL_CLAIMS = ("pinfl", "pin", "jshshir")


class CertifyAccountAdapter(DefaultAccountAdapter):
    """Staff land in the admin after signing in, candidates on their exams."""

    def get_login_redirect_url(self, request) -> str:
        user = getattr(request, "user", None)
        if user is not None and user_is_staff_member(user) and settings.LOGIN_REDIRECT_URL == "/":
            return "/admin/"
        return super().get_login_redirect_url(request)

    def format_email_subject(self, subject: str) -> str:
        """``Certify: <subject>`` (the Sites framework's name is not the product's name)."""
        return f"{settings.WAGTAIL_SITE_NAME}: {subject}"

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Render allauth's e-mail in the recipient's language and send it through Celery.

        The language is ``User.language`` of ``context["user"]`` (or of the account with
        this address), else the language of the current request; its links (``*_url``) get
        that language's prefix. The message is rendered
        here, where the request is known (its links are absolute URLs), and the task
        ``accounts.tasks.send_email_message`` sends it, retried on transient mail errors
        (eager without a broker, as in the demo).
        """
        from .tasks import send_email_message

        request = allauth_context.request
        language = email_language(email=email, user=context.get("user"))
        with translation.override(language):
            ctx = {
                "request": request,
                "email": email,
                "current_site": get_current_site(request),
                "site_url": settings.SITE_URL,
            }
            ctx.update(context)
            for key, value in context.items():
                if key.endswith("_url") and isinstance(value, str):
                    ctx[key] = url_in_language(value, language)
            message = self.render_mail(template_prefix, email, ctx)
        payload = {
            "subject": message.subject,
            "body": message.body,
            "from_email": message.from_email,
            "to": list(message.to),
            "content_subtype": getattr(message, "content_subtype", "plain"),
            "alternatives": [[content, mimetype] for content, mimetype in getattr(message, "alternatives", [])],
            "headers": {**(message.extra_headers or {}), "Content-Language": language},
        }
        # The payload holds the whole message, so the task reads nothing from the database and
        # needs no on_commit: queued now, sent by a worker (or at once when Celery is eager).
        send_email_message.delay(payload)


def url_in_language(url: str, language: str) -> str:
    """``url`` with its language prefix (``/uz/``, ``/ru/``, ``/en/``) replaced by ``language``'s,
    so that a link in an e-mail opens the page in the e-mail's language; other URLs unchanged."""
    parts = urlsplit(url)
    segments = parts.path.split("/", 2)  # ["", "ru", "accounts/..."]
    if len(segments) == 3 and segments[1] in {code for code, _name in settings.LANGUAGES}:
        return urlunsplit(parts._replace(path=f"/{language}/{segments[2]}"))
    return url


def email_language(*, email: str, user=None) -> str:
    """The language code (one of ``settings.LANGUAGES``) to write to ``email`` in:
    the user's ``language``, else the account's with that address, else the active language
    (the request's), else ``settings.LANGUAGE_CODE``."""
    from .models import User

    languages = {code for code, _name in settings.LANGUAGES}
    if user is None or not getattr(user, "pk", None):
        user = User.objects.filter(email__iexact=email).only("language").first() if email else None
    for code in (getattr(user, "language", None), translation.get_language()):
        code = (code or "")[:2].lower()
        if code in languages:
            return code
    return settings.LANGUAGE_CODE


class CertifySocialAccountAdapter(DefaultSocialAccountAdapter):
    """Fills the profile from the OpenID Connect claims of a new account.

    Reads ``name`` (or ``given_name`` + ``family_name``) into ``full_name``, ``locale`` into
    ``language`` when it is one of the site's languages, and a 14-digit PINFL claim into
    ``pinfl``. Claims with other shapes are ignored rather than refused.
    """

    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        claims = sociallogin.account.extra_data or {}
        claims = claims.get("userinfo") or claims.get("id_token") or claims
        name = claims.get("name") or " ".join(
            part for part in (claims.get("given_name"), claims.get("family_name")) if part
        )
        if name and not user.full_name:
            user.full_name = " ".join(str(name).split())[:200]
        locale = str(claims.get("locale") or "")[:2].lower()
        if locale in {code for code, _ in settings.LANGUAGES}:
            user.language = locale
        for claim in PINFL_CLAIMS:
            value = str(claims.get(claim) or "")
            if PINFL_RE.match(value):
                user.pinfl = value
                break
        return user
