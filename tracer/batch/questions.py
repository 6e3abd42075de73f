"""Worksheet questions: which numbers of one iteration a student computes by hand, and every
number each question gives and each answer needs, read from the trace.

Numbers only, no wording and no LaTeX (``tracer.batch.exercises`` writes those). The questions
walk through one iteration in order, one per kind:

==============  ==========================  ===================================================
kind            asks for (3-4-1 network)    gives
==============  ==========================  ===================================================
``z``           ``z1[n,j]``                 row n of ``l0``, column j of ``w0`` (and ``b0[j]``)
``a``           ``l1[n,j]``                 ``z1[n,j]``
``out_delta``   ``l2_delta[n]``             ``l2[n]``, ``y[n]``
``hidden_delta`` ``l1_delta[n,j]``          row n of ``l2_delta``, row j of ``w1``, ``l1[n,j]``
``grad``        ``w1_grad[j]``              column j of ``l1``, ``l2_delta``
``bias``        ``b1_grad[o]`` (biases)     column o of ``l2_delta``
``step``        ``w0_next[i,j]``            ``w0[i,j]``, ``lr``, column i of ``l0``, column j of ``l1_delta``
==============  ==========================  ===================================================

Which element each question asks about comes from ``hashlib.sha256`` of the seed and the kind,
never from numpy's random generator, so a seed gives the same sheet on every machine. Elements
are chosen so that no question gives away another one's answer; where that cannot be avoided
(a single output unit: every gradient needs every output delta) the given cell is marked as a
reference to the earlier question (``Cell.ref``) instead of showing the number.
"""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import dataclass
from typing import Literal

import numpy as np

from tracer.activations import ACTIVATIONS
from tracer.render.numbers import num

Kind = Literal["z", "a", "out_delta", "hidden_delta", "grad", "bias", "step"]
KINDS: tuple[str, ...] = ("z", "a", "out_delta", "hidden_delta", "grad", "bias", "step")
RANKED = 64  # candidates examined per kind: enough to dodge every clash, cheap for wide layers


@dataclass(frozen=True, slots=True)
class Cell:
    """One number of the trace (or of the config) that a question hands to the student."""

    tensor: str
    """Where it lives: a trace tensor (``"l0"``, ``"w0"``, ``"l2_delta"``), ``"y"`` (the targets)
    or ``"lr"`` (the learning rate)."""
    index: tuple[int, ...]
    """Its full index in that tensor (``()`` for ``lr``)."""
    value: float
    """Its exact value at the question's iteration."""
    ref: int | None = None
    """The number of an earlier question whose answer has this cell's tensor and value; the
    sheet then shows a reference to that question instead of the number."""


@dataclass(frozen=True, slots=True)
class Step:
    """One intermediate result of the worked solution (each gets a blank on the sheet)."""

    name: Literal["sum", "diff", "deriv", "answer", "grad"]
    """``sum``: the table's sum; ``diff``: l − y; ``deriv``: the activation's slope; ``grad``:
    the gradient before the step; ``answer``: the quantity asked for."""
    value: float
    """Its value: the trace's own number where the trace records it, else computed from trace
    values with the same numpy operations as the trainer."""


@dataclass(frozen=True, slots=True)
class Question:
    """One question of a worksheet, with everything its answer key needs."""

    number: int
    """Position on the sheet, from 1."""
    kind: Kind
    """What is asked (see the module docstring)."""
    tensor: str
    """The tensor the answer is an element of: ``"z1"``, ``"l2_delta"``, ``"w0_next"`` …"""
    index: tuple[int, ...]
    """The answer's full index in ``tensor`` (``(3, 0)`` for ``l2_delta[3]``)."""
    layer: int
    """The layer (``z``, ``a``, the deltas: k of ``l{k}``) or parameter (``w{k}``, ``b{k}``) concerned."""
    answer: float
    """The trace's exact value of ``tensor[index]``."""
    given: tuple[Cell, ...]
    """Single numbers handed to the student."""
    table: tuple[tuple[Cell, ...], ...]
    """Rows of a sum to fill in: in each row the cells are multiplied, then the rows are added
    (a row of one cell is added as it is). Empty when the question has no sum."""
    over: str
    """The summed index (``"i"``, ``"o"``, ``"n"``); empty without a table."""
    steps: tuple[Step, ...]
    """The intermediate results in order; the last is the answer."""
    weight: str | None = None
    """The parameter element whose chain rule the answer key shows (``"w1[2,0]"``), or ``None``."""

    @property
    def refs(self) -> tuple[int, ...]:
        """The earlier questions whose answers this one uses."""
        cells = [*self.given, *itertools.chain.from_iterable(self.table)]
        return tuple(sorted({c.ref for c in cells if c.ref is not None}))


def choose_questions(trace, iteration: int = 0, digits: int = 4,
                     avoid: frozenset[str] = frozenset()) -> list[Question]:
    """The worksheet of ``trace``'s seed: one question per kind that fits the network.

    1. list the kinds (no hidden delta without a hidden layer, a bias question only with biases);
    2. for each kind in turn, order its candidate elements by ``sha256(seed, kind, element)`` and
       take the first that clashes least with the questions already chosen, and whose answer
       does not read, at ``digits`` significant digits, like one of the numbers it gives or one
       in ``avoid`` (what the student's lesson prints, as ``answers.printed_numbers`` reads it);
    3. read every given number and every intermediate result from the trace.
    """
    source = _Source(trace, iteration)
    seed = trace.config.init.seed
    chosen: list[Question] = []
    # Elements are compared by tensor and value, not by index: the seed data repeats a sample
    # (rows 0 and 4), so l2_delta[4] gives away l2_delta[0] as surely as l2_delta[0] itself.
    answers: dict[tuple[str, float], int] = {}   # (tensor, value) → the question that asks it
    solved: set = set()    # answers and the trace values met on the way (w0_grad[i,j] of a step)
    inputs: set = set()    # every (tensor, value) some question gives
    for kind in _kinds(trace.config.network):
        candidates = _candidates(kind, trace.config.network, source.samples)
        ranked = sorted(candidates, key=lambda c: _digest(seed, kind, c))[:RANKED]

        def clashes(index):
            found, cells = _needs(kind, index, source)
            clash = len(cells & solved) + len(found & (inputs | solved))
            # an answer that reads like one of the question's own numbers at this rounding teaches
            # nothing (z = w when one input is 1 and the others 0; a step too small to show)
            shown = {f"{value:.{digits}g}" for _, value in cells}
            answer = source.value(_parts(kind, index, source)["tensor"], *index)
            printed = 1000 * (num(abs(answer), digits) in avoid)
            return clash + printed + sum(f"{value:.{digits}g}" in shown for _, value in found)

        index = min(ranked, key=clashes)   # min keeps the first of equals: the hash order decides
        question = _build(kind, index, len(chosen) + 1, source, answers)
        answers.setdefault((question.tensor, question.answer), question.number)
        found, cells = _needs(kind, index, source)
        solved |= found
        inputs |= cells
        chosen.append(question)
    return chosen


def _digest(seed: int, kind: str, index: tuple[int, ...]) -> bytes:
    text = f"nntrace-exercises/{seed}/{kind}/{','.join(map(str, index))}"
    return hashlib.sha256(text.encode()).digest()


def _kinds(network) -> list[str]:
    kinds = ["z", "a", "out_delta"]
    if network.depth >= 2:
        kinds.append("hidden_delta")
    kinds.append("grad")
    if network.bias != "none":
        kinds.append("bias")
    kinds.append("step")
    return kinds


def _candidates(kind: str, network, samples: int) -> list[tuple[int, ...]]:
    layers, L = network.layers, network.depth
    spans = {
        "z": (samples, layers[1]), "a": (samples, layers[1]), "out_delta": (samples, layers[L]),
        "hidden_delta": (samples, layers[L - 1]), "grad": (layers[L - 1], layers[L]), "bias": (layers[L],),
        "step": (layers[0], layers[1]),
    }[kind]
    return list(itertools.product(*(range(s) for s in spans)))


class _Source:
    """Cells of one iteration of a trace."""

    def __init__(self, trace, iteration: int):
        self.trace = trace
        self.iteration = iteration
        self.network = trace.config.network
        self.L = self.network.depth
        self.y = trace.config.data.arrays()[1]
        self.samples = self.y.shape[0]

    def cell(self, tensor: str, *index: int) -> Cell:
        if tensor == "lr":
            return Cell("lr", (), float(self.trace.config.train.lr))
        array = self.y if tensor == "y" else self.trace.get(tensor, self.iteration)
        return Cell(tensor, tuple(index), float(array[index]))

    def value(self, tensor: str, *index: int) -> float:
        return self.cell(tensor, *index).value


def _needs(kind: str, index: tuple[int, ...], s: _Source) -> tuple[set, set]:
    """The ``(tensor, value)`` pairs a question finds (its answer and the trace values among its
    intermediate results) and those it gives."""
    q = _parts(kind, index, s)
    cells = {(c.tensor, c.value) for c in q["given"]}
    cells |= {(c.tensor, c.value) for row in q["table"] for c in row}
    found = {(tensor, s.value(tensor, *at)) for tensor, at in ((q["tensor"], index), *q.get("found", ()))}
    return found, cells


def _build(kind: str, index: tuple[int, ...], number: int, s: _Source, answers: dict) -> Question:
    q = _parts(kind, index, s)

    def mark(c: Cell) -> Cell:
        ref = answers.get((c.tensor, c.value))
        return Cell(c.tensor, c.index, c.value, ref) if ref is not None else c

    given = tuple(mark(c) for c in q["given"])
    table = tuple(tuple(mark(c) for c in row) for row in q["table"])
    answer = s.value(q["tensor"], *index)
    steps = (*q["steps"], Step("answer", answer))
    return Question(number, kind, q["tensor"], index, q["layer"], answer, given, table, q["over"], steps,
                    q.get("weight"))


def slope(activation: str, a: float) -> float:
    """The activation's derivative written with its output ``a``, as the trainer computes it."""
    return float(ACTIVATIONS[activation].derivative(np.array([a], dtype=np.float64))[0])


def _parts(kind: str, index: tuple[int, ...], s: _Source) -> dict:
    """What a question of ``kind`` about ``index`` gives and which intermediate results it has."""
    net, L, c = s.network, s.L, s.cell
    N = range(s.samples)
    biased = net.bias != "none"
    if kind == "z":
        n, j = index
        table = tuple((c("l0", n, i), c("w0", i, j)) for i in range(net.layers[0]))
        given = (c("b0", j),) if biased else ()
        steps = (Step("sum", float(np.dot(s.trace.get("l0", s.iteration)[n], s.trace.get("w0", s.iteration)[:, j]))),) \
            if biased else ()
        return dict(tensor="z1", layer=1, given=given, table=table, over="i", steps=steps)
    if kind == "a":
        n, j = index
        return dict(tensor="l1", layer=1, given=(c("z1", n, j),), table=(), over="", steps=())
    if kind == "out_delta":
        n, o = index
        a, y = c(f"l{L}", n, o), c("y", n, o)
        steps = [Step("diff", float(np.float64(a.value) - np.float64(y.value)))]
        if net.loss != "bce" and net.activation[-1] != "linear":
            steps.append(Step("deriv", slope(net.activation[-1], a.value)))
        elif net.reduction != "mean":
            steps = []   # δ = l − y: the difference is the answer
        return dict(tensor=f"l{L}_delta", layer=L, given=(a, y), table=(), over="", steps=tuple(steps))
    if kind == "hidden_delta":
        n, j = index
        k = L - 1
        table = tuple((c(f"l{L}_delta", n, o), c(f"w{k}", j, o)) for o in range(net.layers[L]))
        found = ((f"l{k}_error", (n, j)),)
        if net.activation[k - 1] == "linear":   # slope 1: δ is the sum itself
            return dict(tensor=f"l{k}_delta", layer=k, given=(), table=table, over="o", steps=(), found=found)
        steps = (Step("sum", s.value(f"l{k}_error", n, j)),
                 Step("deriv", slope(net.activation[k - 1], s.value(f"l{k}", n, j))))
        return dict(tensor=f"l{k}_delta", layer=k, given=(c(f"l{k}", n, j),), table=table, over="o",
                    steps=steps, found=found)
    if kind == "grad":
        j, o = index
        k = L - 1
        low = "l0" if k == 0 else f"l{k}"
        table = tuple((c(low, n, j), c(f"l{L}_delta", n, o)) for n in N)
        return dict(tensor=f"w{k}_grad", layer=k, given=(), table=table, over="n", steps=(),
                    weight=f"w{k}[{j},{o}]")
    if kind == "bias":
        (o,) = index
        table = tuple((c(f"l{L}_delta", n, o),) for n in N)
        return dict(tensor=f"b{L - 1}_grad", layer=L - 1, given=(), table=table, over="n", steps=(),
                    weight=f"b{L - 1}[{o}]")
    if kind == "step":
        i, j = index
        table = tuple((c("l0", n, i), c("l1_delta", n, j)) for n in N)
        return dict(tensor="w0_next", layer=0, given=(c("w0", i, j), c("lr")), table=table, over="n",
                    steps=(Step("grad", s.value("w0_grad", i, j)),), weight=f"w0[{i},{j}]",
                    found=(("w0_grad", (i, j)),))
    raise ValueError(f"unknown question kind {kind!r}; kinds: {', '.join(KINDS)}")
