"""The integrity log of an attempt: fed by the attempt's life and requests, append-only in the
ORM and in the database, tampering detected, exported as an evidence file."""

import json

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from exams.services import attempts as attempt_services
from verification.chain import entry_hash
from verification.models import IntegrityChain, IntegrityEntry
from verification.services.integrity import integrity_append, integrity_check, integrity_evidence

from .conftest import sit

pytestmark = pytest.mark.django_db


@pytest.fixture
def attempt(exam, candidate, django_capture_on_commit_callbacks):
    return sit(exam, candidate, right=4, capture=django_capture_on_commit_callbacks)


def _kinds(attempt):
    return list(IntegrityEntry.objects.filter(attempt=attempt).values_list("kind", flat=True))


def test_start_submit_and_final_are_logged_in_order(attempt):
    assert _kinds(attempt) == ["start", "submit", "final"]
    assert integrity_check(attempt_id=attempt.pk).ok
    final = IntegrityEntry.objects.get(attempt=attempt, kind="final")
    assert final.payload["passed"] is True and final.payload["score"] == "4.0000"


def test_tampering_with_one_entry_is_detected(attempt):
    """Even someone who gets past the database's refusal (drops the trigger) is caught."""
    entry = IntegrityEntry.objects.get(attempt=attempt, seq=2)
    table = IntegrityEntry._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"DROP TRIGGER integrity_entry_no_update ON {table}")
        else:
            cursor.execute("DROP TRIGGER integrity_entry_no_update")
        cursor.execute(f"UPDATE {table} SET payload = %s WHERE id = %s", ['{"auto": true, "state": "final"}', entry.pk])
    report = integrity_check(attempt_id=attempt.pk)
    assert not report.ok
    assert report.broken_at == 2
    assert "entry 2" in report.problems[0]


def test_the_database_refuses_to_update_an_entry(attempt):
    entry = IntegrityEntry.objects.filter(attempt=attempt).first()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {IntegrityEntry._meta.db_table} SET kind = 'save' WHERE id = %s", [entry.pk])
    assert IntegrityEntry.objects.get(pk=entry.pk).kind == entry.kind


def test_the_orm_refuses_to_change_or_delete_entries(attempt):
    entry = IntegrityEntry.objects.filter(attempt=attempt).first()
    entry.kind = "save"
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.delete()
    with pytest.raises(TypeError):
        IntegrityEntry.objects.filter(attempt=attempt).update(kind="save")
    with pytest.raises(TypeError):
        IntegrityEntry.objects.filter(attempt=attempt).delete()
    assert IntegrityEntry.objects.filter(attempt=attempt).count() == 3


def test_a_removed_last_entry_is_detected_by_the_head(attempt):
    last = IntegrityEntry.objects.filter(attempt=attempt).order_by("-seq").first()
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {IntegrityEntry._meta.db_table} WHERE id = %s", [last.pk])
    assert not integrity_check(attempt_id=attempt.pk).ok


def test_appends_keep_the_sequence_and_the_head(attempt):
    entry = integrity_append(attempt_id=attempt.pk, kind="proctor_note", payload={"note": "telefon"})
    chain = IntegrityChain.objects.get(attempt=attempt)
    assert entry.seq == 4 and chain.head_seq == 4 and chain.head_hash == entry.hash
    assert chain.flag_count == 1
    with pytest.raises(ValueError):
        integrity_append(attempt_id=attempt.pk, kind="made_up")


def test_the_evidence_file_holds_a_chain_anyone_can_recompute(attempt):
    import datetime

    evidence = json.loads(json.dumps(integrity_evidence(attempt=attempt)))
    assert evidence["format"] == "certify-integrity-evidence" and evidence["check"]["ok"]
    prev = evidence["entries"][0]["prev_hash"]
    for entry in evidence["entries"]:
        assert entry["prev_hash"] == prev
        at = datetime.datetime.fromisoformat(entry["at"])
        assert entry_hash(prev_hash=prev, kind=entry["kind"], payload=entry["payload"], at=at) == entry["hash"]
        prev = entry["hash"]
    assert evidence["head"]["hash"] == prev


def test_saves_and_a_change_of_address_are_logged_from_requests(
    client, exam, candidate, django_capture_on_commit_callbacks
):
    client.force_login(candidate)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("exams:start", args=[exam.code]), REMOTE_ADDR="10.0.0.1")
    attempt = candidate.attempts.get()
    assert response.status_code == 302
    start = IntegrityEntry.objects.get(attempt=attempt, seq=1)
    assert start.kind == "start" and start.payload["ip"] == "10.0.0.1"
    assert start.payload["login"]["method"] in ("unknown", "password")
    save_url = reverse("exams:save", args=[attempt.pk])
    body = json.dumps({"position": 1, "response": {"choice": "2"}, "sequence": 1})
    assert client.post(save_url, body, content_type="application/json", REMOTE_ADDR="10.0.0.1").status_code == 200
    body = json.dumps({"position": 2, "response": {"choice": "1"}, "sequence": 1})
    assert client.post(save_url, body, content_type="application/json", REMOTE_ADDR="10.0.0.99").status_code == 200
    assert _kinds(attempt) == ["start", "save", "ip_changed", "save"]
    changed = IntegrityEntry.objects.get(attempt=attempt, kind="ip_changed")
    assert changed.payload == {"from": "10.0.0.1", "to": "10.0.0.99"}
    save = IntegrityEntry.objects.get(attempt=attempt, seq=2)
    assert save.payload["position"] == 1 and len(save.payload["response_sha256"]) == 64
    assert IntegrityChain.objects.get(attempt=attempt).flag_count == 1


def test_a_refused_save_is_not_logged(client, exam, candidate, other_candidate, django_capture_on_commit_callbacks):
    client.force_login(other_candidate)
    with django_capture_on_commit_callbacks(execute=True):
        attempt = attempt_services.attempt_start(exam=exam, candidate=candidate)
    body = json.dumps({"position": 1, "response": {"choice": "2"}, "sequence": 1})
    response = client.post(reverse("exams:save", args=[attempt.pk]), body, content_type="application/json")
    assert response.status_code == 404
    assert _kinds(attempt) == ["start"]


def test_the_beacon_records_focus_lost_on_the_candidates_own_attempt_only(client, exam, candidate, other_candidate):
    attempt = attempt_services.attempt_start(exam=exam, candidate=candidate)
    url = reverse("verification:events", args=[attempt.pk])
    client.force_login(other_candidate)
    assert client.post(url, {"kind": "focus_lost"}, content_type="application/json").status_code == 404
    client.force_login(candidate)
    response = client.post(
        url,
        {"kind": "focus_lost", "hidden": "hidden", "page": "1", "extra": "x" * 500},
        content_type="application/json",
    )
    assert response.status_code == 204
    entry = IntegrityEntry.objects.get(attempt=attempt, kind="focus_lost")
    assert entry.payload == {"hidden": "hidden", "page": "1"}
    assert client.post(url, {"kind": "save"}, content_type="application/json").status_code == 400
    assert client.post(url, "not json", content_type="application/json").status_code == 400


def test_an_override_during_an_attempt_is_logged(exam, candidate, examiner):
    from exams.models import ExamOverride

    attempt = attempt_services.attempt_start(exam=exam, candidate=candidate)
    ExamOverride.objects.create(
        exam=exam, candidate=candidate, extra_minutes=10, reason="Elektr uzildi", created_by=examiner
    )
    override = IntegrityEntry.objects.get(attempt=attempt, kind="override")
    assert override.payload["extra_minutes"] == 10 and override.payload["reason"] == "Elektr uzildi"
