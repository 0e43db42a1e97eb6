"""Verification load (issue 9): wrk with a Lua script over real codes, against the API
(``/api/v1/verify/<code>``) and the page (``/v/<code>``), at the generated certificates and
again after filling the register to a million (``generate_load_data --filler-certificates``).

The API's codes are drawn from every certificate; the page's from the signed ones (the page
checks the signature; filler rows are not signed). ``BENCH_VERIFY_S`` seconds per run
(default 20), ``BENCH_VERIFY_CONNECTIONS`` connections (default 32) on 2 wrk threads;
``BENCH_VERIFY_TOTAL`` is the size of the large register (default 1,000,000 x ``BENCH_SCALE``);
``BENCH_VERIFY_LARGE=0`` skips the large register (short focused runs).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time

from bench.common import result
from bench.loadtools import parse_wrk, wrk_lua
from bench.stack import stack_get


def _wrk(stack, codes: list[str], path_template: str, label: str) -> dict:
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed: apt-get install wrk")
    work = stack.var / "verify"
    work.mkdir(exist_ok=True)
    codes_file = work / f"{label}.codes"
    codes_file.write_text("\n".join(codes) + "\n", encoding="ascii")
    script = work / f"{label}.lua"
    script.write_text(wrk_lua(codes_file, path_template), encoding="utf-8")
    seconds = int(os.environ.get("BENCH_VERIFY_S", "20"))
    connections = os.environ.get("BENCH_VERIFY_CONNECTIONS", "32")
    cpu_before = stack.web_cpu_s()
    done = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", str(script), stack.url],
        capture_output=True,
        text=True,
        check=False,
    )
    (work / f"{label}.out").write_text(done.stdout + done.stderr, encoding="utf-8")
    cpu_s = stack.web_cpu_s() - cpu_before
    figures = parse_wrk(done.stdout)
    figures["cpu_ms"] = 1000 * cpu_s / figures["requests"] if figures["requests"] else 0.0
    # Only answers that count: an error page is not a verification.
    figures["rps"] *= (figures["requests"] - figures["errors"]) / figures["requests"] if figures["requests"] else 0.0
    figures["conditions"] = (
        f"wrk 2 threads, {connections} connections, {seconds} s, {len(codes)} real codes at random; "
        f"web CPU {figures['cpu_ms']:.2f} ms per request (gunicorn processes' user+system time)"
    )
    return figures


def _codes(stack, *, signed_only: bool, limit: int = 20_000) -> list[str]:
    where = "WHERE signing_key_id <> ''" if signed_only else ""
    rows = stack.sql(
        f"SELECT verification_code FROM certificates_certificate {where} ORDER BY random() LIMIT %s", [limit]
    )
    return [row[0] for row in rows]


def _count(stack) -> int:
    return stack.sql("SELECT count(*) FROM certificates_certificate")[0][0]


def bench_verify(ctx) -> list[dict]:
    stack = stack_get()
    scale = float(os.environ.get("BENCH_SCALE", "1"))
    total = int(os.environ.get("BENCH_VERIFY_TOTAL", str(round(1_000_000 * scale))))
    figures = []
    sizes = ("base", "large") if os.environ.get("BENCH_VERIFY_LARGE", "1") != "0" else ("base",)
    for size_label in sizes:
        if size_label == "large":
            missing = total - _count(stack)
            if missing > 0:
                began = time.perf_counter()
                stack.manage("generate_load_data", "--filler-certificates", str(missing))
                stack.sql_exec("ANALYZE certificates_certificate")
                generation_s = time.perf_counter() - began
                figures.append(
                    result(
                        "certificates_1m_generation_s",
                        generation_s,
                        "s",
                        "-",
                        f"{missing} minimal certificates (each with its attempt) by COPY, then ANALYZE; "
                        f"{stack.conditions()}",
                    )
                )
        count = _count(stack)
        api = _wrk(stack, _codes(stack, signed_only=False), "/api/v1/verify/%s", f"api-{size_label}")
        page = _wrk(stack, _codes(stack, signed_only=True), "/v/%s", f"page-{size_label}")
        suffix = "" if size_label == "base" else "_1m"
        common = f"{count} certificates in the register; {stack.conditions()}"
        figures += [
            result(
                f"verify_rps{suffix}",
                api["rps"],
                "req/s",
                ">= 1500",
                f"GET /api/v1/verify/<code>, {api['errors']} errors; {api['conditions']}; {common}",
            ),
            result(
                f"verify_p95{suffix}",
                api["p95_ms"],
                "ms",
                "< 50",
                f"GET /api/v1/verify/<code>, p50 {api['p50_ms']:.1f} ms, p99 {api['p99_ms']:.1f} ms; "
                f"{api['conditions']}; {common}",
            ),
            result(
                f"verify_page_rps{suffix}",
                page["rps"],
                "req/s",
                ">= 1500",
                f"GET /v/<code> (signature checked), {page['errors']} errors; {page['conditions']}; {common}",
            ),
            result(
                f"verify_page_p95{suffix}",
                page["p95_ms"],
                "ms",
                "< 50",
                f"GET /v/<code>, p50 {page['p50_ms']:.1f} ms, p99 {page['p99_ms']:.1f} ms; {page['conditions']}; "
                f"{common}",
            ),
        ]
    return [stack.mark(figure) for figure in figures]


BENCHMARKS = {"verify": bench_verify}
