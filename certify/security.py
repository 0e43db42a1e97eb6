"""Security headers that Django's ``SecurityMiddleware`` does not send: the Content-Security-Policy
and the Permissions-Policy.

Two policies (CSP Level 3, https://www.w3.org/TR/CSP3/):

- ``PUBLIC_POLICY`` for every page a candidate or a verifier sees, the exam pages included,
  and for the JSON API: scripts only from our own origin, never inline (``'unsafe-inline'`` is
  absent on purpose: an injected ``<script>`` or ``onerror=`` handler does not run even if
  it slipped past escaping). Our templates carry no inline script, style or event handler
  attribute; keep it so (tests/security/test_headers.py fails otherwise).
- ``ADMIN_POLICY`` under ``/admin/`` (Wagtail 8): Wagtail's admin still writes inline
  ``<script>`` elements (date and time widgets, inline panels, the multiple chooser panel,
  ``wagtailadmin/widgets/*.html``) and inline ``style`` attributes, so scripts and styles may be
  inline there, and ``wagtailadmin/js/core.js`` compiles doT templates with ``new Function``
  (``'unsafe-eval'``); it is framed by itself (the live preview pane) and nothing else. Only staff
  with multi-factor authentication reach it.

The sign-in form posts to our origin; with government single sign-on configured, allauth's
redirect continues to the provider, which ``form-action`` must allow (Chromium applies
``form-action`` to the redirects after a form post): the provider's origin is added from
``SOCIALACCOUNT_PROVIDERS``. ``CERTIFY_CSP_EXTRA`` (``{"directive": ["source", ...]}``) adds
sources for a deployment (for instance a CDN for media) without touching this module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse

CSP_HEADER = "Content-Security-Policy"
PERMISSIONS_HEADER = "Permissions-Policy"

PUBLIC_POLICY: dict[str, list[str]] = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "media-src": ["'self'"],
    "object-src": ["'none'"],
    "frame-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}

ADMIN_POLICY: dict[str, list[str]] = {
    **PUBLIC_POLICY,
    # Inline scripts (widgets, panels) and eval: core.js bundles doT templates (``new Function``).
    "script-src": ["'self'", "'unsafe-inline'", "'unsafe-eval'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:", "blob:", "https:"],
    "frame-src": ["'self'", "https:"],
    "connect-src": ["'self'", "https://releases.wagtail.org"],
    "frame-ancestors": ["'self'"],
}

ADMIN_PREFIXES = ("/admin/",)

# Powerful browser features no page of Certify uses.
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"


def policy_header(policy: dict[str, list[str]], extra: dict[str, Iterable[str]] | None = None) -> str:
    """``{"script-src": ["'self'"], ...}`` (plus ``extra`` sources) -> ``"script-src 'self'; ..."``.

    Pure; sources keep their order and are not repeated.
    """
    merged = {directive: list(sources) for directive, sources in policy.items()}
    for directive, sources in (extra or {}).items():
        target = merged.setdefault(directive, [])
        target.extend(source for source in sources if source not in target)
    return "; ".join(f"{directive} {' '.join(sources)}".strip() for directive, sources in merged.items())


def _single_sign_on_origins() -> list[str]:
    """The origins of the configured OpenID Connect providers (``scheme://host[:port]``)."""
    origins = []
    apps = getattr(settings, "SOCIALACCOUNT_PROVIDERS", {}).get("openid_connect", {}).get("APPS", [])
    for app in apps:
        parts = urlsplit(app.get("settings", {}).get("server_url", ""))
        if parts.scheme and parts.netloc:
            origins.append(f"{parts.scheme}://{parts.netloc}")
    return origins


def _extra_sources() -> dict[str, list[str]]:
    extra: dict[str, list[str]] = {
        key: list(value) for key, value in getattr(settings, "CERTIFY_CSP_EXTRA", {}).items()
    }
    origins = _single_sign_on_origins()
    if origins:
        extra.setdefault("form-action", []).extend(origins)
    return extra


class ContentSecurityPolicyMiddleware:
    """Adds ``Content-Security-Policy`` and ``Permissions-Policy`` to every response that has none.

    A view that needs another policy sets the header itself; it is left alone.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        extra = _extra_sources()
        self.public = policy_header(PUBLIC_POLICY, extra)
        self.admin = policy_header(ADMIN_POLICY, extra)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if CSP_HEADER not in response:
            response[CSP_HEADER] = self.admin if request.path.startswith(ADMIN_PREFIXES) else self.public
        response.setdefault(PERMISSIONS_HEADER, PERMISSIONS_POLICY)
        return response


# --- The database is down: a clear 503 instead of a bare 500 --------------------------------------

_DATABASE_DOWN = "_certify_database_unavailable"


def _note_database_error(sender, request=None, **kwargs) -> None:
    """``got_request_exception`` receiver: remember that the request failed on the database.

    Django sends the signal inside its exception handler (``sys.exc_info()`` is the error),
    wherever the error was raised: in a view or in a middleware (sessions, authentication).
    """
    import sys

    from django.db import InterfaceError, OperationalError

    error = sys.exc_info()[1]
    if request is not None and isinstance(error, OperationalError | InterfaceError):
        setattr(request, _DATABASE_DOWN, True)


UNAVAILABLE_HTML = """<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main id="service-unavailable" data-status="503"><h1>{title}</h1><p>{text}</p></main></body></html>
"""


class DatabaseUnavailableMiddleware:
    """Answer 503 with a clear message (and ``Retry-After``) when a request failed because the
    database could not be reached; every other error is left to Django.

    Put it first in ``MIDDLEWARE``: it wraps the others, whose database errors (the session,
    the user) Django has already turned into a 500 response by the time it sees them. The
    page is built without templates or the database. JSON clients (autosave) get
    ``{"ok": false, "error": "unavailable"}``: ``exams/static/exams/attempt.js`` keeps the answer
    queued and retries any 5xx. Connections come back by themselves: ``CONN_HEALTH_CHECKS``
    tests a persistent connection before each request and reconnects.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        from django.core.signals import got_request_exception

        got_request_exception.connect(_note_database_error, dispatch_uid="certify.security.database_down")
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 500 and getattr(request, _DATABASE_DOWN, False):
            return self.unavailable(request)
        return response

    @staticmethod
    def unavailable(request: HttpRequest) -> HttpResponse:
        from django.http import JsonResponse
        from django.utils import translation
        from django.utils.html import escape
        from django.utils.translation import gettext

        wants_json = "application/json" in request.headers.get("Content-Type", "") or "application/json" in (
            request.headers.get("Accept", "")
        )
        message = gettext(
            "Certify is unavailable for a moment. Your saved answers are safe; "
            "try again in a minute (answers given on the exam page are kept and sent when it is back)."
        )
        if wants_json:
            response: HttpResponse = JsonResponse({"ok": False, "error": "unavailable", "message": message}, status=503)
        else:
            html = UNAVAILABLE_HTML.format(
                lang=escape(translation.get_language() or "uz"),
                title=escape(gettext("Service unavailable")),
                text=escape(message),
            )
            response = HttpResponse(html, status=503, content_type="text/html; charset=utf-8")
        response["Retry-After"] = "30"
        response["Cache-Control"] = "no-store"
        return response
