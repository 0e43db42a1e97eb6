"""allauth adapters: where sign-in sends people, and what the government sign-on fills in."""

from __future__ import annotations

import re

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings

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
