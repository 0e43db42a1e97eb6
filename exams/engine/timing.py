"""The server's clock: deadlines, time left and the grace period for the last save.

All datetimes are aware (UTC in storage); durations are ``timedelta``. The rules come from
DESIGN.md: the deadline is stored at start as min(start + time limit (+ extra time),
close time); a save is accepted until deadline + grace period and refused after.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta


def deadline_for(
    *, started_at: datetime, time_limit: timedelta, closes_at: datetime | None, extra_time: timedelta = timedelta(0)
) -> datetime:
    """The attempt's deadline: ``started_at + time_limit + extra_time``, never after ``closes_at``.

    Raises ``ValueError`` for a naive datetime (a deadline must not depend on a server's zone).
    """
    if started_at.tzinfo is None or (closes_at is not None and closes_at.tzinfo is None):
        raise ValueError("deadline_for needs aware datetimes")
    deadline = started_at + time_limit + extra_time
    if closes_at is not None and closes_at < deadline:
        return closes_at
    return deadline


def seconds_left(*, now: datetime, deadline_at: datetime) -> int:
    """Whole seconds from ``now`` to the deadline, rounded up, never below 0."""
    return max(0, math.ceil((deadline_at - now).total_seconds()))


def save_allowed(*, now: datetime, deadline_at: datetime, grace: timedelta) -> bool:
    """True while a save may still be accepted: ``now <= deadline_at + grace``."""
    return now <= deadline_at + grace


def is_expired(*, now: datetime, deadline_at: datetime, grace: timedelta) -> bool:
    """True once nothing more can be saved: the attempt is to be finalized with what was saved."""
    return not save_allowed(now=now, deadline_at=deadline_at, grace=grace)


def format_clock(seconds: int) -> str:
    """``seconds`` as ``MM:SS`` (or ``H:MM:SS`` from one hour): 1200 -> ``"20:00"``."""
    hours, rest = divmod(max(0, int(seconds)), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"
