"""The hash chain of an integrity log: pure functions, no database.

Each entry's hash is SHA-256 (FIPS 180-4) over the canonical JSON of
``{"at": ..., "kind": ..., "payload": ..., "prev": ...}``: keys sorted, no insignificant
white space (``","`` and ``":"`` separators), UTF-8 without ``\\u`` escapes for non-ASCII
text, in the spirit of RFC 8785 (JSON Canonicalization Scheme) for the values used here
(strings, integers, booleans, null, lists and objects; no floats, see :func:`clean_payload`).
``at`` is ISO 8601 in UTC with microseconds (``2026-05-01T09:30:00.123456+00:00``).

The first entry's previous hash is :func:`genesis_hash` of the attempt id, so an entry
cannot be moved into another attempt's log unnoticed. A change to any entry breaks its hash;
a removed or inserted entry breaks the links and the sequence; a removed tail is caught by
comparing with the head stored apart from the entries (:class:`ChainReport`).
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal


def canonical_json(value) -> bytes:
    """The canonical UTF-8 JSON bytes of ``value`` (sorted keys, compact, no ASCII escaping)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def _plain(value):
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float | Decimal):
        # Floats do not survive every JSON round trip bit for bit; decimals are not JSON.
        return str(value)
    if isinstance(value, datetime.datetime):
        return at_text(value)
    return str(value)


def clean_payload(payload: dict | None) -> dict:
    """``payload`` reduced to JSON values that round-trip exactly (numbers other than ints,
    dates and other objects become strings)."""
    return _plain(dict(payload or {}))


def at_text(at: datetime.datetime) -> str:
    """``at`` (aware) as ISO 8601 in UTC with microseconds. Raises ``ValueError`` if naive."""
    if at.tzinfo is None:
        raise ValueError("integrity times must be aware")
    return at.astimezone(datetime.UTC).isoformat(timespec="microseconds")


def genesis_hash(attempt_id: int) -> str:
    """The "previous hash" of an attempt's first entry: SHA-256 of ``certify:attempt:<id>``."""
    return hashlib.sha256(f"certify:attempt:{int(attempt_id)}".encode()).hexdigest()


def entry_hash(*, prev_hash: str, kind: str, payload: dict, at: datetime.datetime) -> str:
    """SHA-256 (hex, 64 digits) of the canonical JSON of (previous hash, kind, payload, at)."""
    document = {"prev": prev_hash, "kind": kind, "payload": payload, "at": at_text(at)}
    return hashlib.sha256(canonical_json(document)).hexdigest()


@dataclass(frozen=True)
class Link:
    """What the chain check needs of one stored entry."""

    seq: int
    kind: str
    payload: dict
    at: datetime.datetime
    prev_hash: str
    hash: str


@dataclass
class ChainReport:
    """The outcome of :func:`chain_verify`.

    ``ok``: every entry's hash recomputes, each links to the one before, the sequence runs
    1..n without a gap, and the last entry is the stored head. ``broken_at``: the ``seq``
    of the first bad entry (or ``None``). ``problems``: what is wrong, in words (English,
    for the evidence file and the examiner's page).
    """

    ok: bool
    count: int
    head_hash: str
    broken_at: int | None = None
    problems: list[str] = field(default_factory=list)


def chain_verify(
    *, attempt_id: int, links: Iterable[Link], head_seq: int | None = None, head_hash: str | None = None
) -> ChainReport:
    """Check an attempt's entries (in ``seq`` order) against each other and the stored head.

    ``head_seq`` / ``head_hash``: the head recorded apart from the entries (``None``: not
    checked). Returns a :class:`ChainReport`; never raises for a broken chain.
    """
    problems: list[str] = []
    broken_at: int | None = None
    expected_prev = genesis_hash(attempt_id)
    count = 0
    last_hash = ""
    for expected_seq, link in enumerate(links, start=1):
        count += 1
        here: list[str] = []
        if link.seq != expected_seq:
            here.append(f"entry {link.seq}: expected sequence number {expected_seq} (an entry is missing or added)")
        if link.prev_hash != expected_prev:
            here.append(f"entry {link.seq}: does not link to the entry before it")
        recomputed = entry_hash(prev_hash=link.prev_hash, kind=link.kind, payload=link.payload, at=link.at)
        if recomputed != link.hash:
            here.append(f"entry {link.seq}: its content does not match its hash (changed after it was written)")
        if here and broken_at is None:
            broken_at = link.seq
        problems.extend(here)
        expected_prev = link.hash
        last_hash = link.hash
    if head_seq is not None and head_seq != count:
        problems.append(f"the log has {count} entries but its head records {head_seq} (entries removed or added)")
        broken_at = broken_at if broken_at is not None else min(count, head_seq) + 1
    if head_hash is not None and head_hash != last_hash:
        problems.append("the last entry is not the recorded head of the log")
        broken_at = broken_at if broken_at is not None else count
    return ChainReport(ok=not problems, count=count, head_hash=last_hash, broken_at=broken_at, problems=problems)
