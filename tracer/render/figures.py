"""SVG figures drawn by string building: a network diagram, a chain-rule path, loss curves.

No plotting library: each figure is a few dozen shapes whose coordinates are rounded to 0.1 px
and written in a fixed order, so the same input gives byte-identical SVG on every machine. The
SVG has no ids and no ``<style>``, so it can be inlined into any page (and several times).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Sequence
from xml.sax.saxutils import escape, quoteattr

import numpy as np

from tracer.render import labels
from tracer.render.numbers import shown

POSITIVE = "#2166ac"   # blue: a positive weight
NEGATIVE = "#c4432b"   # red: a negative weight
HIGHLIGHT = "#e08214"  # orange: the chain-rule path
MUTED = "#c8c8c8"
INK = "#222222"
PALETTE = ("#2166ac", "#e08214", "#1b9e77", "#7570b3", "#c4432b", "#66a61e")
FONT = "'Noto Sans CJK SC','Noto Sans','DejaVu Sans',sans-serif"
MAX_NODES = 10      # nodes drawn per layer; larger layers show their first and last few
GAP = 250           # horizontal distance between layers in the compact drawing (two weight layers)
DEEP_GAP = 200      # … and with three or more (the wider drawings scale it likewise)


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


@dataclass(frozen=True)
class Mark:
    """A number written on the chain-rule path: at a node, on an edge, or by the error node E."""

    text: str
    where: tuple
    """``("node", layer, unit)``, ``("edge", k, i, j)`` or ``("E",)``."""


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
            path: Path | None = None, layer_names: Sequence[str] | None = None, digits: int = 3,
            derivation=None, sample: int | None = None) -> str:
    """The network diagram: nodes per layer, edges coloured and thickened by their weight.

    Each weight is written on its edge where its label fits: on the line, clear of every other
    line, label and node (``tracer.render.labels``); when some do not fit, a colour scale from
    −max to +max is drawn above the network. The same input gives the same SVG bytes.

    Parameters
    ----------
    weights
        ``w0 … w(L-1)``, shapes ``(layers[k], layers[k+1])``.
    label
        The accessible name (``<title>`` and ``aria-label``).
    biases
        Optional ``b0 …``; each unit's bias is written beside it where it fits.
    path
        Highlight the chain-rule path of one weight: that edge, the units downstream and an
        error node E; every other edge is drawn muted.
    layer_names
        Text under each column (default ``l0 … lL``).
    digits
        Significant digits of every number drawn (the lesson's ``--digits``).
    derivation, sample
        With ``path``: a ``tracer.derive`` result for that weight, whose factors are written along
        the path at sample ``sample`` (default 0), and whose element names the figure.
    """
    sizes = [w.shape[0] for w in weights] + [weights[-1].shape[1]]
    marks = chain_marks(derivation, path, sizes, sample or 0, digits) if path and derivation is not None else []
    heading = chain_title(derivation, sample or 0, digits) if path and derivation is not None else None
    scale = max(float(np.max(np.abs(w))) for w in weights) or 1.0
    on_path = _path_units(path, sizes) if path else None
    best = None
    for step, gap in (GEOMETRIES if path is None else PATH_GEOMETRIES):
        g = _layout(sizes, step, gap if len(sizes) <= 3 else gap * DEEP_GAP // GAP, path, marks, heading, layer_names)
        g.segments = _edge_segments(weights, g.xs, g.ys, scale, on_path, path) + g.segments
        wanted = (_weight_labels(weights, g.xs, g.ys, digits) if path is None else []) \
            + (_bias_labels(biases, g.xs, g.ys, digits) if path is None and biases is not None else []) \
            + _mark_labels(marks, g.xs, g.ys, g.ex, g.ey)
        placed = labels.place([item for item, _ in wanted], g.segments, g.circles, g.fixed, g.frame)
        placed, missing = _whole_pairs(placed, [kind for _, kind in wanted])
        count = sum(p is not None for p in placed)
        if best is None or count > best[0]:
            best = (count, g, placed, missing)
        if count == len(wanted):
            break
    _, g, placed, missing = best
    band = LEGEND_HEIGHT if missing else 0
    svg = _Svg(g.width, g.height + band)
    if heading:
        svg.add("text", heading, x=12.0, y=22.0, font_size=14, font_weight="bold", fill=INK)
    if band:
        _legend(svg, scale, g.width, digits)
        svg.parts.append(f'<g transform="translate(0 {band})">')
    for seg in g.segments:
        svg.add("line", x1=seg.x1, y1=seg.y1, x2=seg.x2, y2=seg.y2, stroke=_colour(seg, weights, scale, on_path),
                stroke_width=float(seg.width), stroke_linecap="round", data_edge=_key_text(seg.key))
    if path:
        svg.add("circle", cx=g.ex, cy=g.ey, r=18.0, fill="#fff4e6", stroke=HIGHLIGHT, stroke_width=2.0)
        svg.add("text", "E", x=g.ex, y=g.ey + 5, text_anchor="middle", font_size=15, font_style="italic")
    for k, column in enumerate(g.ys):
        _nodes(svg, k, column, g.xs[k], on_path)
        svg.add("text", _layer_text(layer_names, k, sizes), x=float(g.xs[k]), y=float(g.height - 14),
                text_anchor="middle", fill=INK)
    for spot in placed:
        if spot is not None:
            _draw_label(svg, spot)
    if band:
        svg.parts.append("</g>")
    return svg.render(label)


#: (vertical step between nodes, horizontal gap between layers) tried in turn until every weight's
#: label fits; the first is the compact drawing used when none does.
GEOMETRIES = ((64, 250), (80, 300), (96, 300), (80, 360), (96, 360))
#: The same for a chain-path figure, compact first: it sits beside a table.
PATH_GEOMETRIES = ((56, 170), (64, 200), (64, 250), (80, 300), (96, 360))


@dataclass
class _Layout:
    width: int
    height: int
    xs: list
    ys: list
    ex: float
    ey: float
    segments: list
    circles: list
    fixed: list
    frame: "labels.Box"


def _layout(sizes, step, gap, path, marks, heading, layer_names) -> _Layout:
    """Where the nodes, the error node and the fixed texts go for one spacing."""
    top, bottom = (48 if heading else 30), 46
    mark_width = max((labels.text_width(m.text, MARK_SIZE) for m in marks if m.where == ("E",)), default=0.0)
    xs = [50 + gap * k for k in range(len(sizes))]
    ex = float(xs[-1] + 100)
    width = xs[-1] + 50 if not path else int(math.ceil(max(ex + 40, ex + mark_width / 2 + 8)))
    if heading:
        width = max(width, int(math.ceil(labels.text_width(heading, 14) * 1.1 + 24)))
    height = top + bottom + step * min(max(sizes), MAX_NODES + 1)
    ys = [_column(n, top, height - bottom, step) for n in sizes]
    ey = float((top + height - bottom) / 2)
    segments = [labels.Segment(float(xs[-1]), float(y), ex, ey, 2.0, ("E", j))
                for j, y in ys[-1].items() if j is not None] if path else []
    circles = [labels.Circle(float(xs[k]), float(y), 16.0) for k, col in enumerate(ys) for u, y in col.items()
               if u is not None] + ([labels.Circle(ex, ey, 18.0)] if path else [])
    fixed = [labels.Box(xs[k] - 8.0, y - 14.0, xs[k] + 8.0, y + 10.0) for k, col in enumerate(ys)
             for u, y in col.items() if u is None]
    fixed += [labels.label_box(_layer_text(layer_names, k, sizes), float(xs[k]), float(height - 18), 12.0)
              for k in range(len(sizes))]
    frame = labels.Box(1.0, top - 24.0 if not heading else top - 8.0, float(width - 1), float(height - 30))
    return _Layout(width, height, xs, ys, ex, ey, segments, circles, fixed, frame)


def _whole_pairs(placed, kinds):
    """Weight labels by layer pair, all or none: a pair with a label that did not fit is shown
    by the colour scale alone. Returns the labels kept and whether any weight went unlabelled."""
    broken = set()
    for spot, kind in zip(placed, kinds):
        if kind[0] == "weight" and spot is None:
            broken.add(kind[1])
    kept = [None if kind[0] == "weight" and kind[1] in broken else spot for spot, kind in zip(placed, kinds)]
    return kept, bool(broken)


LABEL_SIZE = 11.0   # a weight on its edge
MARK_SIZE = 12.0    # a factor on the chain-rule path
LEGEND_HEIGHT = 34


def _layer_text(layer_names, k: int, sizes) -> str:
    name = layer_names[k] if layer_names else f"l{k}"
    return f"{name} ({sizes[k]})"


def _key_text(key) -> str:
    """``w0[1,2]`` for an edge's key ``(0, 1, 2)``; ``E`` for a line into the error node."""
    if key[0] == "E":
        return f"E[{key[1]}]"
    return f"w{key[0]}[{key[1]},{key[2]}]"


def shade(value: float, scale: float) -> str:
    """The colour of a weight: grey at 0, deepening to blue (positive) or red (negative) at ±scale."""
    t = min(1.0, abs(value) / scale) if scale else 0.0
    end = POSITIVE if value >= 0 else NEGATIVE
    start = (0xbf, 0xbf, 0xbf)
    rgb = [int(end[n:n + 2], 16) for n in (1, 3, 5)]
    mixed = [round(a + (b - a) * t) for a, b in zip(start, rgb)]
    return "#" + "".join(f"{c:02x}" for c in mixed)


def _stroke_width(value: float, scale: float) -> float:
    return round(0.6 + 4.4 * abs(value) / scale, 1)


def _edge_segments(weights, xs, ys, scale, on_path, path) -> list:
    out = []
    for k, w in enumerate(weights):
        for i, yi in ys[k].items():
            if i is None:
                continue
            for j, yj in ys[k + 1].items():
                if j is None:
                    continue
                value = float(w[i, j])
                width = _stroke_width(value, scale)
                if on_path is not None:
                    chosen = path.layer == k and (i, j) == (path.row, path.col)
                    downstream = k > path.layer and i in on_path[k] and j in on_path[k + 1]
                    width = 5.0 if chosen else (2.0 if downstream else 1.0)
                out.append(labels.Segment(float(xs[k] + 16), float(yi), float(xs[k + 1] - 16), float(yj),
                                          width, (k, i, j)))
    return out


def _colour(seg, weights, scale: float, on_path) -> str:
    if seg.key[0] == "E":
        return HIGHLIGHT
    if on_path is not None:
        return HIGHLIGHT if seg.width >= 2.0 else MUTED
    k, i, j = seg.key
    return shade(float(weights[k][i, j]), scale)


def _weight_labels(weights, xs, ys, digits) -> list:
    """One label per drawn edge, its candidates along the edge, staggered by source unit."""
    out = []
    for k, w in enumerate(weights):
        rows = [i for i in ys[k] if i is not None]
        for n, i in enumerate(rows):
            prefer = 0.3 + 0.4 * (n / max(1, len(rows) - 1))
            for j, yj in ys[k + 1].items():
                if j is None:
                    continue
                value = float(w[i, j])
                spots = labels.along(float(xs[k] + 16), float(ys[k][i]), float(xs[k + 1] - 16), float(yj), prefer)
                out.append((labels.Label(shown(value, digits), spots, LABEL_SIZE, (k, i, j)), ("weight", k)))
    return out


def _around(x: float, y: float, r: float, text: str, size: float) -> list[tuple[float, float]]:
    """Centres just below, above, then beside a node of radius ``r``; then one line further out."""
    half_h = size * (labels.ASCENT + labels.DESCENT) / 2 + labels.PAD + 1.0
    half_w = labels.text_width(text, size) / 2 + labels.PAD + 1.0
    out = []
    for d in (r + half_h, r + 3 * half_h):
        out += [(x, y + d), (x, y - d), (x + half_w, y + d), (x - half_w, y + d), (x + half_w, y - d),
                (x - half_w, y - d)]
    return out + [(x + r + half_w, y - r), (x - r - half_w, y - r)]


def _bias_labels(biases, xs, ys, digits) -> list:
    out = []
    for k in range(1, len(ys)):
        for unit, y in ys[k].items():
            if unit is None:
                continue
            text = "b = " + shown(float(biases[k - 1][unit]), digits)
            out.append((labels.Label(text, _around(float(xs[k]), float(y), 16.0, text, 10.0), 10.0), ("bias",)))
    return out


def _mark_labels(marks, xs, ys, ex, ey) -> list:
    out = []
    for m in marks:
        if m.where[0] == "node":
            _, k, unit = m.where
            if unit not in ys[k]:
                continue
            spots = _around(float(xs[k]), float(ys[k][unit]), 16.0, m.text, MARK_SIZE)
            out.append((labels.Label(m.text, spots, MARK_SIZE), ("mark",)))
        elif m.where[0] == "edge":
            _, k, i, j = m.where
            if i not in ys[k] or j not in ys[k + 1]:
                continue
            x1, y1, x2, y2 = float(xs[k] + 16), float(ys[k][i]), float(xs[k + 1] - 16), float(ys[k + 1][j])
            out.append((labels.Label(m.text, labels.along(x1, y1, x2, y2, 0.5), MARK_SIZE, (k, i, j)), ("mark",)))
        else:
            step = MARK_SIZE * (labels.ASCENT + labels.DESCENT) + 2 * labels.PAD + 2
            mid = (xs[-1] + ex) / 2          # above the line into E, then under E, then above it
            spots = [(float(mid), float(ey - 18 - step * (n + 0.5))) for n in range(3)] + \
                    [(float(ex), float(ey + 18 + step * (n + 0.5))) for n in range(8)] + \
                    [(float(ex), float(ey - 18 - step * (n + 0.5))) for n in range(8)]
            out.append((labels.Label(m.text, spots, MARK_SIZE), ("mark",)))
    return out


def _draw_label(svg: "_Svg", spot) -> None:
    """A label: its white halo box, then the text centred in it; both carry the key of their edge."""
    box, item = spot.box, spot.label
    key = {"data_edge": _key_text(item.key)} if item.key is not None else {}
    fill = INK
    if item.key is not None and item.key[0] != "E" and item.text[:1] in "−0123456789":
        fill = NEGATIVE if item.text.startswith("−") else POSITIVE
    svg.add("rect", x=round(box.x0, 1), y=round(box.y0, 1), width=round(box.x1 - box.x0, 1),
            height=round(box.y1 - box.y0, 1), rx=3.0, fill="#ffffff", fill_opacity=0.92, class_="label-box", **key)
    svg.add("text", item.text, x=round(spot.x, 1), y=round(labels.baseline_for(spot.cy, item.size), 1),
            text_anchor="middle", font_size=_fmt_size(item.size), fill=fill, class_="label", **key)


def _fmt_size(size: float) -> str:
    return f"{size:g}"


def _legend(svg: "_Svg", scale: float, width: int, digits: int) -> None:
    """The colour scale of the weights, −max … 0 … +max, as short strokes drawn like the edges."""
    steps = 9
    seg = 18.0
    left = width / 2 - steps * seg / 2
    y = 16.0
    for n in range(steps):
        value = scale * (2 * n / (steps - 1) - 1)
        x = left + seg * n
        svg.add("line", x1=round(x + 2, 1), y1=y, x2=round(x + seg - 2, 1), y2=y, stroke=shade(value, scale),
                stroke_width=_stroke_width(value, scale), stroke_linecap="round")
    for text, x, anchor in ((shown(-scale, digits), left - 6, "end"), ("0", width / 2, "middle"),
                            (shown(scale, digits), left + steps * seg + 6, "start")):
        svg.add("text", text, x=round(x, 1), y=(y + 4 if anchor != "middle" else y + 17), text_anchor=anchor,
                font_size=10, fill=INK)


def _column(n: int, top: float, bottom: float, step: float) -> dict[int | None, float]:
    drawn = _shown(n)
    start = (top + bottom) / 2 - step * (len(drawn) - 1) / 2
    return {unit: start + step * i for i, unit in enumerate(drawn)}


def _path_units(path: Path, sizes: Sequence[int]) -> list[set]:
    """Per layer, the units the chosen weight's error signal flows through."""
    units: list[set] = [set() for _ in sizes]
    units[path.layer].add(path.row)
    units[path.layer + 1].add(path.col)
    for k in range(path.layer + 2, len(sizes)):
        units[k] = set(range(sizes[k]))
    return units


def _nodes(svg, k, column, x, on_path) -> None:
    for unit, y in column.items():
        if unit is None:
            svg.add("text", "⋮", x=float(x), y=float(y + 6), text_anchor="middle", font_size=18, fill=INK)
            continue
        lit = on_path is not None and unit in on_path[k]
        svg.add("circle", cx=float(x), cy=float(y), r=16.0, fill="#fff4e6" if lit else "#ffffff",
                stroke=HIGHLIGHT if lit else INK, stroke_width=2.0 if lit else 1.2)
        svg.add("text", str(unit), x=float(x), y=float(y + 4), text_anchor="middle", fill=INK)


def _symbol(name: str) -> str:
    """``dE/dl2`` → ``∂E/∂l2``: a factor's name as the figure writes it."""
    return "/".join("∂" + part[1:] if part.startswith("d") else part for part in name.split("/"))


def _per_sample(factor, sample: int) -> np.ndarray:
    """A factor's values at ``sample``, over its other indices (a 0-d array when there are none)."""
    values = factor.array()
    return values[sample] if tuple(factor.indices[:1]) == ("n",) else values


def _where(name: str, path: Path, sizes: Sequence[int]):
    """Which part of the path a factor belongs to: ``("node", m)`` (a slope, or the weight's
    input), ``("edges", m)`` (the weights from layer m − 1 into layer m) or ``("E",)``."""
    found = re.fullmatch(r"d([a-z])(\d+)/d([a-z])(\d+)", name)
    if found is None:
        return ("E",)
    top, m, bottom, n = found.group(1), int(found.group(2)), found.group(3), int(found.group(4))
    if top == "l" and bottom == "z" and m == n:
        return ("node", m)
    if top == "z" and bottom == "l" and n == m - 1:
        return ("edges", m)
    if top == "z" and bottom in "wb" and n == m - 1:
        return ("node", n) if bottom == "w" else ("node", m)
    return ("E",)


def chain_marks(derivation, path: Path, sizes: Sequence[int], sample: int, digits: int) -> list[Mark]:
    """Each factor of ``derivation`` at ``sample``, written where it sits on the path: a slope at
    its node, a weight on its edge, the weight's input at the source node, the output's factors by
    E. A factor that runs over the units of a layer gets one mark per unit. A factor whose values
    do not match the drawn path gets no mark (the lesson's table still lists it)."""
    on_path = _path_units(path, sizes)
    marks: list[Mark] = []
    for factor in derivation.factors:
        values = _per_sample(factor, sample)
        where = _where(factor.name, path, sizes)
        symbol = _symbol(factor.name)
        if where[0] == "E":
            if values.ndim == 0:
                marks.append(Mark(f"{symbol} = {shown(float(values), digits)}", ("E",)))
            continue
        if where[0] == "node":
            m = where[1]
            if factor.name.endswith(f"/dw{path.layer}") or factor.name.endswith(f"/db{path.layer}"):
                units = [path.row] if factor.name.endswith(f"/dw{path.layer}") else [path.col]
            else:
                units = sorted(on_path[m])
            cells = [(("node", m, u), v) for u, v in _spread(values, units)]
        else:
            m = where[1]
            sources, targets = sorted(on_path[m - 1]), sorted(on_path[m])
            pairs = [(i, j) for i in sources for j in targets]
            cells = [(("edge", m - 1, i, j), v) for (i, j), v in _spread(values, pairs)]
        marks += [Mark(f"{symbol} = {shown(v, digits)}", spot) for spot, v in cells]
    return marks


def _spread(values: np.ndarray, keys: list) -> list:
    """``values`` paired with ``keys``: one value for one key, or one per key; else nothing."""
    flat = values.reshape(-1)
    if flat.size == len(keys):
        return [(key, float(v)) for key, v in zip(keys, flat)]
    return []


def chain_term(derivation, sample: int) -> float:
    """The derivation's term for one sample (``Derivation.products``; ``Σ_n`` of it is the gradient)."""
    return float(derivation.products()[sample])


def chain_title(derivation, sample: int, digits: int) -> str:
    """The figure's heading: the element, the sample and that sample's term, e.g.
    ``∂E/∂w0[0,0] · n = 3: ∏ = −0.01512``."""
    summed = any(i != "n" for f in derivation.factors for i in f.indices)
    product = "Σ∏" if summed else "∏"
    term = shown(chain_term(derivation, sample), digits)
    return f"∂E/∂{derivation.weight} · n = {sample}: {product} = {term}"


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
        svg.add("text", shown(tick, 3), x=float(left - 6), y=float(y + 4), text_anchor="end", font_size=11, fill=INK)
    for tick in _ticks(x0, x1, False, count=6):
        x = px(tick)
        svg.add("line", x1=x, y1=float(height - bottom), x2=x, y2=float(height - bottom + 5), stroke="#888888")
        svg.add("text", shown(tick, 6), x=x, y=float(height - bottom + 18), text_anchor="middle", font_size=11, fill=INK)
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
