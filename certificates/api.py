"""Public JSON endpoints: ``GET /api/v1/verify/<code>``, ``POST /api/v1/verify/bulk``,
``GET /api/v1/credentials/<code>[.jwt]`` (Open Badges 3.0), ``GET /status/revocation/<n>``
(Bitstring Status List) and ``GET /.well-known/jwks.json``.

The verification body is CONTRACTS.md section 5, exactly. Every malformed or unknown code
gets the same 404 ``{"status": "not_found"}``, so an answer tells nothing about why.
Both endpoints are open to any origin (``Access-Control-Allow-Origin: *``): employers'
systems call them from their own pages.
"""

import json

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods
from django_ratelimit.core import is_ratelimited
from django_ratelimit.decorators import ratelimit

from . import keys, openbadges, selectors
from .codes import code_normalize
from .models import Certificate, CertificateStatus, tashkent_today
from .status_list import status_list_jwt


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
    # Cached per code for a minute; revocation and reissue forget it (selectors.verification_body_cached).
    body = selectors.verification_body_cached(code=code)
    if body is None:
        return keep_404(request, _json({"status": "not_found"}, status=404))
    return _json(body)


@require_GET
def jwks(request) -> JsonResponse:
    """``{"keys": [OKP/Ed25519 JWK, ...]}``: every key that signed certificates, retired ones too."""
    body = {"keys": [keys.public_jwk(kid, key) for kid, key in sorted(keys.public_keys().items())]}
    response = JsonResponse(body)
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = "public, max-age=300"
    return response


def _rate_limited() -> JsonResponse:
    response = _json({"status": "rate_limited"}, status=429)
    response["Retry-After"] = "60"
    return response


@require_GET
@never_cache
@ratelimit(group="certificates.verify", key="ip", rate=verify_rate, block=False)
def credential(request, code: str, signed: bool = False) -> HttpResponse:
    """The certificate's Open Badges 3.0 credential, public by verification code.

    - ``GET /api/v1/credentials/<code>``: the unsigned ``OpenBadgeCredential`` (``application/json``).
    - ``GET /api/v1/credentials/<code>.jwt``: the same, signed as VC-JWT (``application/vc+jwt``),
      with the active key; the kid is in ``/.well-known/jwks.json``.

    404 ``{"status": "not_found"}`` for an unknown or malformed code (as ``/api/v1/verify``);
    410 ``{"status": "revoked"|"superseded"}`` for a certificate that must not be relied on;
    429 when rate-limited (the verification routes' limit, per client IP). Expired
    certificates are served: their ``validUntil`` says so. See :mod:`certificates.openbadges`.
    """
    if getattr(request, "limited", False):
        return _rate_limited()
    certificate = selectors.certificate_by_code(code=code)
    if certificate is None:
        return keep_404(request, _json({"status": "not_found"}, status=404))
    status = certificate.status
    if status in (CertificateStatus.REVOKED, CertificateStatus.SUPERSEDED):
        return _json({"status": status}, status=410)
    if signed:
        response = HttpResponse(openbadges.certificate_vc_jwt(certificate), content_type=openbadges.MEDIA_TYPE)
    else:
        response = _json(openbadges.open_badge_credential(certificate))
    response["Access-Control-Allow-Origin"] = "*"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@require_GET
@ratelimit(group="certificates.status_list", key="ip", rate=verify_rate, block=False)
def status_list(request, list_number: int, as_json: bool = False) -> HttpResponse:
    """The revocation Bitstring Status List ``list_number`` (W3C Bitstring Status List v1.0).

    - ``GET /status/revocation/<n>``: the ``BitstringStatusListCredential`` as VC-JWT
      (``application/vc+jwt``); this is the ``statusListCredential`` URL in every credential.
    - ``GET /status/revocation/<n>.json``: the same signed payload as JSON, for people.

    404 for a list no certificate reaches; 429 when rate-limited. Cached for a minute by
    clients, and server-side until a revocation (see :mod:`certificates.status_list`).
    """
    if getattr(request, "limited", False):
        return _rate_limited()
    token = status_list_jwt(list_number)
    if token is None:
        return keep_404(request, _json({"status": "not_found"}, status=404))
    if as_json:
        response = _json(json.loads(openbadges.jws_compact_parse(token).payload))
    else:
        response = HttpResponse(token, content_type=openbadges.MEDIA_TYPE)
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = "public, max-age=60"
    return response


BULK_MAX_CODES = 100
BULK_MAX_BODY_BYTES = 16 * 1024  # 100 codes of 19 characters with JSON quoting fit in 3 KB


def verify_bulk_rate(group, request) -> str:
    """Codes checked per client IP in bulk, from ``settings.CERTIFY_VERIFY_BULK_RATE`` (default 600 a minute)."""
    return getattr(settings, "CERTIFY_VERIFY_BULK_RATE", "600/m")


def _bad_request(message: str, status: int = 400) -> JsonResponse:
    return _json({"status": "bad_request", "error": message}, status=status)


def _bulk_codes(request) -> list[str] | JsonResponse:
    """The list of codes in the request body, or the error response that refuses it."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > BULK_MAX_BODY_BYTES:
        return _bad_request(f"the request body is larger than {BULK_MAX_BODY_BYTES} bytes", status=413)
    body = request.body
    if len(body) > BULK_MAX_BODY_BYTES:
        return _bad_request(f"the request body is larger than {BULK_MAX_BODY_BYTES} bytes", status=413)
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: 16 KB of "[" nests too deep
        return _bad_request('the body is not valid JSON; send {"codes": ["XXXX-XXXX-XXXX-XXXX", ...]}')
    codes = data.get("codes") if isinstance(data, dict) else None
    if not isinstance(codes, list) or not all(isinstance(code, str) for code in codes):
        return _bad_request('"codes" must be a list of verification codes (strings)')
    if not codes:
        return _bad_request('"codes" is empty; send from 1 to 100 verification codes')
    if len(codes) > BULK_MAX_CODES:
        return _bad_request(f"{len(codes)} codes sent; at most {BULK_MAX_CODES} per request")
    return codes


@csrf_exempt
@never_cache
@require_http_methods(["POST", "OPTIONS"])
def verify_bulk(request) -> HttpResponse:
    """``POST /api/v1/verify/bulk`` with ``{"codes": [...]}`` (1 to 100): check many certificates at once.

    Answers 200 ``{"results": [{"code": <as sent>, <the body of GET /api/v1/verify/<code>>}, ...]}``
    in input order (duplicates answered each time); an unknown or malformed code gives
    ``{"code": ..., "status": "not_found"}``. Errors: 400 ``{"status": "bad_request", "error": ...}``
    (malformed JSON, no list of strings, empty, more than 100 codes), 413 (body over 16 KB),
    429 when the client exceeded ``CERTIFY_VERIFY_BULK_RATE`` codes (each code counts
    once), 405 for other methods. For other systems' servers and pages: no cookies are
    used, so no CSRF token; any origin may call it (CORS preflight answered). One
    database query however many codes.
    """
    if request.method == "OPTIONS":
        response = HttpResponse(status=204)
        response["Access-Control-Allow-Origin"] = "*"
        response["Access-Control-Allow-Methods"] = "POST, OPTIONS"
        response["Access-Control-Allow-Headers"] = "Content-Type"
        response["Access-Control-Max-Age"] = "86400"
        return response
    codes = _bulk_codes(request)
    if isinstance(codes, HttpResponse):
        return codes
    # Each code counts once against the client's limit (django-ratelimit counts one per call).
    for _code in codes:
        if is_ratelimited(request, group="certificates.verify_bulk", key="ip", rate=verify_bulk_rate, increment=True):
            return _rate_limited()
    normalized = [code_normalize(code) if len(code) <= 64 else None for code in codes]
    found = {
        certificate.verification_code: certificate
        for certificate in Certificate.objects.select_related("superseded_by").filter(
            verification_code__in={code for code in normalized if code}
        )
    }
    today = tashkent_today()
    results = []
    for given, code in zip(codes, normalized, strict=True):
        certificate = found.get(code) if code else None
        if certificate is None:
            results.append({"code": given, "status": "not_found"})
        else:
            verification = selectors.certificate_verification(
                certificate=certificate, today=today, check_signature=False
            )
            results.append({"code": given, **verification.as_api()})
    return _json({"results": results})
