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
