#!/usr/bin/env python
"""``make bench``: run the benchmarks and write ``bench/results.json`` (CONTRACTS.md section 1).

A benchmark module is ``bench/bench_<area>.py`` with ``BENCHMARKS = {"name": function}``; each
function takes a :class:`bench.common.Context` and returns a list of results, each
``{"name", "value", "unit", "goal", "conditions"}``. ``--only NAME`` (``BENCH=name make bench``)
runs the benchmarks whose name, or whose module's area, is NAME.

Benchmarks run against ``DATABASE_URL`` when it is set (PostgreSQL, as the issues ask) and
otherwise against a scratch SQLite file under ``var/``; the database is migrated first and its
contents are the benchmarks' own (they create what they measure).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{platform.node()}: {os.cpu_count()} cores, {cpu}, Python {platform.python_version()}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="run only this benchmark (or area); several: comma separated")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "certify.settings")
    os.environ.setdefault("CERTIFY_ENV", "test")
    if not os.environ.get("DATABASE_URL"):
        (ROOT / "var").mkdir(exist_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{ROOT / 'var' / 'bench.sqlite3'}"
    import django

    django.setup()
    from django.core.management import call_command

    from bench.common import Context

    call_command("migrate", verbosity=0, interactive=False)
    context = Context(root=ROOT, database=os.environ["DATABASE_URL"].split("@")[-1])

    results = []
    for module_path in sorted((ROOT / "bench").glob("bench_*.py")):
        area = module_path.stem.removeprefix("bench_")
        module = importlib.import_module(f"bench.{module_path.stem}")
        for name, function in module.BENCHMARKS.items():
            if args.only and not {name, area} & set(args.only.split(",")):
                continue
            print(f"== {name}", flush=True)
            started = time.perf_counter()
            for result in function(context):
                result.setdefault("conditions", "")
                # A benchmark against its own database (the load stack) names it in "database".
                database = result.pop("database", context.vendor)
                result["conditions"] = f"{result['conditions']}; database {database}".strip("; ")
                results.append(result)
                print(f"   {result['name']}: {result['value']} {result['unit']} (goal {result.get('goal', '-')})")
            print(f"   ({time.perf_counter() - started:.1f} s)", flush=True)

    out = ROOT / "bench" / "results.json"
    previous = json.loads(out.read_text()) if out.exists() and args.only else {"results": []}
    if args.only:
        names = {result["name"] for result in results}
        results = [r for r in previous.get("results", []) if r["name"] not in names] + results
    document = {"machine": machine(), "date": datetime.now(UTC).isoformat(timespec="seconds"), "results": results}
    out.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    lines = ["| figure | value | unit | goal | conditions |", "|---|---|---|---|---|"]
    lines += [
        f"| {r['name']} | {r['value']} | {r['unit']} | {r.get('goal', '')} | {r['conditions']} |" for r in results
    ]
    (ROOT / "bench" / "results.md").write_text(
        f"Benchmarks on {document['machine']}, {document['date']}\n\n" + "\n".join(lines) + "\n", encoding="utf-8"
    )
    print(f"wrote {out.relative_to(ROOT)} ({len(results)} figures)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
