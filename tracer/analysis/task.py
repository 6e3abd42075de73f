"""Facts about the task a data set poses: sizes, constant columns, repeated samples, and targets
that are a known boolean function of the inputs (x0 XOR x1 for the article's data)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tracer.analysis.boolean import BooleanFit, fit


@dataclass(frozen=True, slots=True)
class Task:
    """What the data asks of the network."""

    samples: int
    """Number of samples N."""
    layers: tuple[int, ...]
    """Units per layer, inputs first; ``layers[1:-1]`` are the hidden layers."""
    constant: tuple[tuple[int, float], ...]
    """``(column, value)`` of every input column that holds one value on every sample; a nonzero
    constant acts as a bias input."""
    repeats: tuple[tuple[int, tuple[int, ...]], ...]
    """``(first sample, later copies)`` for samples whose inputs and targets repeat an earlier one."""
    conflicts: tuple[tuple[int, int], ...]
    """Pairs of samples with equal inputs but different targets: no network can fit both."""
    functions: tuple[BooleanFit | None, ...]
    """Per target column: the boolean function of the inputs it follows, or ``None``."""
    binary_targets: bool
    """Every target is 0 or 1."""

    @property
    def hidden(self) -> tuple[int, ...]:
        """Units per hidden layer."""
        return self.layers[1:-1]


def read_task(x: np.ndarray, y: np.ndarray, layers: tuple[int, ...]) -> Task:
    """The task facts of inputs ``x`` (N × n) and targets ``y`` (N × m).

    >>> import tracer
    >>> t = read_task(*tracer.load_config().data.arrays(), (3, 4, 1))
    >>> t.constant, t.repeats, t.functions[0].key, t.hidden
    (((2, 1.0),), ((0, (4,)),), 'xor', (4,))
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    n = len(x)
    constant = tuple((i, float(x[0, i])) for i in range(x.shape[1]) if n > 1 and np.all(x[:, i] == x[0, i]))
    groups: dict[tuple, list[int]] = {}
    for s in range(n):
        groups.setdefault((tuple(x[s]), tuple(y[s])), []).append(s)
    repeats = tuple((g[0], tuple(g[1:])) for g in sorted(groups.values()) if len(g) > 1)
    by_input: dict[tuple, int] = {}
    conflicts = []
    for s in range(n):
        first = by_input.setdefault(tuple(x[s]), s)
        if first != s and not np.array_equal(y[first], y[s]):
            conflicts.append((first, s))
    binary = bool(np.all((y == 0) | (y == 1)))
    functions = tuple(fit(y[:, c], x) if binary else None for c in range(y.shape[1]))
    return Task(n, tuple(layers), constant, repeats, tuple(conflicts), functions, binary)
