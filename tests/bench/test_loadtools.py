"""The harness's reading of locust and wrk output, the acknowledged-save check and the
parsing of the real attempt page the locust users rely on."""

import io

import pytest
from django.core.management import call_command

from bench.loadtools import (
    acks_lost,
    attempt_id_from,
    page_numbers,
    parse_items,
    parse_locust_failures,
    parse_locust_stats,
    parse_wrk,
    wrk_lua,
)

STATS = """Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,Min Response Time,\
Max Response Time,Average Content Size,Requests/s,Failures/s,50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%
POST,autosave,1200,0,41,45.2,12,310,80,20.0,0.0,41,48,52,55,70,88,120,150,300,310,310
POST,start,100,2,180,190.0,90,900,0,1.7,0.03,180,200,220,240,300,420,600,800,900,900,900
,Aggregated,1300,2,44,60.0,12,900,74,21.7,0.03,44,50,56,60,80,120,300,500,900,900,900
"""


def test_locust_statistics_are_read_per_step(tmp_path):
    path = tmp_path / "run_stats.csv"
    path.write_text(STATS)
    stats = parse_locust_stats(path)
    assert stats["autosave"].count == 1200
    assert stats["autosave"].p95 == 88
    assert stats["start"].failures == 2
    assert stats["start"].p99 == 800
    assert stats["Aggregated"].failures == 2


def test_empty_locust_statistics_are_an_error(tmp_path):
    path = tmp_path / "run_stats.csv"
    path.write_text("")
    with pytest.raises(ValueError, match="empty"):
        parse_locust_stats(path)


def test_locust_failures_are_summarised(tmp_path):
    path = tmp_path / "run_failures.csv"
    path.write_text("Method,Name,Error,Occurrences\nPOST,start,\"CatchResponseError('start answered 403')\",7\n")
    assert parse_locust_failures(path) == ["start: CatchResponseError('start answered 403') (x7)"]
    assert parse_locust_failures(tmp_path / "missing.csv") == []


def test_only_the_newest_acknowledged_save_of_an_item_must_be_stored():
    acks = [
        {"attempt": 1, "position": 1, "sequence": 1, "response": {"choice": "2"}},
        {"attempt": 1, "position": 1, "sequence": 2, "response": {"choice": "3"}},
        {"attempt": 1, "position": 2, "sequence": 1, "response": {"choice": "1"}},
    ]
    stored = {(1, 1): (2, {"choice": "3"}), (1, 2): (1, {"choice": "1"})}
    assert acks_lost(acks, stored) == []


def test_a_lost_or_different_acknowledged_save_is_reported():
    acks = [
        {"attempt": 1, "position": 1, "sequence": 2, "response": {"choice": "3"}},
        {"attempt": 1, "position": 2, "sequence": 1, "response": {"choice": "1"}},
        {"attempt": 2, "position": 1, "sequence": 1, "response": {"choice": "1"}},
    ]
    stored = {(1, 1): (1, {"choice": "2"}), (1, 2): (1, {"choice": "4"})}
    assert [(a["attempt"], a["position"]) for a in acks_lost(acks, stored)] == [(1, 1), (1, 2), (2, 1)]


def test_wrk_results_come_from_the_script_line():
    output = (
        "Running 20s test @ http://127.0.0.1:18790\n"
        'WRKJSON {"requests": 30000, "duration_us": 20000000, "errors_status": 3, "errors_connect": 0, '
        '"errors_read": 0, "errors_write": 0, "errors_timeout": 1, "p50_us": 9000, "p95_us": 31000, "p99_us": 52000}\n'
    )
    figures = parse_wrk(output)
    assert figures["rps"] == 1500
    assert figures["p95_ms"] == 31
    assert figures["errors"] == 4


def test_wrk_without_results_is_an_error():
    with pytest.raises(ValueError, match="no results"):
        parse_wrk("unable to connect to 127.0.0.1:18790 Connection refused\n")


def test_the_wrk_script_reads_the_codes_file_and_reports_p95(tmp_path):
    script = wrk_lua(tmp_path / "codes.txt", "/api/v1/verify/%s")
    assert str(tmp_path / "codes.txt") in script
    assert "latency:percentile(95)" in script


def test_the_redirect_after_start_names_the_attempt():
    assert attempt_id_from("/uz/exams/attempts/123/", lang="uz") == 123
    assert attempt_id_from("http://127.0.0.1:18790/uz/exams/attempts/7/?page=1", lang="uz") == 7
    assert attempt_id_from("/uz/accounts/login/?next=/uz/exams/load-exam/start/", lang="uz") is None


@pytest.mark.django_db
def test_the_real_attempt_page_gives_the_items_options_and_pages(client):
    """What the locust users read from the attempt page (exams/items/item.html) is there."""
    from accounts.models import User
    from cms.management.commands.generate_load_data import LOAD_PASSWORD, load_email

    call_command(
        "generate_load_data",
        questions=400,
        candidates=2,
        attempts=2,
        certificates=1,
        items_per_attempt=1,
        stdout=io.StringIO(),
    )
    assert client.login(email=load_email(1), password=LOAD_PASSWORD)
    response = client.post("/uz/exams/load-exam/start/")
    attempt_id = attempt_id_from(response["Location"], lang="uz")
    assert attempt_id is not None
    html = client.get(f"/uz/exams/attempts/{attempt_id}/?page=1").content.decode()
    items = parse_items(html)
    assert len(items) == 10
    assert all(sorted(options) == ["1", "2", "3", "4"] for options in items.values())
    assert max(page_numbers(html)) == 5
    assert User.objects.get(email=load_email(1)).attempts.filter(exam__code="load-exam").count() == 1
