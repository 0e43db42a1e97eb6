"""The signed credential: a CWT in a COSE_Sign1 (RFC 9052 / RFC 8392), signed with Ed25519.

Shape (CBOR)::

    18([                                  # COSE_Sign1 tag
      << {1: -8, 4: h'<kid, 8 bytes>'} >>, # protected header: alg EdDSA, kid
      {},                                  # unprotected header
      << {                                 # payload: CWT claims
        7: h'<code, 10 bytes>',            #   cti: the verification code's 80 bits
        "sn": "EGOV-2026-000123",          #   serial
        "nm": "Oʻgʻiloy Toʻxtayeva",       #   holder's name exactly as printed (NFC)
        "ql": "...",                       #   qualification, Uzbek
        "io": "2026-03-05",                #   issued on (Asia/Tashkent date)
        "eo": "2029-03-05"                 #   expires on; absent when it never expires
      } >>,
      h'<Ed25519 signature, 64 bytes>'     # over Sig_structure ["Signature1", protected, h'', payload]
    ])

The custom claims use short text keys (RFC 8392 allows text claim names) to keep the QR
code small. In the QR code and in the database the COSE_Sign1 bytes travel as RFC 4648
base32 without padding: its 32 characters are all in the QR alphanumeric set and are safe
in a URL path. The kid is the 8-byte form of :func:`certificates.keys.kid_for` (base64url
in the JWKS). Signing and verifying are pure: keys are passed in.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

import cbor2
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from .codes import code_from_bytes, code_to_bytes
from .keys import b64url, b64url_decode

COSE_SIGN1_TAG = 18
HEADER_ALG = 1
HEADER_KID = 4
ALG_EDDSA = -8
CLAIM_CTI = 7


class CredentialError(ValueError):
    """The credential cannot be trusted; ``str(error)`` says why, in words for a person."""


@dataclass(frozen=True)
class Claims:
    """What the credential vouches for. Dates are Asia/Tashkent calendar dates."""

    code: str
    serial: str
    holder_name: str
    qualification_uz: str
    issued_on: datetime.date
    expires_on: datetime.date | None


@dataclass(frozen=True)
class VerifiedCredential:
    claims: Claims
    kid: str


def _payload(claims: Claims) -> bytes:
    body: dict[object, object] = {
        CLAIM_CTI: code_to_bytes(claims.code),
        "sn": claims.serial,
        "nm": unicodedata.normalize("NFC", claims.holder_name),
        "ql": unicodedata.normalize("NFC", claims.qualification_uz),
        "io": claims.issued_on.isoformat(),
    }
    if claims.expires_on is not None:
        body["eo"] = claims.expires_on.isoformat()
    return cbor2.dumps(body)


def _sig_structure(protected: bytes, payload: bytes) -> bytes:
    return cbor2.dumps(["Signature1", protected, b"", payload])


def credential_sign(claims: Claims, *, kid: str, private_key: Ed25519PrivateKey) -> bytes:
    """The COSE_Sign1 bytes of ``claims`` signed by ``private_key`` (whose kid is ``kid``)."""
    protected = cbor2.dumps({HEADER_ALG: ALG_EDDSA, HEADER_KID: b64url_decode(kid)})
    payload = _payload(claims)
    signature = private_key.sign(_sig_structure(protected, payload))
    return cbor2.dumps(cbor2.CBORTag(COSE_SIGN1_TAG, [protected, {}, payload, signature]))


def _date(value: object, name: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError as exc:
        raise CredentialError(f"the signed {name} is not a date") from exc


def credential_verify(token: bytes, keys: Mapping[str, Ed25519PublicKey]) -> VerifiedCredential:
    """Check the signature of a COSE_Sign1 credential and return its claims.

    ``keys``: public keys by kid (base64url), e.g. :func:`certificates.keys.public_keys`
    or the keys of a JWKS. Raises :class:`CredentialError` saying what is wrong: not a
    credential, unsupported algorithm, unknown key, signature does not verify, bad claims.
    """
    try:
        decoded = cbor2.loads(token)
    except Exception as exc:  # cbor2 raises several types for garbage
        raise CredentialError("the data is not a signed credential (not CBOR)") from exc
    if not isinstance(decoded, cbor2.CBORTag) or decoded.tag != COSE_SIGN1_TAG:
        raise CredentialError("the data is not a signed credential (not a COSE_Sign1)")
    parts = decoded.value
    if not (isinstance(parts, list | tuple) and len(parts) == 4 and isinstance(parts[0], bytes)):
        raise CredentialError("the signed credential is malformed")
    protected_bytes, _unprotected, payload, signature = parts
    if not isinstance(payload, bytes) or not isinstance(signature, bytes):
        raise CredentialError("the signed credential is malformed")
    try:
        protected = cbor2.loads(protected_bytes)
    except Exception as exc:
        raise CredentialError("the signed credential's header is malformed") from exc
    if not isinstance(protected, Mapping) or protected.get(HEADER_ALG) != ALG_EDDSA:
        raise CredentialError("the credential is not signed with Ed25519 (EdDSA)")
    kid_bytes = protected.get(HEADER_KID)
    if not isinstance(kid_bytes, bytes):
        raise CredentialError("the credential does not name its signing key")
    kid = b64url(kid_bytes)
    public_key = keys.get(kid)
    if public_key is None:
        raise CredentialError(f"the credential was signed with an unknown key ({kid})")
    try:
        public_key.verify(signature, _sig_structure(protected_bytes, payload))
    except InvalidSignature as exc:
        raise CredentialError(f"the signature does not verify with key {kid}: the signed data was changed") from exc
    try:
        body = cbor2.loads(payload)
        claims = Claims(
            code=code_from_bytes(body[CLAIM_CTI]),
            serial=str(body["sn"]),
            holder_name=str(body["nm"]),
            qualification_uz=str(body["ql"]),
            issued_on=_date(body["io"], "issue date"),
            expires_on=_date(body["eo"], "expiry date") if "eo" in body else None,
        )
    except CredentialError:
        raise
    except Exception as exc:
        raise CredentialError("the signed credential's claims are malformed") from exc
    return VerifiedCredential(claims=claims, kid=kid)


def credential_to_text(token: bytes) -> str:
    """RFC 4648 base32, upper case, no padding: QR-alphanumeric and URL-safe."""
    return base64.b32encode(token).decode("ascii").rstrip("=")


def credential_from_text(text: str) -> bytes:
    """Inverse of :func:`credential_to_text` (case-insensitive); ``CredentialError`` if not base32."""
    cleaned = text.strip().upper()
    try:
        return base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))
    except (binascii.Error, ValueError) as exc:
        raise CredentialError("the signed credential is not valid base32") from exc


def claims_mismatches(expected: Claims, signed: Claims) -> list[str]:
    """Human-readable differences between what is shown and what is signed (empty: they agree)."""
    labels = {
        "code": "verification code",
        "serial": "serial number",
        "holder_name": "name",
        "qualification_uz": "qualification",
        "issued_on": "issue date",
        "expires_on": "expiry date",
    }
    problems = []
    for field, label in labels.items():
        shown, sealed = getattr(expected, field), getattr(signed, field)
        if isinstance(shown, str):
            shown, sealed = unicodedata.normalize("NFC", shown), unicodedata.normalize("NFC", str(sealed))
        if shown != sealed:
            problems.append(f"{label} on the certificate does not match the signed {label}")
    return problems
