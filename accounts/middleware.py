"""Staff must use multi-factor authentication before they reach an admin page."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

from .roles import user_is_staff_member

# The admin sign-in forms authenticate with a password alone: allauth's form asks for the
# second factor, so these are sent there instead.
PASSWORD_ONLY_LOGINS = ("/admin/login/", "/django-admin/login/")
ADMIN_PREFIXES = ("/admin/", "/django-admin/")
# Wagtail's sign-in for private pages (``/<lang>/_util/login/``) is password-only as well.
FRONTEND_PASSWORD_LOGIN = re.compile(r"^/(?:[a-z]{2}(?:-[a-z]+)?/)?_util/login/")


def user_has_mfa(user) -> bool:
    """True when ``user`` has an active TOTP authenticator (recovery codes alone do not count)."""
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


class StaffMFAMiddleware:
    """Sends a staff member without TOTP to set it up before any admin page.

    Staff: superusers, ``is_staff`` users and anyone with Wagtail admin access (every staff
    role). Also sends the password-only admin sign-in forms to allauth's sign-in, which asks
    for the second factor. Everyone else, and every non-admin path, passes through.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        if FRONTEND_PASSWORD_LOGIN.match(path):
            query = urlencode({"next": request.GET.get("next", "/")})
            return HttpResponseRedirect(f"{reverse('account_login')}?{query}")
        if path.startswith(ADMIN_PREFIXES) and getattr(settings, "CERTIFY_REQUIRE_STAFF_MFA", True):
            if path.startswith(PASSWORD_ONLY_LOGINS):
                query = urlencode({"next": request.GET.get("next", "/admin/")})
                return HttpResponseRedirect(f"{reverse('account_login')}?{query}")
            user = getattr(request, "user", None)
            if user is not None and user_is_staff_member(user) and not user_has_mfa(user):
                from django.contrib import messages

                messages.warning(request, _("Set up two-factor authentication to use the admin."))
                query = urlencode({"next": request.get_full_path()})
                return HttpResponseRedirect(f"{reverse('mfa_activate_totp')}?{query}")
        return self.get_response(request)


# A signed-in session's "last seen" row (allauth usersessions) is refreshed at most this often.
USER_SESSION_TRACK_EVERY_S = 60


class UserSessionsMiddleware:
    """allauth's session tracking (``allauth.usersessions``), at most once a minute per session.

    allauth's own middleware reads and rewrites the session's ``UserSession`` row (last seen,
    address, browser) in a transaction on every signed-in request: four statements on each
    autosave of an exam. This one does the same, but skips it when the default cache (Redis in
    production) says the same session was tracked from the same address and browser less than
    :data:`USER_SESSION_TRACK_EVERY_S` seconds ago, so a change of address or browser is still
    recorded (and allauth's ``session_client_changed`` sent) on the request that shows it.
    "Last seen" is therefore up to a minute old. Anonymous requests and requests without a
    session key cost nothing. A cache outage reads as a miss: tracking as allauth does.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        session_key = getattr(session, "session_key", None) if session is not None else None
        if session_key:
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                self._track(request, user, session, session_key)
        return self.get_response(request)

    @staticmethod
    def _track(request, user, session, session_key: str) -> None:
        import hashlib

        from allauth.account.adapter import get_adapter
        from allauth.usersessions.internal import usersessionkit
        from django.core.cache import cache

        # The address as allauth records it (the proxy header when configured).
        client = f"{get_adapter().get_client_ip(request)}|{request.META.get('HTTP_USER_AGENT', '')}"
        seen = hashlib.sha256(client.encode("utf-8", "replace")).hexdigest()[:16]
        key = f"usersessions:seen:{hashlib.sha256(session_key.encode()).hexdigest()[:32]}"
        if cache.get(key) == seen:
            return
        usersessionkit.track_activity(request, user=user, session=session)
        cache.set(key, seen, USER_SESSION_TRACK_EVERY_S)
