"""What benchmarks share: the context and a timing helper."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Context:
    """``root``: the repository; ``database``: host/name the benchmarks run against."""

    root: Path
    database: str

    @property
    def vendor(self) -> str:
        from django.db import connection

        return connection.vendor


def timed(function: Callable[[], object], *, repeat: int = 5) -> tuple[float, float]:
    """Run ``function`` ``repeat`` times; return (median seconds, best seconds)."""
    durations = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        durations.append(time.perf_counter() - started)
    return statistics.median(durations), min(durations)


def result(name: str, value: float, unit: str, goal: str, conditions: str) -> dict:
    return {"name": name, "value": round(value, 3), "unit": unit, "goal": goal, "conditions": conditions}
