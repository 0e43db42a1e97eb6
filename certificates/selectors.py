"""Reads: finding certificates and composing what a verifier is told about one."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import transaction
from django.db.models import QuerySet

from . import keys
from .codes import code_normalize
from .models import Certificate, CertificateStatus, tashkent_today
from .signing import Claims, CredentialError, claims_mismatches, credential_from_text, credential_verify


def certificate_by_code(*, code: str) -> Certificate | None:
    """The certificate with verification ``code`` as typed (normalised first), or ``None``.

    A malformed code and an unknown one give the same ``None``.
    """
    normalized = code_normalize(code)
    if normalized is None:
        return None
    # A unique lookup with .get(): no ORDER BY or LIMIT (which .first() adds), the index answers it alone.
    try:
        return Certificate.objects.select_related("superseded_by").get(verification_code=normalized)
    except Certificate.DoesNotExist:
        return None


def certificate_current_for_attempt(*, attempt_id: int) -> Certificate | None:
    """The attempt's certificate that is not superseded, or ``None``."""
    return Certificate.objects.filter(attempt_id=attempt_id, superseded_at__isnull=True).first()


def certificates_of(*, holder) -> QuerySet[Certificate]:
    """The holder's certificates, newest first, superseded ones included."""
    return Certificate.objects.filter(holder=holder).select_related("superseded_by", "exam")


def certificate_for_holder(*, holder, code: str) -> Certificate | None:
    """``holder``'s certificate with ``code``; ``None`` when it is someone else's or unknown."""
    normalized = code_normalize(code)
    if normalized is None or not getattr(holder, "is_authenticated", False):
        return None
    return Certificate.objects.filter(holder=holder, verification_code=normalized).first()


@dataclass(frozen=True)
class SignatureCheck:
    """Outcome of checking a signed credential against the register.

    ``ok``: the signature verifies with a published key and every signed field equals the
    register's; ``kid``: the key that signed (when known); ``problems``: why not, in words.
    """

    ok: bool
    kid: str | None
    problems: list[str] = field(default_factory=list)


def credential_check(*, credential_text: str, expected: Claims) -> SignatureCheck:
    """Verify a base32 credential with the published keys and compare it with ``expected``."""
    try:
        verified = credential_verify(credential_from_text(credential_text), keys.public_keys())
    except CredentialError as error:
        return SignatureCheck(ok=False, kid=None, problems=[str(error)])
    problems = claims_mismatches(expected, verified.claims)
    return SignatureCheck(ok=not problems, kid=verified.kid, problems=problems)


@dataclass(frozen=True)
class Verification:
    certificate: Certificate
    status: str
    today: datetime.date
    signature: SignatureCheck | None

    def as_api(self) -> dict:
        """The body of ``GET /api/v1/verify/<code>`` (CONTRACTS.md section 5)."""
        certificate = self.certificate
        return {
            "status": self.status,
            "serial": certificate.serial,
            "holder_name": certificate.holder_name,
            "qualification": certificate.qualification_uz,
            "issued_on": certificate.issued_on.isoformat(),
            "expires_on": certificate.expires_on.isoformat() if certificate.expires_on else None,
            "issuer": certificate.issuer_name,
            "revocation_reason": certificate.revocation_reason if self.status == CertificateStatus.REVOKED else None,
            "superseded_by": (
                certificate.superseded_by.verification_code
                if self.status == CertificateStatus.SUPERSEDED and certificate.superseded_by
                else None
            ),
        }


def certificate_verification(
    *, certificate: Certificate, today: datetime.date | None = None, check_signature: bool = True
) -> Verification:
    """Status on ``today`` (default: today in Asia/Tashkent) and, unless ``check_signature``
    is false, the check of the stored credential against the row and the published keys.
    """
    today = today or tashkent_today()
    signature = None
    if check_signature:
        signature = credential_check(credential_text=certificate.credential, expected=certificate.claims())
    return Verification(certificate=certificate, status=certificate.status_on(today), today=today, signature=signature)


# How long the body of ``GET /api/v1/verify/<code>`` is kept in the default cache (Redis in
# production). Revocation and reissue forget it at their commit (services.py); anything else
# that changes a certificate shows within this time.
VERIFY_CACHE_SECONDS = 60


def _verify_cache_key(code: str, today: datetime.date) -> str:
    # The day is in the key: a certificate expiring at midnight (Asia/Tashkent) is not served
    # as valid from yesterday's entry.
    return f"certificates:verify:v1:{code}:{today.isoformat()}"


def verification_body_cached(*, code: str, today: datetime.date | None = None) -> dict | None:
    """The body of ``GET /api/v1/verify/<code>`` (:meth:`Verification.as_api`) for ``code`` as
    typed, or ``None`` for a malformed or unknown code (never cached: a code issued later
    answers at once).

    Read from the default cache when there, otherwise computed with one query (no signature
    check, as the API) and kept for :data:`VERIFY_CACHE_SECONDS`. ``today`` defaults to today
    in Asia/Tashkent. A cache outage reads as a miss (``certify.cache``).
    """
    normalized = code_normalize(code)
    if normalized is None:
        return None
    today = today or tashkent_today()
    key = _verify_cache_key(normalized, today)
    body = cache.get(key)
    if body is not None:
        return body
    certificate = certificate_by_code(code=normalized)
    if certificate is None:
        return None
    body = certificate_verification(certificate=certificate, today=today, check_signature=False).as_api()
    cache.set(key, body, VERIFY_CACHE_SECONDS)
    return body


def verification_cache_forget(*, code: str) -> None:
    """Drop the cached verification bodies of ``code`` once the current transaction commits
    (at once outside one): called by every change of a certificate's status (revocation,
    supersession). Yesterday's and tomorrow's entries go too (requests near midnight).
    """
    today = tashkent_today()
    keys_ = [_verify_cache_key(code, today + datetime.timedelta(days=delta)) for delta in (-1, 0, 1)]
    transaction.on_commit(lambda: cache.delete_many(keys_))
