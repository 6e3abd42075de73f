"""The training story read from a recorded loss curve: its phases, their turns, and how fast it falls.

Data in, facts out: iterations and values (the loss or the mean error at each recorded
iteration) become ``Phase`` facts (plateau, fall, steep drop, slow tail, rise, divergence,
oscillation) with the iteration and value at each turn. No words: the prose files name them.

How the curve is read. Each recorded interval gets its rate of change in log space per
iteration, ``ln(v[i+1] / v[i]) / (t[i+1] - t[i])``, compared with the length of the whole run
``T``: an interval is *flat* when that pace kept up over the whole run would change the value
by less than about 10 % (|rate|·T < 0.1); a fall is *steep* when it is at least a third of the
fastest fall of the run and fast in itself (−rate·T ≥ 3); a stretch of at least four intervals
that turn up, down, up, down is an *oscillation*. Consecutive intervals of one kind form a phase.
Points much closer together than the recorded grid's step are skipped before reading.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, Sequence

import numpy as np

Kind = Literal["plateau", "fall", "drop", "tail", "rise", "divergence", "oscillation"]
FLAT = 0.1          # |rate| · T below this: flat
STEEP_SHARE = 1 / 3  # a steep fall is at least this share of the fastest fall ...
STEEP_PACE = 3.0    # ... and −rate · T at least this (the value would fall e³ ≈ 20× over the run)
DIVERGES = 10.0     # a rise by this factor or more is a divergence
OSCILLATION = 4     # alternating intervals needed to call a stretch an oscillation


@dataclass(frozen=True, slots=True)
class Change:
    """The value at two recorded iterations."""

    start: int
    """The first iteration."""
    end: int
    """The second iteration (``end > start``)."""
    start_value: float
    """The value at ``start``."""
    end_value: float
    """The value at ``end``."""

    @property
    def ratio(self) -> float:
        """``end_value / start_value`` (``inf`` from zero to a positive value, ``1`` from zero to zero)."""
        if self.start_value == 0:
            return 1.0 if self.end_value == 0 else math.inf
        return self.end_value / self.start_value

    @property
    def relative(self) -> float:
        """The relative change ``end / start − 1``: ``−0.18`` is a fall by 18 %."""
        return self.ratio - 1

    def per(self, unit: int) -> float:
        """The average relative change per ``unit`` iterations over this span (geometric mean)."""
        ratio = self.ratio
        if ratio <= 0 or not math.isfinite(ratio):
            return self.relative
        return ratio ** (unit / (self.end - self.start)) - 1


@dataclass(frozen=True, slots=True)
class Phase:
    """One stretch of the curve that behaves one way."""

    kind: Kind
    """``plateau`` (nearly flat), ``fall`` (a fall that is not steep), ``drop`` (a steep fall),
    ``tail`` (the slow fall at the end, after a drop), ``rise``, ``divergence`` (a rise by 10× or
    more), ``oscillation`` (up and down by turns)."""
    whole: Change
    """From the phase's first to its last iteration."""
    first: Change
    """The phase's first stretch of about one ``unit`` (the whole phase when it is shorter)."""
    last: Change
    """The phase's last stretch of about one ``unit``."""

    @property
    def slowing(self) -> bool:
        """A fall whose pace at the end is under two thirds of its pace at the start."""
        if self.kind not in ("fall", "drop", "tail") or self.first == self.last:
            return False
        start = _log_rate(self.first)
        end = _log_rate(self.last)
        return start < 0 and end > start * 2 / 3


@dataclass(frozen=True, slots=True)
class Story:
    """The whole curve, phase by phase."""

    phases: tuple[Phase, ...]
    """In order; each starts where the previous one ends."""
    unit: int
    """A round number of iterations for "the change per ``unit`` iterations" (1000 for 60000 steps)."""
    whole: Change
    """From the first recorded iteration to the last."""
    lowest: tuple[int, float]
    """The iteration and value of the lowest recorded point."""

    @property
    def turning_points(self) -> tuple[int, ...]:
        """The iterations where a phase begins or ends: rows the lesson's loss table must show."""
        points = {self.whole.start, self.whole.end}
        for p in self.phases:
            points.update((p.whole.start, p.whole.end))
        if self.lowest[0] not in (self.whole.start, self.whole.end):
            points.add(self.lowest[0])
        return tuple(sorted(points))

    @property
    def direction(self) -> Literal["down", "up", "flat"]:
        """Where the curve ends against where it starts: ``flat`` within about 10 %."""
        if abs(math.log(self.whole.ratio)) < FLAT if 0 < self.whole.ratio < math.inf else False:
            return "flat"
        return "down" if self.whole.end_value < self.whole.start_value else "up"

    def phase_at(self, iteration: int) -> Phase:
        """The phase that holds ``iteration`` (the later one at a boundary)."""
        for p in reversed(self.phases):
            if p.whole.start <= iteration:
                return p
        return self.phases[0]


def read_story(iterations: Sequence[int], values: Sequence[float]) -> Story:
    """The story of a curve recorded at ``iterations`` (increasing) with finite ``values`` ≥ 0.

    >>> s = read_story([0, 100, 200, 300, 400], [1.0, 0.99, 0.3, 0.02, 0.0199])
    >>> [(p.kind, p.whole.start, p.whole.end) for p in s.phases]
    [('plateau', 0, 100), ('drop', 100, 300), ('plateau', 300, 400)]
    """
    t = np.asarray(iterations, dtype=np.int64)
    v = np.asarray(values, dtype=np.float64)
    if t.ndim != 1 or t.shape != v.shape or len(t) == 0 or np.any(np.diff(t) <= 0):
        raise ValueError("read_story needs increasing iterations and one value per iteration")
    span = max(int(t[-1] - t[0]), 1)
    unit = nice_unit(span)
    whole = Change(int(t[0]), int(t[-1]), float(v[0]), float(v[-1]))
    low = int(np.argmin(v))
    lowest = (int(t[low]), float(v[low]))
    if len(t) == 1:
        return Story((), unit, whole, lowest)
    keep = _even(t)
    t, v = t[keep], v[keep]
    labels = _labels(t, v, span)
    runs = _runs(labels)
    phases = tuple(_phase(kind, a, b, t, v, unit) for kind, a, b in _name(runs, t, v))
    return Story(phases, unit, whole, lowest)


def nice_unit(span: int) -> int:
    """The smallest 1, 2 or 5 × 10ᵏ iterations at or above a sixtieth of the run (1000 for 60000)."""
    target = max(span / 60, 1)
    k = 10 ** math.floor(math.log10(target))
    for m in (1, 2, 5, 10):
        if m * k >= target:
            return int(m * k)
    return int(10 * k)


def _even(t: np.ndarray) -> np.ndarray:
    """Indices of the points read: a point closer than half the typical step to the point before
    is skipped (the lesson records 0, 1, 2 besides an even grid; three points a step apart would
    make one step's wobble look like a phase). The first and last points are always kept."""
    if len(t) < 3:
        return np.arange(len(t))
    half = float(np.median(np.diff(t))) / 2
    keep = [0]
    for i in range(1, len(t) - 1):
        if t[i] - t[keep[-1]] >= half and t[-1] - t[i] >= half:
            keep.append(i)
    keep.append(len(t) - 1)
    return np.array(keep)


def _log_rate(c: Change) -> float:
    ratio = c.ratio
    if ratio <= 0 or not math.isfinite(ratio):
        return 0.0
    return math.log(ratio) / (c.end - c.start)


def _labels(t: np.ndarray, v: np.ndarray, span: int) -> list[str]:
    """One label per recorded interval: flat, fall, steep, rise, or osc."""
    # zeros are read as a thousandth of the smallest positive value (a fall to zero is steep);
    # positive values are never clipped, whatever their range
    positive = v[v > 0]
    floor = max(float(positive.min()) * 1e-3, 1e-300) if positive.size else 1.0
    lv = np.log(np.maximum(v, floor))
    rate = np.diff(lv) / np.diff(t)
    pace = rate * span
    fastest = max(float(-rate.min()), 0.0)
    labels = []
    for r, p in zip(rate, pace):
        if abs(p) < FLAT:
            labels.append("flat")
        elif r > 0:
            labels.append("rise")
        elif -r >= STEEP_SHARE * fastest and -p >= STEEP_PACE:
            labels.append("steep")
        else:
            labels.append("fall")
    _mark_oscillation(labels)
    return labels


def _mark_oscillation(labels: list[str]) -> None:
    """Relabel stretches of ≥ ``OSCILLATION`` intervals that alternate rise/fall as ``osc``."""
    sign = [0 if x == "flat" else (1 if x == "rise" else -1) for x in labels]
    i = 0
    while i < len(sign):
        j = i
        while j + 1 < len(sign) and sign[j] != 0 and sign[j + 1] == -sign[j]:
            j += 1
        if j - i + 1 >= OSCILLATION:
            labels[i:j + 1] = ["osc"] * (j - i + 1)
        i = j + 1


def _runs(labels: list[str]) -> list[tuple[str, int, int]]:
    """``(label, first interval, last interval + 1)`` runs; a lone fall/steep/flat interval between
    two runs of one falling label joins them (rises and oscillations are never absorbed)."""
    runs: list[list] = []
    for i, label in enumerate(labels):
        if runs and runs[-1][0] == label:
            runs[-1][2] = i + 1
        else:
            runs.append([label, i, i + 1])
    merged: list[list] = []
    for run in runs:
        if (len(merged) >= 2 and merged[-1][2] - merged[-1][1] == 1 and merged[-2][0] == run[0]
                and merged[-1][0] in ("flat", "fall", "steep") and run[0] in ("fall", "steep")):
            merged.pop()
            merged[-1][2] = run[2]
        elif merged and merged[-1][0] == run[0]:
            merged[-1][2] = run[2]
        else:
            merged.append(run)
    return [tuple(r) for r in merged]


def _name(runs, t: np.ndarray, v: np.ndarray) -> list[tuple[Kind, int, int]]:
    """Phase kinds for runs of intervals, as ``(kind, first point, last point)``."""
    out: list[tuple[Kind, int, int]] = []
    dropped = False
    for n, (label, a, b) in enumerate(runs):
        last = n == len(runs) - 1
        if label == "osc":
            kind: Kind = "oscillation"
        elif label == "flat":
            kind = "plateau"
        elif label == "steep":
            kind = "drop"
        elif label == "rise":
            ratio = Change(0, 1, float(v[a]), float(v[b])).ratio
            kind = "divergence" if ratio >= DIVERGES else "rise"
        else:
            kind = "tail" if last and dropped else "fall"
        if kind in ("fall", "drop", "tail") and not v[b] < v[a]:
            kind = "plateau"   # absorbed flat intervals undid the fall: call it what it is
        dropped = dropped or kind == "drop"
        out.append((kind, a, b))
    return out


def _phase(kind: Kind, a: int, b: int, t: np.ndarray, v: np.ndarray, unit: int) -> Phase:
    """The facts of one phase spanning recorded points ``a`` … ``b``."""
    def change(i: int, j: int) -> Change:
        return Change(int(t[i]), int(t[j]), float(v[i]), float(v[j]))

    # the first and last stretch of about one unit, on recorded points inside the phase
    i = a + 1
    while i < b and t[i] - t[a] < unit:
        i += 1
    j = b - 1
    while j > a and t[b] - t[j] < unit:
        j -= 1
    return Phase(kind, change(a, b), change(a, i), change(j, b))
