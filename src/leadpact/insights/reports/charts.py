"""Charts as inline SVG, drawn here and written by a Jinja2 template: no script, no external file, prints as is.

Each function returns a `Chart` block; the numbers it shows are also in a table beside it, for the formats that
cannot draw."""

from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template

from leadpact.insights.reports.blocks import Chart, Format
from leadpact.insights.reports.formatting import display

PALETTE = ["#3b6fd8", "#e0892b", "#3aa57a", "#c8475a", "#8a63c7", "#5a6376", "#d4b13f", "#2aa1b3", "#a0522d",
           "#e377c2", "#7f9c2b", "#1f3f7a"]
INK, MUTED, GRID, ALERT = "#1d2330", "#5a6376", "#e3e6ec", "#c8475a"
WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 640, 260, 48, 16, 24, 42


@lru_cache(maxsize=1)
def _template() -> Template:
    templates = Path(__file__).parent / "templates"
    environment = Environment(loader=FileSystemLoader(templates), autoescape=True, undefined=StrictUndefined,
                              trim_blocks=True, lstrip_blocks=True)
    return environment.get_template("chart.svg.j2")


def _svg(title: str, shapes: list[dict[str, Any]], width: int = WIDTH, height: int = HEIGHT) -> Chart:
    return Chart(title, _template().render(title=title, shapes=shapes, width=width, height=height).strip())


def nice_ceiling(value: float) -> float:
    """Return a round number (1, 2 or 5 × 10^k) at or above `value`, so gridlines fall on readable values."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 2, 5, 10) if step * power >= value)


def axis_top(value: float, format: Format) -> float:
    """Return the top of a value axis with four equal, round steps (whole steps for counts, 100 % for shares)."""
    if format == "percent" and value <= 1:
        return 1.0
    step = nice_ceiling(value / 4) if value > 0 else 0.25
    return 4 * (max(1.0, step) if format == "int" else step)


def _text(x: float, y: float, text: str, *, anchor: str = "middle", size: int = 11, fill: str = MUTED) -> dict:
    return {"kind": "text", "x": round(x, 1), "y": round(y, 1), "text": text, "anchor": anchor, "size": size,
            "fill": fill}


def _grid(top: float, fmt: Format) -> list[dict[str, Any]]:
    """Horizontal gridlines with their values, bottom to top."""
    shapes, plot = [], HEIGHT - TOP - BOTTOM
    for step in range(5):
        y = HEIGHT - BOTTOM - plot * step / 4
        shapes.append({"kind": "line", "x1": LEFT, "y1": round(y, 1), "x2": WIDTH - RIGHT, "y2": round(y, 1),
                       "stroke": GRID, "width": 1, "dash": ""})
        shapes.append(_text(LEFT - 6, y + 4, display(top * step / 4, fmt), anchor="end", size=10))
    return shapes


def _legend(names: list[str]) -> tuple[list[dict[str, Any]], int]:
    """Return a legend under the plot, wrapped onto as many rows as it needs, and the height it adds."""
    shapes: list[dict[str, Any]] = []
    x, y = LEFT, HEIGHT - 6
    for index, name in enumerate(names):
        width = 24 + 7 * len(name)
        if x + width > WIDTH - RIGHT and x > LEFT:
            x, y = LEFT, y + 18
        shapes.append({"kind": "rect", "x": x, "y": y - 9, "w": 10, "h": 10, "fill": PALETTE[index % len(PALETTE)],
                       "tip": name})
        shapes.append(_text(x + 14, y, name, anchor="start", fill=INK))
        x += width
    return shapes, (y - (HEIGHT - 6) + 18 if names else 0)


def _slots(count: int) -> tuple[float, float]:
    """Return (slot width, bar width) for `count` bars across the plot."""
    slot = (WIDTH - LEFT - RIGHT) / max(count, 1)
    return slot, min(48.0, slot * 0.7)


def _y(value: float, top: float) -> float:
    return HEIGHT - BOTTOM - (HEIGHT - TOP - BOTTOM) * value / top


def bar_chart(title: str, labels: list[str], values: list[float], *, target: float | None = None,
              target_label: str = "", format: Format = "int") -> Chart:
    """Return vertical bars, one per label, with an optional dashed target line (e.g. the MQL commitment)."""
    top = axis_top(max([*values, target or 0, 0]), format)
    shapes, (slot, bar) = _grid(top, format), _slots(len(labels))
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        x, y = LEFT + slot * index + (slot - bar) / 2, _y(value, top)
        short = target is not None and value < target
        shapes.append({"kind": "rect", "x": round(x, 1), "y": round(y, 1), "w": round(bar, 1),
                       "h": round(HEIGHT - BOTTOM - y, 1), "fill": ALERT if short else PALETTE[0],
                       "tip": f"{label}: {display(value, format)}"})
        shapes.append(_text(x + bar / 2, y - 4, display(value, format), fill=INK))
        shapes.append(_text(x + bar / 2, HEIGHT - BOTTOM + 16, label))
    if target is not None:
        y = round(_y(target, top), 1)
        shapes.append({"kind": "line", "x1": LEFT, "y1": y, "x2": WIDTH - RIGHT, "y2": y, "stroke": INK, "width": 1.5,
                       "dash": "6 4"})
        shapes.append(_text(WIDTH - RIGHT, y - 5, f"{target_label} {display(target, format)}".strip(),
                            anchor="end", fill=INK))
    return _svg(title, shapes)


def hbar_chart(title: str, labels: list[str], values: list[float], *, format: Format = "int") -> Chart:
    """Return horizontal bars, one per label (funnel stages, channels, reasons), longest scale first."""
    row, label_width, height = 26, 170, 26 * len(labels) + 20
    top = nice_ceiling(max([*values, 0]))
    shapes: list[dict[str, Any]] = []
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = 10 + row * index
        length = (WIDTH - label_width - 70) * value / top
        shapes.append(_text(label_width - 8, y + 14, label, anchor="end", fill=INK))
        shapes.append({"kind": "rect", "x": label_width, "y": y, "w": round(length, 1), "h": 18,
                       "fill": PALETTE[index % len(PALETTE)] if len(labels) <= 8 else PALETTE[0],
                       "tip": f"{label}: {display(value, format)}"})
        shapes.append(_text(label_width + length + 6, y + 14, display(value, format), anchor="start", fill=INK))
    return _svg(title, shapes, height=max(height, 40))


def line_chart(title: str, labels: list[str], series: dict[str, list[float | None]], *,
               format: Format = "percent", top: float | None = None) -> Chart:
    """Return one line per series over the labels (e.g. acceptance and MQL → SQL by month); gaps stay gaps."""
    values = [v for points in series.values() for v in points if v is not None]
    top = top or axis_top(max([*values, 0]), format)
    legend, extra = _legend(list(series))
    shapes = _grid(top, format) + legend
    slot, _ = _slots(len(labels))
    for index, label in enumerate(labels):
        shapes.append(_text(LEFT + slot * (index + 0.5), HEIGHT - BOTTOM + 16, label))
    for number, (name, points) in enumerate(series.items()):
        colour = PALETTE[number % len(PALETTE)]
        placed = [(LEFT + slot * (i + 0.5), _y(v, top), v) for i, v in enumerate(points) if v is not None]
        if len(placed) > 1:
            shapes.append({"kind": "polyline", "stroke": colour,
                           "points": " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in placed)})
        shapes += [{"kind": "circle", "x": round(x, 1), "y": round(y, 1), "fill": colour,
                    "tip": f"{name}: {display(v, format)}"} for x, y, v in placed]
    return _svg(title, shapes, height=HEIGHT + extra)


def stacked_chart(title: str, labels: list[str], series: dict[str, list[float]], *, format: Format = "int") -> Chart:
    """Return vertical bars per label, stacked by series (e.g. rejection reasons per month)."""
    totals = [sum(points[i] for points in series.values()) for i in range(len(labels))]
    top = axis_top(max([*totals, 0]), format)
    legend, extra = _legend(list(series))
    shapes = _grid(top, format) + legend
    slot, bar = _slots(len(labels))
    for index, label in enumerate(labels):
        x, base = LEFT + slot * index + (slot - bar) / 2, 0.0
        for number, (name, points) in enumerate(series.items()):
            value = points[index]
            if value:
                y0, y1 = _y(base, top), _y(base + value, top)
                shapes.append({"kind": "rect", "x": round(x, 1), "y": round(y1, 1), "w": round(bar, 1),
                               "h": round(y0 - y1, 1), "fill": PALETTE[number % len(PALETTE)],
                               "tip": f"{label}, {name}: {display(value, format)}"})
                base += value
        shapes.append(_text(x + bar / 2, _y(base, top) - 4, display(totals[index], format), fill=INK))
        shapes.append(_text(x + bar / 2, HEIGHT - BOTTOM + 16, label))
    return _svg(title, shapes, height=HEIGHT + extra)
