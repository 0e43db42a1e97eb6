"""Revocation published as a W3C Bitstring Status List v1.0, signed as VC-JWT.

Each certificate owns one bit: ``Certificate.status_list_index`` (its primary key, so
concurrent issuing never shares one). Bit ``i`` lives in list ``i // LIST_BITS`` at
position ``i % LIST_BITS``; positions count from the left-most (most significant) bit of
the first byte, as the standard says. A bit is 1 when the certificate is revoked or was
superseded by a reissue (both are final: the certificate must no longer be relied on);
0 otherwise. Expiry is not in the list: the credential's own ``validUntil`` says it.

Published at ``GET /status/revocation/<n>`` (``application/vc+jwt``: a
``BitstringStatusListCredential`` signed with the active Ed25519 key, kid in the JWKS) and
``GET /status/revocation/<n>.json`` (the same credential unsigned, for people). The list is
computed from the database on request (one query) and cached per list; revoking,
superseding or a regrade's revocation drops the cached list after commit
(:func:`status_list_invalidate`), and the cache also expires after ``CACHE_SECONDS``.

Privacy note: sequential indexes tell that certificate ``i`` was issued before ``i+1``;
the list itself holds only bits.
"""

from __future__ import annotations

import base64
import gzip
import io
from collections.abc import Iterable

from django.core.cache import cache
from django.db import models, transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from . import keys
from .models import Certificate

PURPOSE = "revocation"
# 16 KB: the smallest list the standard allows (herd privacy); 131,072 certificates per list.
LIST_BITS = 131_072
CACHE_SECONDS = 300
# A decoder refuses a list that inflates beyond this (a gzip bomb); 16 MB = 128 Mi entries.
MAX_DECODED_BYTES = 16 * 1024 * 1024


def status_index_of(certificate: Certificate) -> int:
    """The certificate's bit: ``status_list_index``, or its primary key for a row bulk-created without it."""
    return certificate.status_list_index if certificate.status_list_index is not None else certificate.pk


def status_list_url(list_number: int) -> str:
    """The public URL of list ``list_number`` (its ``statusListCredential``)."""
    from .openbadges import site_url

    return f"{site_url()}/status/{PURPOSE}/{list_number}"


def status_entry(index: int) -> dict:
    """The ``BitstringStatusListEntry`` of bit ``index`` (a credential's ``credentialStatus``).

    ``statusListIndex`` is a string of the position inside its list, as the standard asks.
    """
    list_number, position = divmod(index, LIST_BITS)
    url = status_list_url(list_number)
    return {
        "id": f"{url}#{position}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": PURPOSE,
        "statusListIndex": str(position),
        "statusListCredential": url,
    }


def bitstring_encode(positions: Iterable[int], *, size_bits: int = LIST_BITS) -> str:
    """``encodedList``: multibase base64url (``u`` prefix, no padding) of the GZIP of the bitstring.

    ``positions``: the bits set to 1, each in ``[0, size_bits)`` (``ValueError`` otherwise);
    ``size_bits`` a multiple of 8. Bit 0 is the most significant bit of byte 0. The GZIP
    header carries no time stamp, so the same bits always encode to the same text.
    """
    if size_bits % 8:
        raise ValueError("the bitstring length must be a whole number of bytes")
    bits = bytearray(size_bits // 8)
    for position in positions:
        if not 0 <= position < size_bits:
            raise ValueError(f"status position {position} is outside the list of {size_bits} bits")
        bits[position // 8] |= 0x80 >> (position % 8)
    compressed = gzip.compress(bytes(bits), compresslevel=9, mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode("ascii")


def bitstring_decode(encoded: str, *, max_bytes: int = MAX_DECODED_BYTES) -> bytes:
    """The bitstring of an ``encodedList``; ``ValueError`` when it is not multibase base64url
    GZIP, or inflates beyond ``max_bytes``."""
    if not encoded.startswith("u"):
        raise ValueError("encodedList is not multibase base64url (no 'u' prefix)")
    body = encoded[1:]
    try:
        compressed = base64.b64decode(body + "=" * (-len(body) % 4), altchars=b"-_", validate=True)
    except ValueError as exc:
        raise ValueError("encodedList is not valid base64url") from exc
    if not compressed:
        raise ValueError("encodedList is empty")
    decompressor = gzip.GzipFile(fileobj=io.BytesIO(compressed))
    try:
        data = decompressor.read(max_bytes + 1)
    except (OSError, EOFError) as exc:
        raise ValueError("encodedList is not GZIP data") from exc
    if len(data) > max_bytes:
        raise ValueError("encodedList inflates beyond the allowed size")
    return data


def bit_is_set(bitstring: bytes, position: int) -> bool:
    """Whether bit ``position`` (0 = left-most bit of byte 0) is 1; ``IndexError`` past the end."""
    if position < 0 or position >= len(bitstring) * 8:
        raise IndexError(f"status position {position} is outside the list")
    return bool(bitstring[position // 8] & (0x80 >> (position % 8)))


def _indexed():
    return Certificate.objects.annotate(
        list_index=Coalesce("status_list_index", "pk", output_field=models.PositiveBigIntegerField())
    )


def status_list_exists(list_number: int) -> bool:
    """List 0 always exists; list ``n > 0`` once a certificate's index reaches it."""
    if list_number < 0:
        return False
    return list_number == 0 or _indexed().filter(list_index__gte=list_number * LIST_BITS).exists()


def revoked_positions(list_number: int) -> list[int]:
    """Positions set in list ``list_number``: revoked or superseded certificates (one query)."""
    start = list_number * LIST_BITS
    indexes = (
        _indexed()
        .filter(Q(revoked_at__isnull=False) | Q(superseded_at__isnull=False))
        .filter(list_index__gte=start, list_index__lt=start + LIST_BITS)
        .order_by()
        .values_list("list_index", flat=True)
    )
    return [index - start for index in indexes]


def status_list_credential(list_number: int) -> dict:
    """The unsigned ``BitstringStatusListCredential`` of list ``list_number``, valid from now (UTC)."""
    from .openbadges import VC_CONTEXT, issuer_profile

    url = status_list_url(list_number)
    return {
        "@context": [VC_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_profile()["id"],
        "validFrom": timezone.now().replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": PURPOSE,
            "encodedList": bitstring_encode(revoked_positions(list_number)),
        },
    }


def _cache_key(list_number: int) -> str:
    return f"certificates:status-list:{PURPOSE}:{list_number}"


def status_list_jwt(list_number: int) -> str | None:
    """The signed list (VC-JWT text), from the cache or computed; ``None`` when the list does not exist."""
    key = _cache_key(list_number)
    token = cache.get(key)
    if token is not None:
        return token
    if not status_list_exists(list_number):
        return None
    from .openbadges import vc_jwt_sign

    active = keys.active_key()
    token = vc_jwt_sign(status_list_credential(list_number), kid=active.kid, private_key=active.private_key)
    cache.set(key, token, CACHE_SECONDS)
    return token


def status_list_invalidate(*, index: int) -> None:
    """Drop the cached list holding bit ``index`` (call after the change is committed)."""
    cache.delete(_cache_key(index // LIST_BITS))


def status_list_changed(certificate: Certificate) -> None:
    """Schedule :func:`status_list_invalidate` for ``certificate``'s list after the current commit."""
    index = status_index_of(certificate)
    transaction.on_commit(lambda: status_list_invalidate(index=index))
