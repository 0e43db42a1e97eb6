"""Faults on the production stack (gunicorn, Celery, PostgreSQL, Redis): what is acknowledged
survives, certificates are issued exactly once, and the service comes back by itself.

Every test runs its own Redis (never the machine's) and its own database copy; the
PostgreSQL restart runs its own cluster. All processes are stopped by finalizers.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest
import requests

from tests.faults.helpers import answer_all, certificates_of, signed_in_attempt, stored_responses
from tests.smoke import stack as st
from tests.smoke.fixtures import EXTRA_CANDIDATES

pytestmark = [pytest.mark.postgres, pytest.mark.broker]


# --- A web worker killed with SIGKILL during a flood of autosaves ---------------------------------


def test_every_acknowledged_save_survives_web_workers_killed_during_a_flood(database, redis_server, make_stack):
    """Several candidates save as fast as they can while gunicorn workers are SIGKILLed; every
    save answered 200 is in the database with its value (or a newer save of the same candidate)."""
    stack = make_stack(database, redis_server.url)
    web = stack.start_web(workers=2)
    players = [signed_in_attempt(stack, email) for email in st.candidate_emails(EXTRA_CANDIDATES)]
    stop = threading.Event()
    sent: list[dict] = [{} for _ in players]  # per player: (position, sequence) -> response
    acked: list[dict] = [{} for _ in players]  # per player: position -> highest acknowledged sequence
    failures = [0] * len(players)

    def flood(index: int) -> None:
        browser, attempt_id, items = players[index]
        sequence = 0
        while not stop.is_set():
            sequence += 1
            for position, _question in items:
                response = {"text": f"p{index}-i{position}-s{sequence}"}
                sent[index][(position, sequence)] = response
                try:
                    reply = browser.save(
                        attempt_id, position=position, response=response, sequence=sequence, timeout=10
                    )
                except requests.RequestException:
                    failures[index] += 1
                    continue
                if reply.status_code == 200 and reply.json().get("ok"):
                    acked[index][position] = max(acked[index].get(position, 0), sequence)
                else:
                    failures[index] += 1

    threads = [threading.Thread(target=flood, args=(i,), daemon=True) for i in range(len(players))]
    for thread in threads:
        thread.start()
    killed = 0
    try:
        time.sleep(2)
        for _ in range(4):
            workers = web.children()
            assert workers, "gunicorn has no workers"
            os.kill(workers[0], signal.SIGKILL)
            killed += 1
            time.sleep(2.5)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)

    assert killed == 4
    assert sum(failures) > 0, "no save was cut off: the kill did not hit a request in flight"
    total_acked = 0
    for index, (_browser, attempt_id, _items) in enumerate(players):
        stored = stored_responses(stack.database_url, attempt_id)
        for position, sequence in acked[index].items():
            total_acked += 1
            stored_sequence, stored_response = stored[position]
            assert stored_sequence >= sequence, f"acknowledged save lost: player {index} item {position}"
            assert stored_response == sent[index][(position, stored_sequence)]
    # Every candidate had saves acknowledged (on a loaded machine not every item gets one).
    assert all(acked), "a candidate had no save acknowledged at all"
    assert total_acked >= len(players) * 3


# --- A Celery worker killed while rendering a PDF ----------------------------------------------------


def test_a_celery_worker_killed_while_rendering_runs_the_task_again_and_issues_one_certificate(
    database, redis_server, make_stack, tmp_path
):
    """acks_late + task_reject_on_worker_lost: the message goes back to the queue when the pool
    process dies; the second run finds the certificate row and renders its PDF."""
    stack = make_stack(database, redis_server.url)
    stack.manage("rotate_signing_key")
    stack.start_web(workers=1)
    marker = tmp_path / "renders.txt"
    marker.touch()
    worker = stack.start_worker(
        args=[str(st.BIN / "python"), "-m", "tests.faults.slow_pdf_worker", "worker"],
        env={"SLOW_PDF_MARKER": str(marker), "SLOW_PDF_SECONDS": "6"},
    )
    browser, attempt_id, items = signed_in_attempt(stack)
    answer_all(browser, attempt_id, items)
    assert browser.submit(attempt_id).status_code == 302

    first = st.wait_for(lambda: marker.read_text().split(), timeout=60, what="the first render to start")
    os.kill(int(first[0]), signal.SIGKILL)

    def rendered():
        rows = certificates_of(stack.database_url, attempt_id)
        return rows if rows and all(pdf for _code, pdf in rows) else None

    rows = st.wait_for(rendered, timeout=120, what="the certificate's PDF after the redelivery")
    renders = marker.read_text().split()
    assert len(renders) >= 2 and renders[1] != renders[0], renders
    assert len(rows) == 1, "exactly one certificate"
    assert "WorkerLostError" in worker.output()
    verified = requests.get(f"{stack.base}/api/v1/verify/{rows[0][0]}", timeout=30)
    assert verified.json()["status"] == "valid"


# --- Redis stopped during an exam ---------------------------------------------------------------------


def test_with_redis_stopped_candidates_answer_and_submit_and_certificates_come_when_it_returns(
    database, redis_server, make_stack
):
    stack = make_stack(database, redis_server.url)
    stack.manage("rotate_signing_key")
    stack.start_web(workers=2)
    stack.start_worker()
    browser, attempt_id, items = signed_in_attempt(stack)
    answer_all(browser, attempt_id, items[:5])

    redis_server.stop()
    assert not redis_server.process.alive()
    answer_all(browser, attempt_id, items[5:])
    page = browser.get(f"/uz/exams/attempts/{attempt_id}/")
    assert page.status_code == 200
    submitted = browser.submit(attempt_id)
    assert submitted.status_code == 302 and "/result/" in submitted.headers["Location"]
    assert browser.get(submitted.headers["Location"]).status_code == 200
    state = st.query(stack.database_url, "SELECT state, passed FROM exams_attempt WHERE id = %s", attempt_id)
    assert state == [("final", True)]
    assert certificates_of(stack.database_url, attempt_id) == []  # the enqueue failed; nothing half-done

    redis_server.start()  # same port: the worker and the web reconnect by themselves
    repaired = stack.manage("issue_certificates")
    assert "Issued 1" in repaired.stdout
    rows = certificates_of(stack.database_url, attempt_id)
    assert len(rows) == 1 and rows[0][1]
    verified = requests.get(f"{stack.base}/api/v1/verify/{rows[0][0]}", timeout=30)
    assert verified.status_code == 200 and verified.json()["status"] == "valid"


# --- PostgreSQL restarted -----------------------------------------------------------------------------------


class Cluster:
    """Our own PostgreSQL cluster in a temporary folder, on a free port (never the main cluster)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.data = directory / "data"
        self.port = st.free_port()
        self.log = directory / "postgres.log"

    def _as_postgres(self, *args: str) -> subprocess.CompletedProcess:
        command = list(args)
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)

    def init(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres", "postgres")
        self._as_postgres("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._as_postgres("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.log), "-w", "start")

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._as_postgres("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    @property
    def server(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}"


@pytest.fixture
def own_cluster(stack_template):
    require = shutil.which("initdb") and shutil.which("pg_ctl")
    st.require_or_skip(bool(require), "initdb/pg_ctl are not installed", required_by=st.REQUIRED_BY)
    cluster = Cluster(Path("/tmp") / f"certify-pg-{secrets.token_hex(4)}")
    cluster.init()
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(cluster.directory, ignore_errors=True)


def test_postgresql_restarted_shows_a_clear_503_loses_nothing_and_the_service_comes_back(
    own_cluster, stack_template, redis_server, make_stack
):
    # The seeded template, copied into our own cluster.
    source = f"{stack_template['server']}/{stack_template['template']}"
    url = st.database_create(own_cluster.server, "certify")
    dump = subprocess.run(["pg_dump", "-Fc", "--no-owner", source], capture_output=True, check=True, timeout=300)
    subprocess.run(["pg_restore", "--no-owner", "-d", url], input=dump.stdout, check=True, timeout=300)

    stack = make_stack(url, redis_server.url)
    stack.start_web(workers=2)
    browser, attempt_id, items = signed_in_attempt(stack)
    answer_all(browser, attempt_id, items[:4])
    before = stored_responses(url, attempt_id)

    own_cluster.stop()
    page = browser.get(f"/uz/exams/attempts/{attempt_id}/")
    assert page.status_code == 503
    assert 'id="service-unavailable"' in page.text and page.headers["Retry-After"]
    save = browser.save(attempt_id, position=items[4][0], response={"text": "while down"}, sequence=1)
    assert save.status_code == 503 and save.json()["error"] == "unavailable"
    health = requests.get(f"{stack.base}/healthz", timeout=10)
    assert health.status_code == 503

    own_cluster.start()
    st.wait_for(
        lambda: browser.get(f"/uz/exams/attempts/{attempt_id}/").status_code == 200,
        timeout=60,
        what="the exam page after PostgreSQL came back",
    )
    answer_all(browser, attempt_id, items[4:])
    after = stored_responses(url, attempt_id)
    for position, value in before.items():
        if value[1] is not None:
            assert after[position] == value, f"item {position} changed while the database was down"
    assert sum(1 for _sequence, response in after.values() if response is not None) == len(items)
    assert browser.submit(attempt_id).status_code == 302
