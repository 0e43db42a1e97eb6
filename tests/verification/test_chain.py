"""The integrity log's hash chain, as pure functions: any change is detected."""

import dataclasses
import datetime
import hashlib
import json

from verification.chain import Link, canonical_json, chain_verify, clean_payload, entry_hash, genesis_hash

T0 = datetime.datetime(2026, 5, 1, 9, 30, tzinfo=datetime.UTC)


def _chain(attempt_id=7, n=4):
    links, prev = [], genesis_hash(attempt_id)
    for seq in range(1, n + 1):
        payload = {"position": seq, "note": "Oʻzbekiston"}
        at = T0 + datetime.timedelta(seconds=seq)
        digest = entry_hash(prev_hash=prev, kind="save", payload=payload, at=at)
        links.append(Link(seq=seq, kind="save", payload=payload, at=at, prev_hash=prev, hash=digest))
        prev = digest
    return links


def test_the_hash_is_sha256_of_the_canonical_json_of_prev_kind_payload_and_at():
    payload = {"b": 1, "a": "oʻ"}
    document = {"at": "2026-05-01T09:30:00.000000+00:00", "kind": "start", "payload": payload, "prev": "0" * 64}
    expected = hashlib.sha256(
        json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    ).hexdigest()
    assert entry_hash(prev_hash="0" * 64, kind="start", payload=payload, at=T0) == expected
    assert canonical_json({"b": 1, "a": "oʻ"}) == '{"a":"oʻ","b":1}'.encode()


def test_an_intact_chain_verifies_with_its_head():
    links = _chain()
    report = chain_verify(attempt_id=7, links=links, head_seq=4, head_hash=links[-1].hash)
    assert report.ok and report.count == 4 and report.problems == []


def test_a_changed_payload_is_detected_at_that_entry():
    links = _chain()
    links[1] = dataclasses.replace(links[1], payload={"position": 99, "note": "Oʻzbekiston"})
    report = chain_verify(attempt_id=7, links=links, head_seq=4, head_hash=links[-1].hash)
    assert not report.ok and report.broken_at == 2


def test_a_changed_time_or_kind_is_detected():
    for change in ({"at": T0}, {"kind": "focus_back"}):
        links = _chain()
        links[2] = dataclasses.replace(links[2], **change)
        assert chain_verify(attempt_id=7, links=links).broken_at == 3


def test_a_removed_entry_in_the_middle_is_detected():
    links = _chain()
    del links[1]
    report = chain_verify(attempt_id=7, links=links, head_seq=4, head_hash=_chain()[-1].hash)
    assert not report.ok and report.broken_at == 3  # the entry after the gap


def test_a_removed_tail_is_detected_by_the_stored_head():
    links = _chain()
    head = links[-1].hash
    report = chain_verify(attempt_id=7, links=links[:-1], head_seq=4, head_hash=head)
    assert not report.ok
    assert any("head" in problem for problem in report.problems)


def test_a_rehashed_forgery_still_fails_against_the_stored_head():
    """Recomputing every hash after a change makes the entries consistent, but not the head."""
    links = _chain()
    head = links[-1].hash
    forged, prev = [], genesis_hash(7)
    for link in links:
        payload = {**link.payload, "note": "changed"} if link.seq == 2 else link.payload
        digest = entry_hash(prev_hash=prev, kind=link.kind, payload=payload, at=link.at)
        forged.append(dataclasses.replace(link, payload=payload, prev_hash=prev, hash=digest))
        prev = digest
    assert chain_verify(attempt_id=7, links=forged).ok  # self-consistent...
    assert not chain_verify(attempt_id=7, links=forged, head_seq=4, head_hash=head).ok  # ...but not the head


def test_a_chain_moved_to_another_attempt_does_not_verify():
    assert chain_verify(attempt_id=8, links=_chain(attempt_id=7)).broken_at == 1


def test_payloads_are_reduced_to_values_that_round_trip():
    from decimal import Decimal

    cleaned = clean_payload({"score": Decimal("2.5000"), "ratio": 0.1, "at": T0, "n": 3, "ok": True})
    assert cleaned == {"score": "2.5000", "ratio": "0.1", "at": "2026-05-01T09:30:00.000000+00:00", "n": 3, "ok": True}
