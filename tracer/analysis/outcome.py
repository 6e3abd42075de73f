"""Whether the network learned its task: the rounded predictions equal the targets, computed once.

Every part of a lesson that speaks of success (summary, analogy, what to try next, batch index)
reads this one fact.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class Outcome:
    """The final predictions against the targets."""

    iteration: int
    """The iteration whose forward pass gave the predictions (the last one)."""
    binary: bool
    """Every target is 0 or 1, so "rounded prediction equals target" is meaningful."""
    correct: tuple[bool, ...]
    """Per sample: every output rounds to its target (all ``False`` when targets are not 0/1)."""
    learned: bool
    """``binary`` and every sample ``correct``."""
    worst: tuple[int, float]
    """The sample with the largest |prediction − target| and that distance."""


def outcome(predictions: np.ndarray, targets: np.ndarray, iteration: int) -> Outcome:
    """The outcome of predictions (samples × outputs) against targets of the same shape.

    >>> outcome(np.array([[0.1], [0.8]]), np.array([[0.0], [1.0]]), 9).learned
    True
    """
    p = np.asarray(predictions, dtype=float)
    y = np.asarray(targets, dtype=float)
    binary = bool(np.all((y == 0) | (y == 1)))
    correct = tuple(bool(binary and np.all(np.round(p[n]) == y[n])) for n in range(len(y)))
    gap = np.abs(p - y).max(axis=1)
    worst = int(np.argmax(gap))
    return Outcome(iteration, binary, correct, binary and all(correct), (worst, float(gap[worst])))
