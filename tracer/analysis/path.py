"""The worked path: one sample and one unit per layer followed through a whole iteration.

For the article's data it is sample 3 (inputs 1, 1, 1, so no term vanishes), hidden unit 0 and the
output: one z, activation and error element, the output delta as a product (0.5447 × 0.2480 =
0.1351), a hidden-error element, a gradient element as a sum over samples, an update
(−0.5911 − 0.1 × 0.05749 = −0.5968), and E before and after the step (0.6074 → 0.6055).
Data in, facts out: every number is read from the trace (E after the step is recomputed only when
the next iteration was not recorded).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tracer.activations import ACTIVATIONS


@dataclass(frozen=True, slots=True)
class Sum:
    """``value = Σ a·b (+ bias)``, each term a pair of recorded numbers."""

    terms: tuple[tuple[float, float], ...]
    """``(a, b)`` per term, in index order."""
    bias: float | None
    """The bias added, when the layer has one."""
    value: float
    """The recorded result."""


@dataclass(frozen=True, slots=True)
class Layer:
    """The path's unit in layer ``k`` (1 … L): its forward and backward numbers at the sample."""

    k: int
    unit: int
    z: Sum
    """``z_k[s, unit] = Σ_i l_{k−1}[s, i] · w_{k−1}[i, unit] (+ b)``."""
    a: float
    """``l_k[s, unit] = f(z)``."""
    error: Sum | None
    """Hidden layers: ``l_k_error[s, unit] = Σ_v δ_{k+1}[s, v] · w_k[unit, v]``; ``None`` at the output."""
    derivative: float | None
    """``f'`` at the sample, from the output (``None`` at a cross-entropy output, where it cancels)."""
    delta: float
    """``l_k_delta[s, unit]``."""


@dataclass(frozen=True, slots=True)
class Update:
    """One weight on the path: its gradient as a sum over samples and its step."""

    k: int
    """The weight matrix ``w_k``."""
    index: tuple[int, int]
    """``(row, column)``: from unit ``row`` of layer k to unit ``column`` of layer k + 1."""
    gradient: Sum
    """``Σ_n l_k[n, row] · δ_{k+1}[n, column]``, one term per sample."""
    before: float
    after: float


@dataclass(frozen=True, slots=True)
class WorkedPath:
    """The whole worked path of one iteration."""

    iteration: int
    sample: int
    input_column: int
    """The input column the path starts from (nonzero at the sample)."""
    layers: tuple[Layer, ...]
    """Layers 1 … L along the path."""
    target: float
    """``y[s, out]``."""
    difference: float
    """``l_L[s, out] − y[s, out]``."""
    loss_element: float
    """``l_L_error[s, out]``: this sample's share of the loss."""
    scale: float | None
    """``1 / (N·m)`` when E is a mean, else ``None``."""
    updates: tuple[Update, ...]
    """One per weight matrix along the path, the last layer's first (the order of the code)."""
    lr: float
    loss_before: float
    """E at the iteration (before its step)."""
    loss_after: float
    """E with the parameters after the step."""


def choose_sample(x: np.ndarray) -> int:
    """The first sample with the most nonzero inputs (sample 3, inputs 1, 1, 1, for the article's data)."""
    return int(np.argmax(np.count_nonzero(x, axis=1)))


def worked_path(trace, iteration: int, sample: int | None = None) -> WorkedPath:
    """The path facts of ``trace`` at a recorded ``iteration`` (``sample``: ``choose_sample`` if omitted)."""
    cfg = trace.config
    net = cfg.network
    L, j = net.depth, iteration
    x, y = cfg.data.arrays()
    s = choose_sample(x) if sample is None else sample
    get = lambda name: np.asarray(trace.get(name, j))  # noqa: E731
    units = [int(np.flatnonzero(x[s])[0]) if np.any(x[s]) else 0]
    for k in range(1, L):
        deriv = ACTIVATIONS[net.activation[k - 1]].derivative(get(f"l{k}")[s])
        live = np.flatnonzero(deriv)
        units.append(int(live[0]) if live.size else 0)
    units.append(0)
    biased = net.bias != "none"
    layers = []
    for k in range(1, L + 1):
        u, prev, w = units[k], get(f"l{k - 1}")[s], get(f"w{k - 1}")
        z = Sum(tuple((float(prev[i]), float(w[i, u])) for i in range(len(prev))),
                float(get(f"b{k - 1}")[u]) if biased else None, float(get(f"z{k}")[s, u]))
        a = float(get(f"l{k}")[s, u])
        output = k == L
        bce_out = output and net.loss == "bce"
        deriv = None if bce_out else float(ACTIVATIONS[net.activation[k - 1]].derivative(get(f"l{k}")[s])[u])
        error = None
        if not output:
            d_next, w_k = get(f"l{k + 1}_delta")[s], get(f"w{k}")
            error = Sum(tuple((float(d_next[v]), float(w_k[u, v])) for v in range(len(d_next))), None,
                        float(get(f"l{k}_error")[s, u]))
        layers.append(Layer(k, u, z, a, error, deriv, float(get(f"l{k}_delta")[s, u])))
    updates = []
    for k in range(L - 1, -1, -1):
        r, c = units[k], units[k + 1]
        left, right = get(f"l{k}")[:, r], get(f"l{k + 1}_delta")[:, c]
        grad = Sum(tuple((float(a), float(b)) for a, b in zip(left, right)), None, float(get(f"w{k}_grad")[r, c]))
        updates.append(Update(k, (r, c), grad, float(get(f"w{k}")[r, c]), float(get(f"w{k}_next")[r, c])))
    out = get(f"l{L}")
    return WorkedPath(j, s, units[0], tuple(layers), float(y[s, 0]), float(out[s, 0] - y[s, 0]),
                float(get(f"l{L}_error")[s, 0]), 1 / y.size if net.reduction == "mean" else None,
                tuple(updates), cfg.train.lr, float(get("loss")), _loss_after(trace, j))


def _loss_after(trace, j: int) -> float:
    """E with the parameters after step ``j``: recorded at ``j + 1``, or one forward pass."""
    if j + 1 in set(int(i) for i in trace.recorded_iterations):
        return float(trace.get("loss", j + 1))
    cfg = trace.config
    net = cfg.network
    x, y = cfg.data.arrays()
    a = x
    for k in range(net.depth):
        z = np.dot(a, trace.get(f"w{k}_next", j))
        if net.bias != "none":
            z = z + trace.get(f"b{k}_next", j)
        a = ACTIVATIONS[net.activation[k]].forward(z)
    if net.loss == "bce":
        per = np.logaddexp(0, z) - y * z
    else:
        per = (a - y) ** 2 / 2
    return float(np.mean(per) if net.reduction == "mean" else np.sum(per))
