"""Exam day at national scale (issue 9): locust against the production stack (``bench.stack``).

Two runs of ``bench/locustfile.py`` on ``load-exam`` (50 single-choice items, 5 pages):

1. **Capacity** (closed loop, ``LOAD_MODE=fast``): ``BENCH_FAST_USERS`` users (default 40)
   answer, navigate and submit with no think time, one candidate after another, for
   ``BENCH_FAST_S`` seconds (default 60): acknowledged answers per second.
2. **Exam day** (open, paced): ``BENCH_EXAM_USERS`` candidates (default 1000 x ``BENCH_SCALE``
   when scaled down) get ready (the first ``BENCH_SIGN_IN``, default 20, sign in through
   allauth; the others hold a session made beforehand, see ``bench/make_sessions.py``), press
   Start at random moments of one 60-second window (the synchronized start), autosave one
   answer every ``BENCH_AUTOSAVE_S`` seconds (default 15), move through the pages, and all
   submit in a 20-second window ``BENCH_ANSWER_S`` seconds (default 120) after the window.

After each run every acknowledged save is looked up in ``AttemptItem``: the figure
``exam_day_acks_lost`` must be 0, as must ``exam_day_failed_requests``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from bench.common import result
from bench.loadtools import acks_lost, parse_locust_failures, read_acks, run_locust
from bench.stack import ROOT, load_average, stack_get

_next_candidate = [1]


def _used_candidates(stack) -> list[int]:
    """Numbers of the load candidates who have started ``load-exam`` already (a reused database,
    ``BENCH_REUSE=1``, keeps the attempts of earlier runs), ascending."""
    rows = stack.sql(
        "SELECT DISTINCT u.email FROM accounts_user u JOIN exams_attempt a ON a.candidate_id = u.id "
        "JOIN exams_exam e ON e.id = a.exam_id WHERE e.code = 'load-exam' AND u.email LIKE 'load-%%'"
    )
    return sorted(int(email.split("@")[0].removeprefix("load-")) for (email,) in rows)


def _fresh_block(used: list[int], start: int, count: int) -> int:
    """The first number >= ``start`` such that ``count`` numbers from it are all unused."""
    first = start
    for number in used:
        if number >= first + count:
            break
        if number >= first:
            first = number + 1
    return first


def _identities(stack, count: int, sign_in: int, out: Path) -> None:
    _next_candidate[0] = _fresh_block(_used_candidates(stack), _next_candidate[0], count)
    first = _next_candidate[0]
    _next_candidate[0] += count
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "make_sessions.py"), str(first), str(count), str(sign_in), str(out)],
        cwd=ROOT,
        env=stack.env(),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"make_sessions failed: {done.stderr[-3000:]}")


def _check_acks(stack, path: Path) -> tuple[int, int]:
    """(acknowledged saves, lost ones) of one run."""
    acks = read_acks(path)
    attempts = sorted({int(ack["attempt"]) for ack in acks})
    stored = {}
    for start in range(0, len(attempts), 5000):
        rows = stack.sql(
            "SELECT attempt_id, position, save_sequence, response FROM exams_attemptitem WHERE attempt_id = ANY(%s)",
            (attempts[start : start + 5000],),
        )
        stored.update({(a, p): (s, r) for a, p, s, r in rows})
    return len(acks), len(acks_lost(acks, stored))


def _cpu_text(stack, cpu_before: float, stats) -> str:
    """The web tier's CPU time over a run, per request (all steps together), in words."""
    cpu_s = stack.web_cpu_s() - cpu_before
    requests = stats["Aggregated"].count if "Aggregated" in stats else 0
    per = f", {1000 * cpu_s / requests:.1f} ms per request" if requests else ""
    return f"gunicorn used {cpu_s:.0f} s of CPU for {requests} requests{per}"


def _env(**values) -> dict[str, str]:
    return {key: str(value) for key, value in values.items()}


def run_capacity(stack) -> tuple[list[dict], int, list[str]]:
    users = int(os.environ.get("BENCH_FAST_USERS", "40"))
    seconds = int(os.environ.get("BENCH_FAST_S", "60"))
    work = stack.var / "fast"
    work.mkdir(exist_ok=True)
    # Enough candidates for everyone to finish several attempts.
    _identities(stack, users * 12, 0, work / "identities.json")
    cpu_before = stack.web_cpu_s()
    stats = run_locust(
        host=stack.url,
        users=users,
        spawn_rate=users,
        run_time_s=seconds,
        env=_env(LOAD_IDENTITIES=work / "identities.json", LOAD_MODE="fast", LOAD_ACKS=work / "acks.jsonl"),
        prefix=work / "locust",
    )
    cpu = _cpu_text(stack, cpu_before, stats)
    acked, lost = _check_acks(stack, work / "acks.jsonl")
    autosave = stats.get("autosave")
    failures = stats["Aggregated"].failures if "Aggregated" in stats else -1
    conditions = (
        f"closed loop, {users} locust users with no think time for {seconds} s (one locust process on the "
        f"same machine), {acked} acknowledged saves checked in the database, {lost} lost, "
        f"{failures} failed requests; {cpu}; {stack.conditions()}"
    )
    results = [
        result("exam_day_answers_per_s", (autosave.count / seconds) if autosave else 0, "answers/s", "-", conditions),
        result("exam_day_fast_autosave_p95", autosave.p95 if autosave else 0, "ms", "-", conditions),
    ]
    return results, failures + lost, parse_locust_failures(work / "locust_failures.csv")


def run_exam_day(stack) -> tuple[list[dict], int, list[str]]:
    scale = float(os.environ.get("BENCH_SCALE", "1"))
    users = int(os.environ.get("BENCH_EXAM_USERS", str(max(10, round(1000 * min(scale, 1))))))
    sign_in = min(users, int(os.environ.get("BENCH_SIGN_IN", "20")))
    autosave_s = float(os.environ.get("BENCH_AUTOSAVE_S", "15"))
    answer_s = int(os.environ.get("BENCH_ANSWER_S", "120"))
    window, submit_window = 60, 20
    spawn_rate = float(os.environ.get("BENCH_SPAWN_RATE", "50"))
    work = stack.var / "exam"
    work.mkdir(exist_ok=True)
    _identities(stack, users, sign_in, work / "identities.json")
    # Everyone is signed in and on the exam page before the window opens.
    ready_s = users / spawn_rate + sign_in * 2.5 + 15
    start_at = time.time() + ready_s
    submit_at = start_at + window + answer_s
    run_time = int(submit_at - time.time() + submit_window + 25)
    cpu_before = stack.web_cpu_s()
    stats = run_locust(
        host=stack.url,
        users=users,
        spawn_rate=spawn_rate,
        run_time_s=run_time,
        env=_env(
            LOAD_IDENTITIES=work / "identities.json",
            LOAD_MODE="paced",
            LOAD_AUTOSAVE_S=autosave_s,
            LOAD_START_AT=start_at,
            LOAD_START_WINDOW=window,
            LOAD_SUBMIT_AT=submit_at,
            LOAD_SUBMIT_WINDOW=submit_window,
            LOAD_ACKS=work / "acks.jsonl",
        ),
        prefix=work / "locust",
    )
    cpu = _cpu_text(stack, cpu_before, stats)
    acked, lost = _check_acks(stack, work / "acks.jsonl")
    failures = stats["Aggregated"].failures if "Aggregated" in stats else -1
    common = (
        f"{users} candidates ({sign_in} signed in through allauth, the rest with sessions made beforehand), "
        f"Start pressed within {window} s, one autosave every {autosave_s:g} s +-20 % for {answer_s} s, "
        f"submit within {submit_window} s; {failures} failed requests, {acked} acknowledged saves checked in the "
        f"database, {lost} lost; locust on the same machine; {cpu}; {stack.conditions()}"
    )

    def step(name: str):
        return stats.get(name) or type("Empty", (), {"p50": 0, "p95": 0, "p99": 0, "count": 0})()

    save, start, submit, page = step("autosave"), step("start"), step("submit"), step("page")
    results = [
        result("exam_day_autosave_p50", save.p50, "ms", "-", f"{save.count} autosaves; {common}"),
        result("exam_day_autosave_p95", save.p95, "ms", "< 100", f"{save.count} autosaves; {common}"),
        result("exam_day_autosave_p99", save.p99, "ms", "-", f"{save.count} autosaves; {common}"),
        result("sync_start_p95", start.p95, "ms", "< 500", f"{start.count} starts in one 60 s window; {common}"),
        result("exam_day_start_p99", start.p99, "ms", "-", f"{start.count} starts; {common}"),
        result("exam_day_submit_p95", submit.p95, "ms", "< 300", f"{submit.count} submits; {common}"),
        result("exam_day_page_p95", page.p95, "ms", "-", f"{page.count} attempt pages (10 items each); {common}"),
    ]
    if "sign_in" in stats:
        results.append(
            result("exam_day_sign_in_p95", stats["sign_in"].p95, "ms", "-", f"{sign_in} allauth sign-ins; {common}")
        )
    return results, failures + lost, parse_locust_failures(work / "locust_failures.csv")


def bench_exam_day(ctx) -> list[dict]:
    stack = stack_get()
    return [stack.mark(r) for r in _bench_exam_day(stack)]


def _bench_exam_day(stack) -> list[dict]:
    exam_results, exam_bad, exam_errors = run_exam_day(stack)
    fast_results, fast_bad, fast_errors = run_capacity(stack)
    errors = "; ".join((exam_errors + fast_errors)[:5]) or "none"
    return [
        *exam_results,
        *fast_results,
        result(
            "exam_day_failed_requests",
            exam_bad + fast_bad,
            "requests",
            "= 0",
            f"failed requests plus lost acknowledged saves of both runs; errors: {errors}; load average "
            f"{load_average()}",
        ),
        result(
            "load_data_generation_s",
            stack.generation.get("total_s", 0),
            "s",
            "-",
            "manage.py generate_load_data, "
            + ", ".join(f"{k} {v}" for k, v in stack.generation.items() if not k.endswith("_s") or k == "build_s"),
        ),
    ]


BENCHMARKS = {"exam_day": bench_exam_day}
