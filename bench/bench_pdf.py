"""Certificate throughput (issue 9): PDFs rendered and stored per minute per Celery worker
process while an exam is running.

An exam-day load (``BENCH_PDF_EXAM_USERS`` paced candidates, default 200 x ``BENCH_SCALE``
capped at 200, autosave every 15 s) runs in the background; ``BENCH_PDF_COUNT`` generated
certificates without a PDF (default 150) are queued with ``render_certificate_pdf``; the
figure is the PDFs stored per minute from the first to the last, divided by the worker's
concurrency. The worker runs at ``nice 10`` so rendering yields the CPU to the web workers;
the autosave p95 measured during the rendering is reported next to it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench.common import result
from bench.loadtools import run_locust
from bench.stack import ROOT, stack_get


def _pending_ids(stack, count: int) -> list[int]:
    rows = stack.sql(
        "SELECT id FROM certificates_certificate WHERE pdf = '' AND signing_key_id <> '' ORDER BY id LIMIT %s",
        [count],
    )
    return [row[0] for row in rows]


def _done(stack, ids: list[int]) -> int:
    return stack.sql("SELECT count(*) FROM certificates_certificate WHERE pdf <> '' AND id = ANY(%s)", [ids])[0][0]


def bench_pdf(ctx) -> list[dict]:
    from bench import bench_exam_day

    stack = stack_get()
    scale = float(os.environ.get("BENCH_SCALE", "1"))
    users = int(os.environ.get("BENCH_PDF_EXAM_USERS", str(max(5, min(200, round(200 * scale * 10))))))
    count = int(os.environ.get("BENCH_PDF_COUNT", "150"))
    limit_s = int(os.environ.get("BENCH_PDF_S", "150"))
    work = stack.var / "pdf"
    work.mkdir(exist_ok=True)
    bench_exam_day._identities(stack, users, 0, work / "identities.json")
    stats_box: dict = {}
    start_at = time.time() + users / 50 + 10

    def exam_load() -> None:
        stats_box.update(
            run_locust(
                host=stack.url,
                users=users,
                spawn_rate=50,
                run_time_s=limit_s + 30,
                env={
                    "LOAD_IDENTITIES": str(work / "identities.json"),
                    "LOAD_MODE": "paced",
                    "LOAD_AUTOSAVE_S": "15",
                    "LOAD_START_AT": str(start_at),
                    "LOAD_START_WINDOW": "20",
                    "LOAD_ACKS": str(work / "acks.jsonl"),
                },
                prefix=work / "locust",
            )
        )

    load = threading.Thread(target=exam_load)
    load.start()
    time.sleep(max(0.0, start_at + 20 - time.time()))  # the exam is under way
    ids = _pending_ids(stack, count)
    queued = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from certificates.tasks import render_certificate_pdf\n"
            f"for pk in {ids!r}:\n    render_certificate_pdf.delay(pk)",
        ],
        cwd=ROOT,
        env=stack.env(),
        capture_output=True,
        text=True,
        check=False,
    )
    if queued.returncode != 0:
        raise RuntimeError(f"could not queue the PDFs: {queued.stderr[-2000:]}")
    began = time.perf_counter()
    cpu_before = stack.cpu_s("celery")
    log = stack.var / "celery.out"
    log_offset = log.stat().st_size if log.exists() else 0
    done = 0
    while time.perf_counter() - began < limit_s:
        done = _done(stack, ids)
        if done >= len(ids):
            break
        time.sleep(1)
    elapsed = time.perf_counter() - began
    cpu_s = stack.cpu_s("celery") - cpu_before
    load.join()
    # Over what finished: from the queueing to the last PDF seen stored (polled every second).
    per_minute = done / elapsed * 60 / stack.celery_concurrency if elapsed else 0
    cpu_per_pdf_ms = 1000 * cpu_s / done if done else 0.0
    save = stats_box.get("autosave")
    why = ""
    if done == 0:
        why = f"; none finished: {_worker_problem(log, log_offset, cpu_s)}"
    conditions = (
        f"{done} of {len(ids)} PDFs rendered and stored in {elapsed:.0f} s by one Celery worker process "
        f"(nice 10) while {users} candidates sat the exam (autosave p95 {save.p95 if save else '?'} ms during "
        f"it); the worker used {cpu_s:.1f} s of CPU, {cpu_per_pdf_ms:.0f} ms per PDF (so about "
        f"{60000 / cpu_per_pdf_ms if cpu_per_pdf_ms else 0:.0f} PDFs/min on a core of its own){why}; "
        f"{stack.conditions()}"
    )
    return [
        stack.mark(result("pdf_per_min_per_worker", per_minute, "PDFs/min", ">= 360", conditions)),
        stack.mark(result("pdf_cpu_ms_per_pdf", cpu_per_pdf_ms, "ms", "<= 167", conditions)),
    ]


def _worker_problem(log: Path, offset: int, cpu_s: float) -> str:
    """Why the worker finished nothing: the last error it logged during the run, or else whether
    it was busy (with tasks queued before the PDFs) or starved of CPU."""
    text = ""
    if log.exists():
        with open(log, "rb") as handle:
            handle.seek(offset)
            text = handle.read().decode("utf-8", errors="replace")
    errors = [line for line in text.splitlines() if "Error" in line or "Traceback" in line]
    if errors:
        return f"the worker logged {errors[-1][:200]!r}"
    if cpu_s > 5:
        return f"no error logged; the worker was busy ({cpu_s:.0f} s of CPU) with tasks queued before the PDFs"
    return "no error logged; the worker got almost no CPU (nice 10 on a loaded machine)"


BENCHMARKS = {"pdf": bench_pdf}
