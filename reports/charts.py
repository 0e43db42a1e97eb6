"""Geometry of tiny server-rendered SVG charts (no JavaScript, no CDN): pure functions.

The templates ``reports/svg/bar_chart.html`` and ``line_chart.html`` draw what these return.
Coordinates are SVG user units; the plot leaves ``MARGIN`` on the left for the axis labels
and at the bottom for the category labels.
"""

from __future__ import annotations

MARGIN_LEFT = 40
MARGIN_BOTTOM = 36
MARGIN_TOP = 10


def _scale_max(values: list[float]) -> float:
    top = max([v for v in values if v is not None] or [0])
    return float(top) if top > 0 else 1.0


def bar_chart(labels: list[str], values: list[float | None], *, width: int = 640, height: int = 220) -> dict:
    """Bars for ``values`` (None draws no bar): ``{"width", "height", "bars": [{"x", "y", "w",
    "h", "label", "value", "label_x"}], "axis": [{"y", "value"}], "baseline"}``."""
    plot_w = width - MARGIN_LEFT - 4
    plot_h = height - MARGIN_BOTTOM - MARGIN_TOP
    top = _scale_max(values)
    n = max(1, len(values))
    slot = plot_w / n
    bars = []
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        h = 0.0 if value is None else plot_h * float(value) / top
        x = MARGIN_LEFT + i * slot + slot * 0.1
        bars.append(
            {
                "x": round(x, 1),
                "y": round(MARGIN_TOP + plot_h - h, 1),
                "w": round(slot * 0.8, 1),
                "h": round(h, 1),
                "label": label,
                "value": value,
                "label_x": round(x + slot * 0.4, 1),
            }
        )
    axis = [{"y": round(MARGIN_TOP + plot_h * (1 - f), 1), "value": _fmt(top * f)} for f in (0, 0.5, 1)]
    return {"width": width, "height": height, "bars": bars, "axis": axis, "baseline": MARGIN_TOP + plot_h}


def line_chart(
    labels: list[str], series: dict[str, list[float | None]], *, width: int = 640, height: int = 220, top=None
) -> dict:
    """Lines, one per series name (values aligned with ``labels``; None breaks nothing, the
    point is skipped): ``{"width", "height", "lines": [{"name", "points", "dots", "colour"}],
    "labels": [{"x", "text"}], "axis", "baseline"}``; ``top`` fixes the scale (e.g. 100 for percents)."""
    plot_w = width - MARGIN_LEFT - 4
    plot_h = height - MARGIN_BOTTOM - MARGIN_TOP
    every = [v for values in series.values() for v in values]
    top = float(top) if top else _scale_max(every)
    n = max(1, len(labels))
    step = plot_w / n
    xs = [MARGIN_LEFT + step * (i + 0.5) for i in range(len(labels))]
    palette = ["#007d7e", "#cd4444", "#2e1f5e", "#e9b04d", "#4b8c2a", "#6e6e6e"]
    lines = []
    for s, (name, values) in enumerate(series.items()):
        dots = [
            {"x": round(x, 1), "y": round(MARGIN_TOP + plot_h * (1 - float(v) / top), 1), "value": v}
            for x, v in zip(xs, values, strict=True)
            if v is not None
        ]
        lines.append(
            {
                "name": name,
                "points": " ".join(f"{d['x']},{d['y']}" for d in dots),
                "dots": dots,
                "colour": palette[s % len(palette)],
            }
        )
    axis = [{"y": round(MARGIN_TOP + plot_h * (1 - f), 1), "value": _fmt(top * f)} for f in (0, 0.5, 1)]
    return {
        "width": width,
        "height": height,
        "lines": lines,
        "labels": [{"x": round(x, 1), "text": text} for x, text in zip(xs, labels, strict=True)],
        "axis": axis,
        "baseline": MARGIN_TOP + plot_h,
    }


def _fmt(value: float) -> str:
    return f"{value:.0f}" if value >= 10 or value == int(value) else f"{value:.2f}"
