"""Appending to an attempt's integrity log, observing requests, checking and exporting the chain.

The log is fed by the attempt's life (start, submit and final, through ``post_save`` of the
attempt), by the candidate's requests (saves; changes of network address, device or session,
seen by :class:`verification.middleware.IntegrityMiddleware`), by the attempt page's beacon
(focus lost and back, offline and reconnected) and by staff (proctor actions, overrides,
appeal decisions, sign-off).
"""

from __future__ import annotations

import datetime
import hashlib
from ipaddress import ip_address

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from exams.models import Attempt

from ..chain import ChainReport, Link, chain_verify, clean_payload, entry_hash, genesis_hash
from ..models import FLAG_KINDS, IntegrityChain, IntegrityEntry, IntegrityKind

#: Evidence file format (``format`` / ``version`` keys of :func:`integrity_evidence`).
EVIDENCE_FORMAT = "certify-integrity-evidence"
EVIDENCE_VERSION = 1

#: Events the attempt page's beacon may report, with the payload keys kept from it.
BEACON_KINDS = {
    IntegrityKind.FOCUS_LOST: ("page", "hidden"),
    IntegrityKind.FOCUS_BACK: ("page", "away_seconds"),
    IntegrityKind.OFFLINE: ("page",),
    IntegrityKind.RECONNECTED: ("page", "offline_seconds"),
}


def _chain_locked(attempt_id: int) -> IntegrityChain:
    """The attempt's chain row, created if missing, locked for this transaction."""
    chain = IntegrityChain.objects.select_for_update().filter(attempt_id=attempt_id).first()
    if chain is not None:
        return chain
    try:
        with transaction.atomic():
            IntegrityChain.objects.create(attempt_id=attempt_id)
    except IntegrityError:
        pass  # created meanwhile by a concurrent append: lock that one
    return IntegrityChain.objects.select_for_update().get(attempt_id=attempt_id)


@transaction.atomic
def integrity_append(
    *, attempt_id: int, kind: str, payload: dict | None = None, at: datetime.datetime | None = None
) -> IntegrityEntry:
    """Append one entry to the log of attempt ``attempt_id``; returns it.

    ``kind``: one of :class:`~verification.models.IntegrityKind`; ``payload``: a JSON object
    (cleaned by :func:`verification.chain.clean_payload`); ``at``: aware, default now. The
    chain row is locked, so concurrent appends to one attempt are serialized and the
    sequence has no gap. Raises ``ValueError`` for an unknown kind.
    """
    if kind not in IntegrityKind.values:
        raise ValueError(f"unknown integrity entry kind {kind!r}")
    at = at or timezone.now()
    payload = clean_payload(payload)
    chain = _chain_locked(attempt_id)
    prev_hash = chain.head_hash or genesis_hash(attempt_id)
    entry = IntegrityEntry(
        attempt_id=attempt_id,
        seq=chain.head_seq + 1,
        kind=kind,
        payload=payload,
        at=at,
        prev_hash=prev_hash,
        hash=entry_hash(prev_hash=prev_hash, kind=kind, payload=payload, at=at),
    )
    entry.save(force_insert=True)
    chain.head_seq, chain.head_hash = entry.seq, entry.hash
    chain.flag_count += 1 if kind in FLAG_KINDS else 0
    chain.save(update_fields=["head_seq", "head_hash", "flag_count"])
    return entry


def integrity_begin(*, attempt_id: int, payload: dict, seen: dict | None = None, at=None) -> IntegrityEntry:
    """The first entry of a new attempt's log ("start"), with the chain row: two inserts, in
    the transaction that creates the attempt (the start path is the exam day's hot path).
    ``seen``: :func:`request_fingerprint` of the request that started it, the baseline for
    later changes. Raises ``IntegrityError`` if the attempt already has a log."""
    at = at or timezone.now()
    payload = clean_payload(payload)
    prev_hash = genesis_hash(attempt_id)
    entry = IntegrityEntry(
        attempt_id=attempt_id,
        seq=1,
        kind=IntegrityKind.START,
        payload=payload,
        at=at,
        prev_hash=prev_hash,
        hash=entry_hash(prev_hash=prev_hash, kind=IntegrityKind.START, payload=payload, at=at),
    )
    seen = seen or {}
    IntegrityChain.objects.create(
        attempt_id=attempt_id,
        head_seq=1,
        head_hash=entry.hash,
        last_ip=seen.get("ip"),
        last_device=seen.get("device", ""),
        last_session=seen.get("session", ""),
        last_seen_at=at if seen else None,
    )
    entry.save(force_insert=True)
    return entry


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16] if text else ""


def request_fingerprint(request) -> dict:
    """``{"ip": str|None, "device": str, "session": str}`` of a request.

    ``ip`` comes from the header named by ``RATELIMIT_IP_META_KEY`` (the proxy's client address
    header behind a reverse proxy, ``REMOTE_ADDR`` otherwise; the first address of a list);
    ``device`` and ``session`` are 16-hex-digit SHA-256 digests of the User-Agent and of the
    session key, so the log identifies a change without storing either.
    """
    raw = request.META.get(getattr(settings, "RATELIMIT_IP_META_KEY", "REMOTE_ADDR"), "") or ""
    raw = raw.split(",")[0].strip()
    try:
        ip = str(ip_address(raw))
    except ValueError:
        ip = None
    session_key = getattr(getattr(request, "session", None), "session_key", "") or ""
    return {
        "ip": ip,
        "device": _digest(request.META.get("HTTP_USER_AGENT", "")),
        "session": _digest(session_key),
    }


def login_method(request) -> dict:
    """How the request's session was signed in, from allauth's authentication records:
    ``{"method": "socialaccount", "provider": "...", "uid": "..."}``, ``{"method": "password"}``
    or ``{"method": "unknown"}``. The last record counts (a reauthentication replaces it)."""
    from allauth.account.authentication import get_authentication_records

    try:
        records = get_authentication_records(request, getattr(request, "user", None))
    except Exception:
        records = []
    primary = [record for record in records if record.get("method") in ("password", "code", "socialaccount")]
    if not primary:
        return {"method": "unknown"}
    last = primary[-1]
    found = {"method": last["method"]}
    if last["method"] == "socialaccount":
        found.update(provider=str(last.get("provider", "")), uid=str(last.get("uid", "")))
    return found


@transaction.atomic
def request_observe(
    *,
    request,
    attempt_id: int,
    kind: str | None = None,
    payload: dict | None = None,
    now: datetime.datetime | None = None,
) -> list[IntegrityEntry]:
    """Record what one request of the candidate shows: a change of network address, device or
    session since the last request (one entry each), then the event ``kind`` (if any).

    Returns the entries appended. The first request of an attempt only sets the baseline (the
    start entry carries it).
    """
    now = now or timezone.now()
    seen = request_fingerprint(request)
    chain = _chain_locked(attempt_id)
    appended = []
    if chain.last_seen_at is not None:
        changes = (
            (IntegrityKind.IP_CHANGED, "last_ip", "ip"),
            (IntegrityKind.DEVICE_CHANGED, "last_device", "device"),
            (IntegrityKind.SESSION_CHANGED, "last_session", "session"),
        )
        for change_kind, field, key in changes:
            before = getattr(chain, field) or None
            if seen[key] and before != seen[key]:
                appended.append(
                    integrity_append(attempt_id=attempt_id, kind=change_kind, payload={"from": before, "to": seen[key]})
                )
    if kind is not None:
        appended.append(integrity_append(attempt_id=attempt_id, kind=kind, payload=payload, at=now))
    # Appends above saved the head; fetch it again before writing what was seen.
    IntegrityChain.objects.filter(attempt_id=attempt_id).update(
        last_ip=seen["ip"], last_device=seen["device"], last_session=seen["session"], last_seen_at=now
    )
    return appended


def beacon_record(*, request, attempt: Attempt, kind: str, data: dict) -> IntegrityEntry:
    """Record one event reported by the attempt page's beacon. Only the keys listed in
    :data:`BEACON_KINDS` are kept, each as a short string or a small integer. Raises
    ``ValueError`` for a kind the beacon may not report."""
    if kind not in BEACON_KINDS:
        raise ValueError(f"the beacon cannot report {kind!r}")
    payload = {}
    for key in BEACON_KINDS[kind]:
        value = data.get(key)
        if isinstance(value, bool) or value is None:
            continue
        if isinstance(value, int):
            payload[key] = max(0, min(value, 10**7))
        elif isinstance(value, str):
            payload[key] = value[:40]
    entries = request_observe(request=request, attempt_id=attempt.pk, kind=kind, payload=payload)
    return entries[-1]


def _links(attempt_id: int) -> list[Link]:
    return [
        Link(seq=e.seq, kind=e.kind, payload=e.payload, at=e.at, prev_hash=e.prev_hash, hash=e.hash)
        for e in IntegrityEntry.objects.filter(attempt_id=attempt_id).order_by("seq")
    ]


def integrity_check(*, attempt_id: int) -> ChainReport:
    """Verify attempt ``attempt_id``'s log: every hash, every link, and the stored head."""
    chain = IntegrityChain.objects.filter(attempt_id=attempt_id).first()
    return chain_verify(
        attempt_id=attempt_id,
        links=_links(attempt_id),
        head_seq=chain.head_seq if chain else 0,
        head_hash=chain.head_hash if chain else "",
    )


def integrity_evidence(*, attempt: Attempt, now: datetime.datetime | None = None) -> dict:
    """The evidence file of one attempt: a JSON object with the whole chain and how to check it.

    ``{"format": "certify-integrity-evidence", "version": 1, "exported_at", "attempt": {...},
    "hash": {"algorithm", "input", "genesis"}, "head": {"seq", "hash"}, "check": {"ok",
    "problems"}, "entries": [{"seq", "kind", "at", "payload", "prev_hash", "hash"}, ...]}``.
    Anyone can recompute every hash from the entries with the rule in ``hash.input``.
    """
    now = now or timezone.now()
    links = _links(attempt.pk)
    chain = IntegrityChain.objects.filter(attempt_id=attempt.pk).first()
    report = chain_verify(
        attempt_id=attempt.pk,
        links=links,
        head_seq=chain.head_seq if chain else 0,
        head_hash=chain.head_hash if chain else "",
    )
    from ..chain import at_text

    return {
        "format": EVIDENCE_FORMAT,
        "version": EVIDENCE_VERSION,
        "exported_at": at_text(now),
        "attempt": {
            "id": attempt.pk,
            "exam": attempt.exam.code,
            "number": attempt.number,
            "candidate": attempt.candidate.display_name,
            "candidate_email": attempt.candidate.email,
            "started_at": at_text(attempt.started_at),
            "submitted_at": at_text(attempt.submitted_at) if attempt.submitted_at else None,
            "final_at": at_text(attempt.final_at) if attempt.final_at else None,
            "score": str(attempt.score) if attempt.score is not None else None,
            "max_score": str(attempt.max_score) if attempt.max_score is not None else None,
            "passed": attempt.passed,
        },
        "hash": {
            "algorithm": "SHA-256",
            "input": (
                'canonical JSON (sorted keys, separators "," and ":", UTF-8, no ASCII escaping) of '
                '{"prev": prev_hash, "kind": kind, "payload": payload, "at": at}'
            ),
            "genesis": f"SHA-256 of 'certify:attempt:{attempt.pk}' = {genesis_hash(attempt.pk)}",
        },
        "head": {"seq": chain.head_seq if chain else 0, "hash": chain.head_hash if chain else ""},
        "check": {"ok": report.ok, "problems": report.problems},
        "entries": [
            {
                "seq": link.seq,
                "kind": link.kind,
                "at": at_text(link.at),
                "payload": link.payload,
                "prev_hash": link.prev_hash,
                "hash": link.hash,
            }
            for link in links
        ],
    }
