"""Public JSON endpoints: ``GET /api/v1/verify/<code>`` and ``GET /.well-known/jwks.json``.

The verification body is CONTRACTS.md section 5, exactly. Every malformed or unknown code
gets the same 404 ``{"status": "not_found"}``, so an answer tells nothing about why.
Both endpoints are open to any origin (``Access-Control-Allow-Origin: *``): employers'
systems call them from their own pages.
"""

from django.conf import settings
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_ratelimit.decorators import ratelimit

from . import keys, selectors


def verify_rate(group, request) -> str:
    """Lookups per client IP, from ``settings.CERTIFY_VERIFY_RATE`` (default 60 a minute)."""
    return getattr(settings, "CERTIFY_VERIFY_RATE", "60/m")


def keep_404(request, response):
    """Let a 404 of an unprefixed URL reach the client as a 404.

    ``LocaleMiddleware`` turns a 404 on an unprefixed path into a redirect to ``/<lang>/...``
    whenever that path is valid, and Wagtail's catch-all page route makes every path valid.
    Pointing ``request.urlconf`` (read only by the response middleware at this point; the
    response is already rendered) at the unprefixed URLconf stops that for this response.
    """
    if response.status_code == 404:
        request.urlconf = "certificates.public_urls"
    return response


def _json(body: dict, status: int = 200) -> JsonResponse:
    response = JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = "*"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@require_GET
@never_cache
@ratelimit(group="certificates.verify", key="ip", rate=verify_rate, block=False)
def verify(request, code: str) -> JsonResponse:
    """200 with the status and facts, 404 ``{"status": "not_found"}``, 429 when rate-limited."""
    if getattr(request, "limited", False):
        response = _json({"status": "rate_limited"}, status=429)
        response["Retry-After"] = "60"
        return response
    certificate = selectors.certificate_by_code(code=code)
    if certificate is None:
        return keep_404(request, _json({"status": "not_found"}, status=404))
    verification = selectors.certificate_verification(certificate=certificate, check_signature=False)
    return _json(verification.as_api())


@require_GET
def jwks(request) -> JsonResponse:
    """``{"keys": [OKP/Ed25519 JWK, ...]}``: every key that signed certificates, retired ones too."""
    body = {"keys": [keys.public_jwk(kid, key) for kid, key in sorted(keys.public_keys().items())]}
    response = JsonResponse(body)
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = "public, max-age=300"
    return response
