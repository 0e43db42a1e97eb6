"""Running the load generators and reading what they report: locust (exam day) and wrk
(verification). The parsers are pure functions, tested in ``tests/bench``.
"""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent

ITEM = re.compile(r'data-position="(\d+)" data-qtype="([a-z_]+)"')
CHOICE = re.compile(r'name="item-(\d+)-choice" value="([^"]+)"')
PAGE_LINK = re.compile(r'href="\?page=(\d+)"')


def parse_items(html: str) -> dict[int, list[str]]:
    """``{position: [option id, ...]}`` of the items on an attempt page (``exams/items/item.html``);
    a single-choice item lists its options, other types an empty list."""
    items = {int(position): [] for position, _qtype in ITEM.findall(html)}
    for position, value in CHOICE.findall(html):
        items.setdefault(int(position), []).append(value)
    return items


def page_numbers(html: str) -> list[int]:
    """The page numbers an attempt page links to (``?page=N``)."""
    return [int(n) for n in PAGE_LINK.findall(html)]


def attempt_id_from(location: str, *, lang: str) -> int | None:
    """The attempt id in the redirect after Start (``/<lang>/exams/attempts/<id>/``), or None."""
    match = re.search(rf"/{lang}/exams/attempts/(\d+)/?$", location.split("?")[0])
    return int(match.group(1)) if match else None


@dataclass(frozen=True)
class StepStats:
    """One request name of a locust run: counts, and response times in milliseconds."""

    name: str
    count: int
    failures: int
    p50: float
    p95: float
    p99: float
    rps: float


def parse_locust_stats(path: Path) -> dict[str, StepStats]:
    """``{name: StepStats}`` from locust's ``<prefix>_stats.csv`` (``--csv``), the
    ``Aggregated`` row included. Raises ``ValueError`` when the file has no header row."""
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    if not rows and not Path(path).read_text(encoding="utf-8").strip():
        raise ValueError(f"{path}: empty locust statistics")
    stats = {}
    for row in rows:

        def number(key: str, row=row) -> float:
            value = row.get(key, "") or "0"
            return 0.0 if value == "N/A" else float(value)

        stats[row["Name"]] = StepStats(
            name=row["Name"],
            count=int(number("Request Count")),
            failures=int(number("Failure Count")),
            p50=number("50%"),
            p95=number("95%"),
            p99=number("99%"),
            rps=number("Requests/s"),
        )
    return stats


def parse_locust_failures(path: Path) -> list[str]:
    """One line per kind of failure from ``<prefix>_failures.csv``: ``"name: error (xN)"``."""
    if not Path(path).exists():
        return []
    with open(path, encoding="utf-8", newline="") as handle:
        return [f"{row['Name']}: {row['Error']} (x{row['Occurrences']})" for row in csv.DictReader(handle)]


def run_locust(
    *, host: str, users: int, spawn_rate: float, run_time_s: int, env: dict[str, str], prefix: Path
) -> dict[str, StepStats]:
    """Run ``bench/locustfile.py`` headless and return its statistics (see :func:`parse_locust_stats`)."""
    command = [
        str(VENV_BIN / "locust"),
        "-f",
        str(ROOT / "bench" / "locustfile.py"),
        "--headless",
        "--users",
        str(users),
        "--spawn-rate",
        str(spawn_rate),
        "--run-time",
        f"{run_time_s}s",
        "--host",
        host,
        "--csv",
        str(prefix),
        "--only-summary",
        "--stop-timeout",
        "10",
        "--loglevel",
        "WARNING",
    ]
    with open(f"{prefix}.log", "wb") as log:
        subprocess.run(command, cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT, check=False)
    return parse_locust_stats(Path(f"{prefix}_stats.csv"))


def read_acks(path: Path) -> list[dict]:
    """The acknowledged saves a locust run logged (``LOAD_ACKS``), one JSON object a line."""
    if not Path(path).exists():
        return []
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


def acks_lost(acks: list[dict], stored: dict[tuple[int, int], tuple[int, object]]) -> list[dict]:
    """The acknowledged saves the database does not hold.

    ``acks``: ``[{"attempt", "position", "sequence", "response"}]``; ``stored``:
    ``{(attempt, position): (save_sequence, response)}`` read from ``AttemptItem``. Only the
    newest acknowledged save of an item counts (a later one replaces it): it is lost when the
    stored sequence is lower, or equal with a different response.
    """
    newest: dict[tuple[int, int], dict] = {}
    for ack in acks:
        key = (int(ack["attempt"]), int(ack["position"]))
        if key not in newest or ack["sequence"] > newest[key]["sequence"]:
            newest[key] = ack
    lost = []
    for key, ack in newest.items():
        sequence, response = stored.get(key, (-1, None))
        if sequence < ack["sequence"] or (sequence == ack["sequence"] and response != ack["response"]):
            lost.append(ack)
    return lost


def wrk_lua(codes_file: Path, path_template: str) -> str:
    """A wrk script that requests ``path_template % code`` for a random code of ``codes_file``
    (one per line) and prints, at the end, one JSON line of the results (latency in microseconds)."""
    return f"""
local codes = {{}}
for line in io.lines("{codes_file}") do codes[#codes + 1] = line end
math.randomseed(os.time())
request = function()
  local code = codes[math.random(#codes)]
  return wrk.format("GET", string.format("{path_template}", code))
end
done = function(summary, latency, requests)
  io.write(string.format(
    'WRKJSON {{"requests": %d, "duration_us": %d, "errors_status": %d, "errors_connect": %d, '
    .. '"errors_read": %d, "errors_write": %d, "errors_timeout": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d}}\\n',
    summary.requests, summary.duration, summary.errors.status, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.timeout, latency:percentile(50), latency:percentile(95),
    latency:percentile(99)))
end
"""


def parse_wrk(output: str) -> dict:
    """The figures of a wrk run from the ``WRKJSON`` line :func:`wrk_lua` prints:
    ``{"rps", "p50_ms", "p95_ms", "p99_ms", "requests", "errors"}``. Raises ``ValueError`` when
    the line is missing (wrk failed: its output is in the message)."""
    for line in output.splitlines():
        if line.startswith("WRKJSON "):
            data = json.loads(line.removeprefix("WRKJSON "))
            errors = sum(value for key, value in data.items() if key.startswith("errors_"))
            return {
                "requests": data["requests"],
                "rps": data["requests"] / (data["duration_us"] / 1e6) if data["duration_us"] else 0.0,
                "p50_ms": data["p50_us"] / 1000,
                "p95_ms": data["p95_us"] / 1000,
                "p99_ms": data["p99_us"] / 1000,
                "errors": errors,
            }
    raise ValueError(f"no results in the wrk output:\n{output[-2000:]}")
