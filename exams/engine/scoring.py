"""Scoring an attempt from its items' points and fractions, in exact ``Decimal``.

Rules (DESIGN.md trust rules; issue 4): scores and cut scores are compared as
``Decimal``, never as float; percent is kept exact and rounded only for display, and a
failing percent is never displayed as reaching the cut score (89.655 % at a 90 % cut
shows as 89.66 %, and 89.996 % shows as 89.99 %, not 90.00 %).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

SCORE_PLACES = Decimal("0.0001")  # points, as stored on items and attempts
FRACTION_PLACES = Decimal("0.00000001")
PERCENT_PLACES = Decimal("0.00000001")
DISPLAY_PLACES = Decimal("0.01")
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class AttemptScore:
    """``score`` and ``max_score`` in points, ``percent`` in [0, 100] (8 places, never rounded up)."""

    score: Decimal
    max_score: Decimal
    percent: Decimal


def item_score(*, points: Decimal, fraction: Decimal) -> tuple[Decimal, Decimal]:
    """``(fraction, score)`` of one item: the fraction clamped to [0, 1] and quantized to
    8 places, and ``points * fraction`` quantized to 4 places (half up)."""
    fraction = min(max(Decimal(fraction), Decimal(0)), Decimal(1)).quantize(FRACTION_PLACES, rounding=ROUND_DOWN)
    return fraction, (Decimal(points) * fraction).quantize(SCORE_PLACES, rounding=ROUND_HALF_UP)


def attempt_score(items: Iterable[tuple[Decimal, Decimal]]) -> AttemptScore:
    """Total of ``(points, score)`` pairs. Percent is ``score / max_score * 100``, truncated
    (never rounded up) to 8 places; an attempt with no points scores 0 %."""
    score = Decimal(0)
    max_score = Decimal(0)
    for points, earned in items:
        max_score += Decimal(points)
        score += Decimal(earned)
    percent = (score * HUNDRED / max_score).quantize(PERCENT_PLACES, rounding=ROUND_DOWN) if max_score else Decimal(0)
    return AttemptScore(score=score, max_score=max_score, percent=percent)


def passes(*, percent: Decimal, cut_score: Decimal) -> bool:
    """True when ``percent >= cut_score`` (both ``Decimal`` percents)."""
    return Decimal(percent) >= Decimal(cut_score)


def display_percent(*, percent: Decimal, cut_score: Decimal | None = None) -> Decimal:
    """``percent`` rounded half up to 2 places for display; if that would show a failing
    result as reaching ``cut_score``, truncated instead."""
    shown = Decimal(percent).quantize(DISPLAY_PLACES, rounding=ROUND_HALF_UP)
    if cut_score is not None and not passes(percent=percent, cut_score=cut_score) and shown >= cut_score:
        shown = Decimal(percent).quantize(DISPLAY_PLACES, rounding=ROUND_DOWN)
    return shown
