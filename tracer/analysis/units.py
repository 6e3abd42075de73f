"""What the hidden units learned: each unit's output per sample, when it is on, and which inputs
switch it on (for the article's data, unit 2 is on only for x0 = x1 = 0: x0 NOR x1)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tracer.analysis.boolean import BooleanFit, fit

#: The output above which a unit counts as on: the middle of its range (relu and linear: above 0).
ON_ABOVE = {"sigmoid": 0.5, "tanh": 0.0, "relu": 0.0, "linear": 0.0}


@dataclass(frozen=True, slots=True)
class Unit:
    """One hidden unit at one iteration."""

    layer: int
    """The hidden layer k (1 … L − 1)."""
    index: int
    """The unit's column in ``l_k``."""
    outputs: tuple[float, ...]
    """``l_k[n, index]`` per sample."""
    on: tuple[bool, ...]
    """Per sample: the output is above ``ON_ABOVE`` of the layer's activation."""
    rule: BooleanFit | None
    """The boolean function of the network's inputs that ``on`` follows, if a known one does."""
    weights: tuple[float, ...]
    """The incoming weights ``w_{k−1}[:, index]`` (after the iteration's step)."""
    bias: float | None
    """The incoming bias, when the network has biases."""


def hidden_units(trace, iteration: int) -> tuple[Unit, ...]:
    """Every hidden unit of ``trace`` at a recorded ``iteration`` (outputs of that forward pass)."""
    cfg = trace.config
    net = cfg.network
    x, _ = cfg.data.arrays()
    units = []
    for k in range(1, net.depth):
        out = np.asarray(trace.get(f"l{k}", iteration))
        w = np.asarray(trace.get(f"w{k - 1}_next", iteration))
        b = np.asarray(trace.get(f"b{k - 1}_next", iteration)) if net.bias != "none" else None
        on_all = out > ON_ABOVE[net.activation[k - 1]]
        for u in range(out.shape[1]):
            on = on_all[:, u]
            units.append(Unit(k, u, tuple(float(v) for v in out[:, u]), tuple(bool(v) for v in on),
                              fit(on.astype(int), x), tuple(float(v) for v in w[:, u]),
                              float(b[u]) if b is not None else None))
    return tuple(units)
