"""Open Badges 3.0 credentials for certificates, secured as VC-JWT with our Ed25519 keys.

Every certificate can be handed out as an ``OpenBadgeCredential``: a W3C Verifiable
Credential (Data Model 2.0) shaped by 1EdTech Open Badges 3.0. It is built from the
certificate row on request (nothing stored), so it always says what the row says.

Shape (see :func:`open_badge_credential`)::

    {"@context": [VC 2.0, OB 3.0.3],
     "id": "https://HOST/v/CODE",                       # the public verification page
     "type": ["VerifiableCredential", "OpenBadgeCredential"],
     "issuer": {"id": "https://HOST/", "type": ["Profile"], "name": ..., "url": ...},
     "validFrom": "2026-03-05T00:00:00+05:00",          # issue date, Asia/Tashkent midnight
     "validUntil": "2029-03-05T23:59:59+05:00",         # end of the last day; absent: no expiry
     "name": <qualification, Uzbek>,
     "credentialSubject": {"type": ["AchievementSubject"],
        "identifier": [{"type": "IdentityObject", "identityType": "name", "hashed": false,
                        "identityHash": <holder's name as printed>}],
        "achievement": {"id": "https://HOST/achievements/<exam code>", "type": ["Achievement"],
                        "achievementType": "Certification", "name", "description",
                        "criteria": {"narrative": ...}, "humanCode": <exam code>}},
     "credentialStatus": BitstringStatusListEntry (certificates.status_list)}

Privacy: no e-mail, personal number (PINFL), birth date or score. The holder is named the
way Open Badges 3.0 names a recipient without an identifier of their own: an
``IdentityObject`` of type ``name``, not hashed (the name is printed on the PDF already and
the public verification page shows it).

The proof is VC-JOSE-COSE (W3C "Securing Verifiable Credentials using JOSE and COSE"):
a JWS compact serialization (RFC 7515) with header ``{"alg": "EdDSA", "kid", "typ":
"vc+jwt", "cty": "vc"}`` (RFC 8037 for EdDSA) whose payload is the credential JSON itself;
media type ``application/vc+jwt``. The kid is the one ``/.well-known/jwks.json`` publishes.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Mapping
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings

from . import keys
from .keys import b64url, b64url_decode
from .models import TASHKENT, Certificate

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
MEDIA_TYPE = "application/vc+jwt"
JWT_TYP = "vc+jwt"
JWT_CTY = "vc"
# A VC-JWT larger than this is refused before decoding (a status list of 16 KB gzips far below).
MAX_JWT_CHARS = 1_000_000


# The achievement's criteria, in the three languages of the site (a badge wallet shows it as is).
CRITERIA_NARRATIVE = (
    "{code} imtihonini oʻtish balidan kam boʻlmagan natija bilan topshirgan.\n"
    "Сдал экзамен {code} с результатом не ниже проходного балла.\n"
    "Passed the examination {code} at or above its cut score."
)


class VcJwtError(ValueError):
    """The VC-JWT cannot be trusted; ``str(error)`` says why, in words for a person."""


def site_url() -> str:
    """``settings.SITE_URL`` without a trailing slash (the public base URL, as in the QR code)."""
    return settings.SITE_URL.rstrip("/")


def issuer_profile() -> dict:
    """The issuer as an Open Badges 3.0 ``Profile``: id and url are the public site."""
    base = site_url() + "/"
    return {"id": base, "type": ["Profile"], "name": settings.CERTIFY_ISSUER_NAME, "url": base}


def credential_id(code: str) -> str:
    """The credential's ``id``: its public verification page ``{SITE_URL}/v/{code}``."""
    return f"{site_url()}/v/{code}"


def _start_of(day: datetime.date) -> str:
    return datetime.datetime.combine(day, datetime.time(0, 0), tzinfo=TASHKENT).isoformat()


def _end_of(day: datetime.date) -> str:
    return datetime.datetime.combine(day, datetime.time(23, 59, 59), tzinfo=TASHKENT).isoformat()


def open_badge_credential(certificate: Certificate) -> dict:
    """The unsigned ``OpenBadgeCredential`` of ``certificate`` (a JSON-ready dict, shape above).

    Dates are Asia/Tashkent: ``validFrom`` is the issue date's midnight, ``validUntil`` the
    last second of ``expires_on`` (omitted when the certificate never expires). The issuer's
    name is the one printed on the certificate. The revocation status entry points at the
    certificate's bit in the published status list.
    """
    from .status_list import status_entry, status_index_of

    exam_code = certificate.exam.code
    qualifications = (certificate.qualification_uz, certificate.qualification_ru, certificate.qualification_en)
    issuer = issuer_profile()
    issuer["name"] = certificate.issuer_name or issuer["name"]
    credential: dict = {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": credential_id(certificate.verification_code),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": issuer,
        "validFrom": _start_of(certificate.issued_on),
    }
    if certificate.expires_on is not None:
        credential["validUntil"] = _end_of(certificate.expires_on)
    credential["name"] = certificate.qualification_uz
    credential["credentialSubject"] = {
        "type": ["AchievementSubject"],
        "identifier": [
            {
                "type": "IdentityObject",
                "identityType": "name",
                "hashed": False,
                "identityHash": certificate.holder_name,
            }
        ],
        "achievement": {
            "id": f"{site_url()}/achievements/{exam_code}",
            "type": ["Achievement"],
            "achievementType": "Certification",
            "name": certificate.qualification_uz,
            "description": " / ".join(dict.fromkeys(name for name in qualifications if name)),
            "criteria": {"narrative": CRITERIA_NARRATIVE.format(code=exam_code)},
            "humanCode": exam_code,
            "inLanguage": "uz",
        },
    }
    credential["credentialStatus"] = status_entry(status_index_of(certificate))
    return credential


def _json_bytes(value: dict) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def jws_compact_sign(header: dict, payload: bytes, private_key: Ed25519PrivateKey) -> str:
    """RFC 7515 compact JWS ``b64(header).b64(payload).b64(signature)`` with Ed25519 (RFC 8037).

    ``header`` is serialized as compact JSON in its own key order; Ed25519 is deterministic,
    so the same header, payload and key always give the same token.
    """
    signing_input = b64url(_json_bytes(header)) + "." + b64url(payload)
    signature = private_key.sign(signing_input.encode("ascii"))
    return signing_input + "." + b64url(signature)


@dataclass(frozen=True)
class ParsedJws:
    header: dict
    payload: bytes
    signature: bytes
    signing_input: bytes


def jws_compact_parse(token: str) -> ParsedJws:
    """Split and decode a compact JWS without checking it; :class:`VcJwtError` when malformed."""
    token = (token or "").strip()
    if len(token) > MAX_JWT_CHARS:
        raise VcJwtError("the token is too large to be a credential")
    parts = token.split(".")
    if len(parts) != 3 or not all(parts[:2]):
        raise VcJwtError("the data is not a JWT (three base64url parts separated by dots)")
    try:
        header = json.loads(b64url_decode(parts[0]))
        payload = b64url_decode(parts[1])
        signature = b64url_decode(parts[2])
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:  # RecursionError: JSON nested too deep
        raise VcJwtError("the JWT is not valid base64url/JSON") from exc
    if not isinstance(header, dict):
        raise VcJwtError("the JWT header is not a JSON object")
    return ParsedJws(
        header=header, payload=payload, signature=signature, signing_input=f"{parts[0]}.{parts[1]}".encode("ascii")
    )


def vc_jwt_sign(credential: dict, *, kid: str, private_key: Ed25519PrivateKey) -> str:
    """``credential`` as a VC-JWT (``application/vc+jwt``) signed by ``private_key`` named ``kid``."""
    header = {"alg": "EdDSA", "kid": kid, "typ": JWT_TYP, "cty": JWT_CTY}
    return jws_compact_sign(header, _json_bytes(credential), private_key)


@dataclass(frozen=True)
class VerifiedVcJwt:
    credential: dict
    kid: str


def vc_jwt_verify(token: str, public_keys: Mapping[str, Ed25519PublicKey]) -> VerifiedVcJwt:
    """Check a VC-JWT's header and signature; return the credential and the kid that signed.

    Checks, in order: compact JWS form; ``alg`` EdDSA; ``typ`` ``vc+jwt`` (or
    ``application/vc+jwt``); no ``crit`` extension; ``kid`` among ``public_keys`` (e.g.
    :func:`certificates.keys.public_keys` or :func:`certificates.keys.keys_from_jwks`);
    the Ed25519 signature; a JSON-object payload typed ``VerifiableCredential``. Dates are
    not checked here (see :func:`credential_date_problems`). Raises :class:`VcJwtError`.
    """
    parsed = jws_compact_parse(token)
    header = parsed.header
    if header.get("alg") != "EdDSA":
        raise VcJwtError(f"the JWT is not signed with EdDSA (alg is {header.get('alg')!r})")
    typ = str(header.get("typ", ""))
    if typ.lower() not in (JWT_TYP, MEDIA_TYPE):
        raise VcJwtError(f"the JWT is not a verifiable credential (typ is {typ!r}, expected {JWT_TYP!r})")
    if "crit" in header:
        raise VcJwtError("the JWT uses critical header extensions this verifier does not understand")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise VcJwtError("the JWT does not name its signing key (no kid)")
    public_key = public_keys.get(kid)
    if public_key is None:
        raise VcJwtError(f"the credential was signed with an unknown key ({kid})")
    try:
        public_key.verify(parsed.signature, parsed.signing_input)
    except InvalidSignature as exc:
        raise VcJwtError(f"the signature does not verify with key {kid}: the signed data was changed") from exc
    try:
        credential = json.loads(parsed.payload)
    except (ValueError, UnicodeDecodeError) as exc:
        raise VcJwtError("the signed payload is not JSON") from exc
    if not isinstance(credential, dict) or "VerifiableCredential" not in _types(credential):
        raise VcJwtError("the signed payload is not a verifiable credential")
    return VerifiedVcJwt(credential=credential, kid=kid)


def _types(value: dict) -> list:
    """A ``type`` property as a list (JSON-LD allows a single string)."""
    types = value.get("type")
    return types if isinstance(types, list) else [types]


def _instant(value: object, name: str) -> datetime.datetime:
    try:
        moment = datetime.datetime.fromisoformat(str(value))
    except ValueError as exc:
        raise VcJwtError(f"the credential's {name} is not a date and time") from exc
    if moment.tzinfo is None:
        raise VcJwtError(f"the credential's {name} has no time zone")
    return moment


def credential_date_problems(credential: dict, *, now: datetime.datetime) -> list[str]:
    """Why ``credential`` is not valid at ``now`` (aware datetime): before ``validFrom``,
    after ``validUntil``, or a malformed date. Empty list: within its validity period."""
    problems: list[str] = []
    try:
        if "validFrom" in credential:
            valid_from = _instant(credential["validFrom"], "validFrom")
            if now < valid_from:
                problems.append(f"the credential is not valid before {valid_from.isoformat()} (validFrom)")
        if "validUntil" in credential:
            valid_until = _instant(credential["validUntil"], "validUntil")
            if now > valid_until:
                problems.append(
                    f"the credential expired on {valid_until.astimezone(TASHKENT).date().isoformat()} (validUntil)"
                )
    except VcJwtError as error:
        problems.append(str(error))
    return problems


def certificate_vc_jwt(certificate: Certificate) -> str:
    """The OpenBadgeCredential of ``certificate`` signed now with the active key (VC-JWT text)."""
    key = keys.active_key()
    return vc_jwt_sign(open_badge_credential(certificate), kid=key.kid, private_key=key.private_key)
