"""Boolean functions of one or two 0/1 columns: which one, if any, a 0/1 vector follows.

Used for the task (the targets are x0 XOR x1) and for hidden units (unit 2 is on when x0 NOR x1).
Functions are named by keys; their words and symbols live in the prose files.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np

#: Truth table over (a, b) = (0, 0), (0, 1), (1, 0), (1, 1) → key. Single-column keys use (a,).
PAIR_KEYS: dict[tuple[int, int, int, int], str] = {
    (0, 0, 0, 1): "and", (0, 1, 1, 1): "or", (0, 1, 1, 0): "xor", (1, 0, 0, 1): "xnor",
    (1, 1, 1, 0): "nand", (1, 0, 0, 0): "nor", (0, 0, 1, 0): "a_and_not_b", (0, 1, 0, 0): "not_a_and_b",
    (1, 0, 1, 1): "a_or_not_b", (1, 1, 0, 1): "not_a_or_b",
}
SINGLE_KEYS: dict[tuple[int, int], str] = {(0, 1): "a", (1, 0): "not_a"}


@dataclass(frozen=True, slots=True)
class BooleanFit:
    """A 0/1 vector that is a known function of input columns, on every sample."""

    key: str
    """``always``, ``never``, ``a``, ``not_a``, ``and``, ``or``, ``xor``, ``xnor``, ``nand``, ``nor``,
    ``a_and_not_b``, ``not_a_and_b``, ``a_or_not_b``, ``not_a_or_b``."""
    columns: tuple[int, ...]
    """The input columns the function reads (``a`` first): ``()``, ``(i,)`` or ``(i, j)``."""


def binary_columns(x: np.ndarray) -> list[int]:
    """Columns that hold only 0 and 1 and both of them."""
    return [i for i in range(x.shape[1]) if set(np.unique(x[:, i]).tolist()) == {0.0, 1.0}]


def fit(out: np.ndarray, x: np.ndarray) -> BooleanFit | None:
    """The simplest known function of ``x``'s 0/1 columns that gives ``out`` (0/1) on every sample.

    Constants first, then one column, then pairs of columns (each pair's four input combinations
    must all occur, so the function is pinned down by the data). ``None`` if none fits.

    >>> x = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=float)
    >>> fit(np.array([0, 1, 1, 0]), x)
    BooleanFit(key='xor', columns=(0, 1))
    """
    out = np.asarray(out).astype(int).ravel()
    if out.min() == out.max():
        return BooleanFit("always" if out[0] else "never", ())
    cols = binary_columns(x)
    for i in cols:
        table = _table(out, x[:, i:i + 1].astype(int))
        if table is not None and tuple(table) in SINGLE_KEYS:
            return BooleanFit(SINGLE_KEYS[tuple(table)], (i,))
    for i, j in combinations(cols, 2):
        table = _table(out, x[:, [i, j]].astype(int))
        if table is not None and len(table) == 4 and tuple(table) in PAIR_KEYS:
            return BooleanFit(PAIR_KEYS[tuple(table)], (i, j))
    return None


def _table(out: np.ndarray, cols: np.ndarray) -> list[int] | None:
    """The truth table of ``out`` over ``cols`` (rows in binary order), or ``None`` if a combination
    gives both 0 and 1 or is missing."""
    width = cols.shape[1]
    index = cols @ (1 << np.arange(width)[::-1])
    table = []
    for combo in range(1 << width):
        seen = set(out[index == combo].tolist())
        if len(seen) != 1:
            return None
        table.append(seen.pop())
    return table
