"""The offline verifier: a static page, its service worker and the revocation status snapshot.

Routes (unprefixed, beside ``/v/``; see :mod:`certificates.public_urls`)::

    /v/offline/              the page in Uzbek (the default language)
    /v/offline/ru/ /en/      the page in Russian, English (/v/offline/uz/ redirects to /v/offline/)
    /v/offline/sw.js         the service worker; its scope is /v/offline/
    /v/offline/status.json   the status snapshot: hashed codes of revoked and superseded certificates

The page carries no per-request data (no user, no CSRF token, no cookie): the same bytes for
everyone in a language, so the service worker can keep it and serve it with no network. Its
script (``certificates/static/certificates/offline-verifier.js``) does what
:func:`certificates.offline.verify_qr_text` does in Python: parse the QR link, decode the
COSE_Sign1, check the Ed25519 signature with WebCrypto against the cached JWKS, compare the
code in the link with the signed ``cti``. The texts it shows come from ``data-msg-*``
attributes of the page, translated here with gettext.

The status snapshot lists SHA-256 hashes (hex) of verification codes in their grouped form
``XXXX-XXXX-XXXX-XXXX`` (ASCII), sorted, so it reveals neither codes nor the order of issue:
a code has 80 random bits, too many to guess from a hash.
"""

from __future__ import annotations

import datetime
import hashlib
import json

from django.conf import settings
from django.db.models import Q
from django.http import HttpResponse, HttpResponseNotFound, HttpResponsePermanentRedirect, JsonResponse
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET
from django_ratelimit.decorators import ratelimit

from .api import keep_404, verify_rate
from .models import Certificate

SNAPSHOT_VERSION = 1
# Bump to make every browser drop its saved copy of the page (the cache name changes).
CACHE_GENERATION = "1"
STATIC_ASSETS = (
    "certify/certify.css",
    "certificates/offline-verifier.css",
    "certificates/offline-verifier.js",
)

# What the page's script says, by key (read from ``data-msg-<key>``). ``{date}``, ``{time}`` and
# ``{kid}`` are filled in by the script.
MESSAGES = {
    "valid": _("Valid as signed: the issuer signed exactly these facts."),
    "expired": _("Expired on {date}: the signature is genuine, but the certificate is no longer valid."),
    "revoked": _("Revoked: the status list synced at {time} lists this certificate as revoked. Do not rely on it."),
    "superseded": _(
        "Superseded: the status list synced at {time} says a newer certificate replaces this one. "
        "Check it online to see the new one."
    ),
    "fail-empty": _("Paste the link from the QR code first."),
    "fail-not-link": _("This is not a certificate verification link. Paste the whole link from the QR code."),
    "fail-no-credential": _(
        "This link carries no signed credential (only the QR code on the certificate does): check it online."
    ),
    "fail-malformed": _("The signed credential in the link is damaged or incomplete: it cannot be checked."),
    "fail-algorithm": _("The credential is not signed with Ed25519: it cannot be checked."),
    "fail-unknown-key": _(
        "The credential was signed with a key this device does not know ({kid}). "
        "Open this page once while online to refresh the keys; if it stays unknown, do not rely on it."
    ),
    "fail-signature": _("The signature does not verify: the signed data was changed. Do not rely on this certificate."),
    "fail-code-mismatch": _(
        "The verification code in the link does not match the signed verification code: the link was altered."
    ),
    "fail-no-qr": _("No QR code was found in the photo. Try again closer, or paste the link."),
    "fail-no-keys": _("The public keys are not saved on this device yet. Open this page once while online."),
    "fail-unsupported": _("This browser cannot check Ed25519 signatures. Use a current browser."),
    "synced": _("Revocation status last synced at {time}."),
    "never-synced": _(
        "The revocation status has not been synced on this device, so revocations are not checked. "
        "Open this page once while online."
    ),
    "offline-ready": _(
        "Ready to work offline: this page, the public keys and the revocation status are saved on this device."
    ),
    "offline-unavailable": _("This browser cannot keep the page for offline use; it works while online."),
    "keys": _("Public keys saved: {count}."),
}


def _languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def _page_url(language: str) -> str:
    if language == settings.LANGUAGE_CODE:
        return reverse("certificates_offline")
    return reverse("certificates_offline_language", kwargs={"language": language})


def code_hash(code: str) -> str:
    """SHA-256 (hex, lower case) of a verification code in its stored form ``XXXX-XXXX-XXXX-XXXX``.

    The page's script hashes the signed code the same way (``crypto.subtle.digest``).
    """
    return hashlib.sha256(code.encode("ascii")).hexdigest()


def status_snapshot_build() -> dict:
    """The status snapshot: ``{"version": 1, "generated_at": ISO 8601 UTC, "algorithm": "sha256",
    "revoked": [hex, ...], "superseded": [hex, ...]}``.

    A revoked certificate is listed as revoked even when it was also superseded (the order of
    :meth:`certificates.models.Certificate.status_on`). Expiry is not listed: it is signed.
    Lists are sorted hashes, so they carry no order of issue.
    """
    rows = (
        Certificate.objects.filter(Q(revoked_at__isnull=False) | Q(superseded_at__isnull=False))
        .order_by()
        .values_list("verification_code", "revoked_at")
    )
    revoked, superseded = [], []
    for code, revoked_at in rows.iterator():
        (revoked if revoked_at is not None else superseded).append(code_hash(code))
    return {
        "version": SNAPSHOT_VERSION,
        "generated_at": timezone.now().astimezone(datetime.UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "algorithm": "sha256",
        "revoked": sorted(revoked),
        "superseded": sorted(superseded),
    }


@require_GET
def offline_page(request, language: str | None = None):
    """``GET /v/offline/`` (Uzbek) and ``/v/offline/<ru|en>/``: the offline verifier page.

    Rendered without the request, so the bytes depend on the language alone. 404 for an
    unknown language.
    """
    if language is None:
        language = settings.LANGUAGE_CODE
    elif language == settings.LANGUAGE_CODE:
        return HttpResponsePermanentRedirect(_page_url(language))
    if language not in _languages():
        return keep_404(request, HttpResponseNotFound("No such language.", content_type="text/plain; charset=utf-8"))
    with translation.override(language):
        context = {
            "language": language,
            "languages": [
                {"code": code, "name": name, "url": _page_url(code), "current": code == language}
                for code, name in settings.LANGUAGES
            ],
            "messages": {key: str(text) for key, text in MESSAGES.items()},
        }
        html = render_to_string("certificates/offline.html", context)
    response = HttpResponse(html)
    response["Content-Language"] = language
    # The service worker keeps a copy; the browser's own cache must ask again when online.
    response["Cache-Control"] = "no-cache"
    return response


def precache_urls() -> list[str]:
    """What the service worker saves on install: the pages, their static files, the JWKS and the snapshot."""
    return [
        *(_page_url(code) for code in _languages()),
        *(static(name) for name in STATIC_ASSETS),
        reverse("certificates_jwks"),
        reverse("certificates_offline_status"),
    ]


@require_GET
def service_worker(request):
    """``GET /v/offline/sw.js``: the service worker, scope ``/v/offline/``.

    A two-line script: the configuration (the URLs to keep, a cache name that changes when
    they do) and ``importScripts`` of ``certificates/offline-sw.js`` from the static files,
    so static URLs with content hashes (production storage) reach the worker.
    """
    urls = precache_urls()
    version = hashlib.sha256(json.dumps([CACHE_GENERATION, *urls]).encode()).hexdigest()[:16]
    config = {"cache": f"certify-offline-{version}", "precache": urls}
    body = (
        f"self.CERTIFY_OFFLINE = {json.dumps(config)};\n"
        f"importScripts({json.dumps(static('certificates/offline-sw.js'))});\n"
    )
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = reverse("certificates_offline")
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
@ratelimit(group="certificates.offline_status", key="ip", rate=verify_rate, block=False)
def status_snapshot(request):
    """``GET /v/offline/status.json``: :func:`status_snapshot_build`; 429 when rate-limited."""
    if getattr(request, "limited", False):
        response = JsonResponse({"status": "rate_limited"}, status=429)
        response["Retry-After"] = "60"
        return response
    response = JsonResponse(status_snapshot_build())
    response["Cache-Control"] = "no-cache"
    response["Access-Control-Allow-Origin"] = "*"
    return response
