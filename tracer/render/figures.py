"""SVG figures drawn by string building: a network diagram, a chain-rule path, loss curves.

No plotting library: each figure is a few dozen shapes whose coordinates are rounded to 0.1 px
and written in a fixed order, so the same input gives byte-identical SVG on every machine. The
SVG has no ids and no ``<style>``, so it can be inlined into any page (and several times).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Sequence
from xml.sax.saxutils import escape, quoteattr

import numpy as np

from tracer.render.numbers import num

POSITIVE = "#2166ac"   # blue: a positive weight
NEGATIVE = "#c4432b"   # red: a negative weight
HIGHLIGHT = "#e08214"  # orange: the chain-rule path
MUTED = "#c8c8c8"
INK = "#222222"
PALETTE = ("#2166ac", "#e08214", "#1b9e77", "#7570b3", "#c4432b", "#66a61e")
FONT = "'Noto Sans CJK SC','Noto Sans','DejaVu Sans',sans-serif"
MAX_NODES = 10      # nodes drawn per layer; larger layers show their first and last few
MAX_LABELLED = 16   # weights written on the edges when a layer pair has at most this many
STEP = 64           # vertical distance between nodes


@dataclass(frozen=True)
class Series:
    """One line of a curve figure (the diff report draws two in one figure)."""

    label: str
    """Legend text (plain text; escaped when drawn)."""
    x: Sequence[float]
    """Iterations."""
    y: Sequence[float]
    """Values, positive for a log scale."""
    marks: Sequence[float] = ()
    """x values to mark with a dot (the iterations a table lists)."""
    color: str | None = None
    """A CSS colour; default: the next colour of the palette."""


@dataclass(frozen=True)
class Path:
    """The chain-rule path of one weight: the edge it sits on and the units the error flows through."""

    layer: int
    """k of the weight w_k."""
    row: int
    """The source unit i of w_k[i, j]."""
    col: int
    """The target unit j of w_k[i, j]."""


@dataclass
class _Svg:
    width: int
    height: int
    parts: list[str] = field(default_factory=list)

    def add(self, tag: str, text: str | None = None, **attrs) -> None:
        attr = "".join(f" {k.rstrip('_').replace('_', '-')}={quoteattr(_fmt(v))}" for k, v in attrs.items())
        self.parts.append(f"<{tag}{attr}/>" if text is None else f"<{tag}{attr}>{escape(text)}</{tag}>")

    def render(self, label: str) -> str:
        head = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {self.width} {self.height}" '
                f'width="{self.width}" height="{self.height}" role="img" aria-label={quoteattr(label)} '
                f'font-family="{FONT}" font-size="12">')
        return "\n".join([head, f"<title>{escape(label)}</title>", *self.parts, "</svg>"]) + "\n"


def _fmt(v) -> str:
    return f"{v:.1f}" if isinstance(v, float) else str(v)


def _shown(n: int) -> list[int | None]:
    """Unit indices drawn for a layer of ``n`` units; ``None`` marks the ellipsis."""
    if n <= MAX_NODES:
        return list(range(n))
    half = MAX_NODES // 2
    return [*range(half), None, *range(n - half + 1, n)]


def network(weights: Sequence[np.ndarray], *, label: str, biases: Sequence[np.ndarray] | None = None,
            path: Path | None = None, layer_names: Sequence[str] | None = None, digits: int = 3) -> str:
    """The network diagram: nodes per layer, edges coloured by sign and thickened by magnitude.

    Parameters
    ----------
    weights
        ``w0 … w(L-1)``, shapes ``(layers[k], layers[k+1])``.
    label
        The accessible name (``<title>`` and ``aria-label``).
    biases
        Optional ``b0 …``; small networks write each unit's bias under it.
    path
        Highlight the chain-rule path of one weight: that edge, the units downstream and an
        error node E; every other edge is drawn muted.
    layer_names
        Text under each column (default ``l0 … lL``).
    """
    sizes = [w.shape[0] for w in weights] + [weights[-1].shape[1]]
    gap = 250 if len(sizes) <= 3 else 190
    width, top, bottom = gap * (len(sizes) - 1) + 100 + (110 if path else 0), 30, 46
    height = top + bottom + STEP * min(max(sizes), MAX_NODES + 1)
    svg = _Svg(width, height)
    xs = [50 + gap * k for k in range(len(sizes))]
    ys = [_column(n, top, height - bottom) for n in sizes]
    scale = max(float(np.max(np.abs(w))) for w in weights) or 1.0
    on_path = _path_units(path, sizes) if path else None
    for k, w in enumerate(weights):
        labelled = w.size <= MAX_LABELLED and path is None
        _edges(svg, k, w, xs, ys, scale, on_path, path, labelled, digits)
    if path:
        ex, ey = xs[-1] + 100, (top + height - bottom) / 2
        for j, y in ys[-1].items():
            svg.add("line", x1=float(xs[-1]), y1=float(y), x2=float(ex), y2=float(ey), stroke=HIGHLIGHT, stroke_width=2.0)
        svg.add("circle", cx=float(ex), cy=float(ey), r=18.0, fill="#fff4e6", stroke=HIGHLIGHT, stroke_width=2.0)
        svg.add("text", "E", x=float(ex), y=float(ey + 5), text_anchor="middle", font_size=15, font_style="italic")
    for k, column in enumerate(ys):
        _nodes(svg, k, column, xs[k], on_path, biases if path is None else None, digits)
        name = layer_names[k] if layer_names else f"l{k}"
        svg.add("text", f"{name} ({sizes[k]})", x=float(xs[k]), y=float(height - 14), text_anchor="middle", fill=INK)
    return svg.render(label)


def _column(n: int, top: float, bottom: float) -> dict[int | None, float]:
    shown = _shown(n)
    step = float(STEP)
    start = (top + bottom) / 2 - step * (len(shown) - 1) / 2
    return {unit: start + step * i for i, unit in enumerate(shown)}


def _path_units(path: Path, sizes: Sequence[int]) -> list[set]:
    """Per layer, the units the chosen weight's error signal flows through."""
    units: list[set] = [set() for _ in sizes]
    units[path.layer].add(path.row)
    units[path.layer + 1].add(path.col)
    for k in range(path.layer + 2, len(sizes)):
        units[k] = set(range(sizes[k]))
    return units


def _edges(svg, k, w, xs, ys, scale, on_path, path, labelled, digits) -> None:
    rows, cols = ys[k], ys[k + 1]
    for t_index, (i, yi) in enumerate(rows.items()):
        if i is None:
            continue
        for j, yj in cols.items():
            if j is None:
                continue
            value = float(w[i, j])
            stroke = POSITIVE if value >= 0 else NEGATIVE
            width = 0.6 + 4.4 * abs(value) / scale
            if on_path is not None:
                chosen = path.layer == k and (i, j) == (path.row, path.col)
                downstream = k > path.layer and i in on_path[k] and j in on_path[k + 1]
                stroke = HIGHLIGHT if chosen or downstream else MUTED
                width = 5.0 if chosen else (2.0 if downstream else 1.0)
            svg.add("line", x1=float(xs[k] + 16), y1=float(yi), x2=float(xs[k + 1] - 16), y2=float(yj),
                    stroke=stroke, stroke_width=float(width), stroke_linecap="round")
            if labelled:
                t = 0.3 + 0.42 * (t_index / max(1, len(rows) - 1))
                x = xs[k] + 16 + t * (xs[k + 1] - xs[k] - 32)
                y = yi + t * (yj - yi)
                svg.add("text", num(value, digits), x=float(x), y=float(y + 4), text_anchor="middle",
                        font_size=12, fill=stroke, stroke="#ffffff", stroke_width=3.0, paint_order="stroke")


def _nodes(svg, k, column, x, on_path, biases, digits) -> None:
    for unit, y in column.items():
        if unit is None:
            svg.add("text", "⋮", x=float(x), y=float(y + 6), text_anchor="middle", font_size=18, fill=INK)
            continue
        lit = on_path is not None and unit in on_path[k]
        svg.add("circle", cx=float(x), cy=float(y), r=16.0, fill="#fff4e6" if lit else "#ffffff",
                stroke=HIGHLIGHT if lit else INK, stroke_width=2.0 if lit else 1.2)
        svg.add("text", str(unit), x=float(x), y=float(y + 4), text_anchor="middle", fill=INK)
        if biases is not None and k > 0 and len(column) <= 6:
            svg.add("text", "b=" + num(float(biases[k - 1][unit]), digits), x=float(x), y=float(y + 29),
                    text_anchor="middle", font_size=10, fill="#555555")


def curves(series: Sequence[Series], *, label: str, x_label: str, y_label: str, log: bool = True) -> str:
    """Line plot of one or more series over iterations, log-scaled in y by default.

    Dots mark each series' ``marks``; a legend appears when there is more than one series.
    """
    width, height = 640, 360
    left, right, top, bottom = 70, 20, 20, 50
    svg = _Svg(width, height)
    xs = [float(v) for s in series for v in s.x]
    ys = [float(v) for s in series for v in s.y if not log or v > 0]
    x0, x1 = min(xs), max(xs) if max(xs) > min(xs) else min(xs) + 1
    f = math.log10 if log else (lambda v: v)
    lo, hi = (math.floor(f(min(ys))), math.ceil(f(max(ys)))) if log else _nice_range(min(ys), max(ys))
    hi = hi if hi > lo else lo + 1

    def px(v: float) -> float:
        return left + (v - x0) / (x1 - x0) * (width - left - right)

    def py(v: float) -> float:
        return top + (hi - f(v)) / (hi - lo) * (height - top - bottom)

    svg.add("rect", x=float(left), y=float(top), width=float(width - left - right),
            height=float(height - top - bottom), fill="#ffffff", stroke="#888888")
    for tick in _ticks(lo, hi, log):
        y = py(tick)
        svg.add("line", x1=float(left), y1=y, x2=float(width - right), y2=y, stroke="#e6e6e6")
        svg.add("text", num(tick, 3), x=float(left - 6), y=float(y + 4), text_anchor="end", font_size=11, fill=INK)
    for tick in _ticks(x0, x1, False, count=6):
        x = px(tick)
        svg.add("line", x1=x, y1=float(height - bottom), x2=x, y2=float(height - bottom + 5), stroke="#888888")
        svg.add("text", num(tick, 6), x=x, y=float(height - bottom + 18), text_anchor="middle", font_size=11, fill=INK)
    for n, s in enumerate(series):
        color = s.color or PALETTE[n % len(PALETTE)]
        pts = [(px(float(a)), py(float(b))) for a, b in zip(s.x, s.y) if not log or b > 0]
        svg.add("polyline", points=" ".join(f"{a:.1f},{b:.1f}" for a, b in pts), fill="none",
                stroke=color, stroke_width=2.0, stroke_linejoin="round")
        lookup = {float(a): float(b) for a, b in zip(s.x, s.y)}
        for m in s.marks:
            if float(m) in lookup and (not log or lookup[float(m)] > 0):
                svg.add("circle", cx=px(float(m)), cy=py(lookup[float(m)]), r=4.0, fill="#ffffff",
                        stroke=color, stroke_width=2.0)
        if len(series) > 1:
            ly = top + 16 + 18 * n
            svg.add("line", x1=float(width - right - 150), y1=float(ly - 4), x2=float(width - right - 128),
                    y2=float(ly - 4), stroke=color, stroke_width=3.0)
            svg.add("text", s.label, x=float(width - right - 122), y=float(ly), font_size=12, fill=INK)
    svg.add("text", x_label, x=float((left + width - right) / 2), y=float(height - 12), text_anchor="middle", fill=INK)
    svg.add("text", y_label, x=16.0, y=float((top + height - bottom) / 2), text_anchor="middle", fill=INK,
            transform=f"rotate(-90 16 {(top + height - bottom) / 2:.1f})")
    return svg.render(label)


def _nice_range(lo: float, hi: float) -> tuple[float, float]:
    span = (hi - lo) or 1.0
    return lo - 0.05 * span, hi + 0.05 * span


def _ticks(lo: float, hi: float, log: bool, count: int = 5) -> list[float]:
    """Decades for a log axis (values, not exponents); round numbers for a linear one."""
    if log:
        step = max(1, math.ceil((hi - lo) / 6))
        return [10.0 ** e for e in range(int(lo), int(hi) + 1, step)]
    raw = (hi - lo) / count
    mag = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.ceil(lo / step) * step
    return [first + i * step for i in range(int((hi - first) / step + 1e-9) + 1)]
