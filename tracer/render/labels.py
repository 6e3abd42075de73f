"""Where a figure's text labels go: estimated text extents, boxes, and a deterministic placement
that keeps every label clear of the other labels, of the lines it does not belong to and of the
nodes.

No font is loaded: a label's width is estimated from a table of advance widths that are at least
those of the fonts the figures name (DejaVu Sans is the widest of them), and its height spans the
tallest ascent and deepest descent among them, so the box drawn behind a label (its white halo)
holds the text whichever of the fonts the browser picks. ``tests/test_browser_figures.py``
measures that in Chromium.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

#: Advance widths in em, at least DejaVu Sans's (the widest of the figures' fonts).
_WIDTHS = {**{d: 0.64 for d in "0123456789"}, ".": 0.32, ",": 0.32, ":": 0.34, ";": 0.34, " ": 0.32,
           "−": 0.84, "-": 0.37, "+": 0.84, "=": 0.84, "×": 0.84, "·": 0.32, "/": 0.34, "[": 0.4,
           "]": 0.4, "(": 0.4, ")": 0.4, "_": 0.5, "∂": 0.64, "Σ": 0.64, "∏": 0.84, "′": 0.3,
           "m": 0.98, "w": 0.82, "M": 0.87, "W": 0.99}
ASCENT = 1.2     # em above the baseline (Noto Sans CJK's 1.16 ascent, the tallest of the fonts, rounded up)
DESCENT = 0.3    # em below it
PAD = 1.5        # px of halo around the text


@dataclass(frozen=True, slots=True)
class Box:
    """An axis-aligned rectangle in SVG user units."""

    x0: float
    y0: float
    x1: float
    y1: float

    def overlaps(self, other: "Box", gap: float = 0.0) -> bool:
        """Whether the two boxes share any point (or come closer than ``gap``)."""
        return not (self.x1 + gap <= other.x0 or other.x1 + gap <= self.x0 or
                    self.y1 + gap <= other.y0 or other.y1 + gap <= self.y0)

    def inside(self, outer: "Box") -> bool:
        return self.x0 >= outer.x0 and self.y0 >= outer.y0 and self.x1 <= outer.x1 and self.y1 <= outer.y1


@dataclass(frozen=True, slots=True)
class Segment:
    """A drawn line: its end points and stroke width, and the key of what it draws (an edge)."""

    x1: float
    y1: float
    x2: float
    y2: float
    width: float = 1.0
    key: object = None


@dataclass(frozen=True, slots=True)
class Circle:
    cx: float
    cy: float
    r: float


def text_width(text: str, size: float) -> float:
    """An upper estimate of ``text``'s advance width at font size ``size`` (a CJK character 1 em,
    any other character not in the table 0.8 em)."""
    return size * sum(_WIDTHS.get(ch, 0.62 if ch.islower() else 1.0 if ord(ch) > 0x2E80 else 0.8) for ch in text)


def baseline_for(cy: float, size: float) -> float:
    """The baseline that centres a label's box on ``cy``."""
    return cy + size * (ASCENT - DESCENT) / 2


def label_box(text: str, x: float, cy: float, size: float) -> Box:
    """The halo box of ``text`` drawn centred (``text-anchor: middle``) on ``(x, cy)``."""
    half_w = text_width(text, size) / 2 + PAD
    half_h = size * (ASCENT + DESCENT) / 2 + PAD
    return Box(x - half_w, cy - half_h, x + half_w, cy + half_h)


def crosses(seg: Segment, box: Box) -> bool:
    """Whether the stroked segment touches ``box`` (Liang–Barsky clipping against the box grown
    by half the stroke width)."""
    grow = seg.width / 2
    x0, y0, x1, y1 = box.x0 - grow, box.y0 - grow, box.x1 + grow, box.y1 + grow
    dx, dy = seg.x2 - seg.x1, seg.y2 - seg.y1
    lo, hi = 0.0, 1.0
    for p, q in ((-dx, seg.x1 - x0), (dx, x1 - seg.x1), (-dy, seg.y1 - y0), (dy, y1 - seg.y1)):
        if p == 0:
            if q < 0:
                return False
            continue
        r = q / p
        if p < 0:
            lo = max(lo, r)
        else:
            hi = min(hi, r)
        if lo > hi:
            return False
    return True


def touches(circle: Circle, box: Box, gap: float = 1.0) -> bool:
    """Whether ``circle`` comes within ``gap`` of ``box``."""
    nx = min(max(circle.cx, box.x0), box.x1)
    ny = min(max(circle.cy, box.y0), box.y1)
    return (nx - circle.cx) ** 2 + (ny - circle.cy) ** 2 < (circle.r + gap) ** 2


@dataclass(frozen=True, slots=True)
class Label:
    """A label to place: its text, its candidate centres (best first) and the line it belongs to."""

    text: str
    candidates: Sequence[tuple[float, float]]
    size: float = 11.0
    key: object = None
    """The key of its own segment (never an obstacle to it); ``None`` for a label on no line."""


@dataclass(frozen=True, slots=True)
class Placed:
    label: Label
    x: float
    cy: float
    box: Box


def place(labels: Sequence[Label], segments: Iterable[Segment], circles: Iterable[Circle] = (),
          boxes: Iterable[Box] = (), frame: Box | None = None) -> list[Placed | None]:
    """A position for each label, or ``None`` where none of its candidates is free.

    A candidate is free when its box stays inside ``frame``, crosses no segment but its own, keeps
    clear of every circle and fixed box, and overlaps no label placed before it. Labels are placed
    most constrained first (fewest candidates free of the fixed obstacles; ties in the given
    order), each at its first free candidate: the same input always gives the same placement.
    """
    import numpy as np

    segs = list(segments)
    seg = np.array([[s.x1, s.y1, s.x2, s.y2, s.width] for s in segs], dtype=float).reshape(-1, 5)
    keys = [s.key for s in segs]
    circ = np.array([[c.cx, c.cy, c.r] for c in circles], dtype=float).reshape(-1, 3)
    fixed = np.array([[b.x0, b.y0, b.x1, b.y1] for b in boxes], dtype=float).reshape(-1, 4)
    options = []
    for label in labels:
        if not label.candidates:
            options.append(np.zeros((0, 4)))
            continue
        centres = np.array(label.candidates, dtype=float)
        one = label_box(label.text, 0.0, 0.0, label.size)
        cand = np.column_stack([centres[:, 0] + one.x0, centres[:, 1] + one.y0,
                                centres[:, 0] + one.x1, centres[:, 1] + one.y1])
        ok = np.ones(len(cand), dtype=bool)
        if frame is not None:
            ok &= (cand[:, 0] >= frame.x0) & (cand[:, 1] >= frame.y0) & (cand[:, 2] <= frame.x1) & (cand[:, 3] <= frame.y1)
        if len(circ):
            nx = np.clip(circ[None, :, 0], cand[:, None, 0], cand[:, None, 2])
            ny = np.clip(circ[None, :, 1], cand[:, None, 1], cand[:, None, 3])
            near = (nx - circ[None, :, 0]) ** 2 + (ny - circ[None, :, 1]) ** 2 < (circ[None, :, 2] + 1.0) ** 2
            ok &= ~near.any(axis=1)
        if len(fixed):
            ok &= ~_overlap(cand, fixed, 1.0).any(axis=1)
        others = np.array([label.key is None or k != label.key for k in keys], dtype=bool)
        if others.any():
            ok &= ~crossing(cand, seg[others]).any(axis=1)
        options.append(cand[ok])
    order = sorted(range(len(labels)), key=lambda n: (len(options[n]), n))
    placed: list[Placed | None] = [None] * len(labels)
    taken = np.zeros((0, 4))
    for n in order:
        cand = options[n]
        if not len(cand):
            continue
        free = ~_overlap(cand, taken, 1.0).any(axis=1) if len(taken) else np.ones(len(cand), dtype=bool)
        if free.any():
            x0, y0, x1, y1 = (float(v) for v in cand[int(np.argmax(free))])
            placed[n] = Placed(labels[n], (x0 + x1) / 2, (y0 + y1) / 2, Box(x0, y0, x1, y1))
            taken = np.vstack([taken, [[x0, y0, x1, y1]]])
    return placed


def _overlap(a, b, gap: float):
    """``(len(a), len(b))``: whether box a_i and box b_j come closer than ``gap``."""
    return ~((a[:, None, 2] + gap <= b[None, :, 0]) | (b[None, :, 2] + gap <= a[:, None, 0]) |
             (a[:, None, 3] + gap <= b[None, :, 1]) | (b[None, :, 3] + gap <= a[:, None, 1]))


def crossing(boxes, segments):
    """``(len(boxes), len(segments))``: ``crosses`` for every box ``[x0, y0, x1, y1]`` and stroked
    segment ``[x1, y1, x2, y2, width]`` at once."""
    import numpy as np

    grow = segments[None, :, 4] / 2
    bx0, by0 = boxes[:, None, 0] - grow, boxes[:, None, 1] - grow
    bx1, by1 = boxes[:, None, 2] + grow, boxes[:, None, 3] + grow
    sx, sy = segments[None, :, 0], segments[None, :, 1]
    dx, dy = segments[None, :, 2] - sx, segments[None, :, 3] - sy
    lo = np.zeros(bx0.shape)
    hi = np.ones(bx0.shape)
    ok = np.ones(bx0.shape, dtype=bool)
    for p, q in ((-dx, sx - bx0), (dx, bx1 - sx), (-dy, sy - by0), (dy, by1 - sy)):
        p = np.broadcast_to(p, q.shape)
        zero = p == 0
        ok &= ~(zero & (q < 0))
        r = q / np.where(zero, 1.0, p)
        lo = np.where(~zero & (p < 0), np.maximum(lo, r), lo)
        hi = np.where(~zero & (p > 0), np.minimum(hi, r), hi)
    return ok & (lo <= hi)


def along(x1: float, y1: float, x2: float, y2: float, prefer: float, lo: float = 0.08, hi: float = 0.92,
          step: float = 0.02, shifts: Sequence[float] = (0.0, -3.0, 3.0, -6.0, 6.0)) -> list[tuple[float, float]]:
    """Centres on a segment at fractions from ``lo`` to ``hi``, nearest to ``prefer`` first; each
    also moved up or down by ``shifts`` (small enough that the segment still runs through a label)."""
    count = int(round((hi - lo) / step))
    ts = [lo + step * n for n in range(count + 1)]
    ts.sort(key=lambda t: (abs(t - prefer), t))
    return [(x1 + t * (x2 - x1), y1 + t * (y2 - y1) + dy) for t in ts for dy in shifts]
