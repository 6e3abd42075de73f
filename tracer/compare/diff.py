"""Compare two traces: config differences, per-tensor differences at every shared iteration, the
first divergence beyond a tolerance, and the final loss and predictions of each.

Everything is vectorised over iterations, so two all-iterations traces compare in seconds.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from tracer.trace import Trace


@dataclass(frozen=True, slots=True)
class TensorDiff:
    """How one tensor differs between the traces, per shared iteration."""

    name: str
    """The tensor's name."""
    max_abs: np.ndarray
    """Per shared iteration: the largest |a − b| over the tensor's elements."""
    max_rel: np.ndarray
    """Per shared iteration: the largest |a − b| / max(|a|, |b|) (0 where both are 0)."""
    n_differ: np.ndarray
    """Per shared iteration: how many elements differ beyond the tolerance."""
    size: int
    """Elements per iteration."""

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "size": self.size, "max_abs": self.max_abs.tolist(),
                "max_rel": self.max_rel.tolist(), "n_differ": self.n_differ.tolist()}


@dataclass(frozen=True, slots=True)
class Divergence:
    """The first place where the traces differ beyond the tolerance."""

    iteration: int
    tensor: str
    index: tuple[int, ...]
    a: float
    b: float

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["index"] = list(self.index)
        return out


@dataclass(slots=True)
class Comparison:
    """The whole comparison of trace A with trace B."""

    atol: float
    rtol: float
    config_differences: list[tuple[str, Any, Any]]
    """``(dotted key, value in A, value in B)`` for each config key that differs."""
    iterations: np.ndarray
    """The recorded iterations both traces share."""
    tensors: list[TensorDiff]
    """Tensors both traces hold with the same shape, in A's recording order."""
    not_comparable: list[str]
    """Tensors only one trace holds, or held with different shapes (with the reason)."""
    first_divergence: Divergence | None
    final: dict[str, dict[str, Any]]
    """Per trace (``"a"``, ``"b"``): its last recorded iteration, loss, mean error and predictions."""
    alignment: dict[str, Any] | None = field(default=None)
    """Filled by ``tracer.compare.align`` when the hidden units were matched."""

    @property
    def equal(self) -> bool:
        """True when every comparable tensor agrees within tolerance and nothing is left out."""
        return self.first_divergence is None and not self.not_comparable and len(self.iterations) > 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "equal": self.equal,
            "atol": self.atol,
            "rtol": self.rtol,
            "config_differences": [{"key": k, "a": a, "b": b} for k, a, b in self.config_differences],
            "iterations": self.iterations.tolist(),
            "first_divergence": self.first_divergence.as_dict() if self.first_divergence else None,
            "tensors": [t.as_dict() for t in self.tensors],
            "not_comparable": self.not_comparable,
            "final_loss": {side: info["loss"] for side, info in self.final.items()},
            "final": self.final,
            "alignment": self.alignment,
        }


def compare(a: Trace, b: Trace, *, atol: float = 0.0, rtol: float = 0.0) -> Comparison:
    """Compare trace ``a`` with trace ``b``.

    An element differs when ``|a − b| > atol + rtol · |b|`` (``np.isclose``'s rule); with the
    default tolerances, any difference at all counts.
    """
    shared, ia, ib = np.intersect1d(a.recorded_iterations, b.recorded_iterations, return_indices=True)
    tensors, not_comparable = [], []
    first: Divergence | None = None
    order = _causal_order(a.names)
    for name in a.names:
        if name not in b.arrays:
            not_comparable.append(f"{name} (only in A)")
            continue
        sa, sb = a.stack(name), b.stack(name)
        if sa.shape[1:] != sb.shape[1:]:
            not_comparable.append(f"{name} (shape {list(sa.shape[1:])} in A, {list(sb.shape[1:])} in B)")
            continue
        diff, div = _tensor_diff(name, sa[ia], sb[ib], atol, rtol, shared)
        tensors.append(diff)
        if div is not None and (first is None or (div.iteration, order[name]) < (first.iteration, order[first.tensor])):
            first = div
    not_comparable += [f"{name} (only in B)" for name in b.names if name not in a.arrays]
    return Comparison(atol, rtol, config_differences(a.config.as_dict(), b.config.as_dict()), shared,
                      tensors, not_comparable, first, {"a": final_state(a), "b": final_state(b)})


def _tensor_diff(name, xa, xb, atol, rtol, iterations):
    n = len(iterations)
    flat_a, flat_b = xa.reshape(n, -1), xb.reshape(n, -1)
    size = flat_a.shape[1]
    with np.errstate(invalid="ignore", divide="ignore"):
        gap = np.abs(flat_a - flat_b)
        scale = np.maximum(np.abs(flat_a), np.abs(flat_b))
        rel = np.where(scale > 0, gap / np.where(scale > 0, scale, 1), 0.0)
        beyond = ~np.isclose(flat_a, flat_b, rtol=rtol, atol=atol, equal_nan=True)
    if size == 0 or n == 0:
        empty = np.zeros(n)
        return TensorDiff(name, empty, empty, np.zeros(n, dtype=np.int64), size), None
    diff = TensorDiff(name, gap.max(axis=1), rel.max(axis=1), beyond.sum(axis=1), size)
    rows = np.flatnonzero(beyond.any(axis=1))
    if rows.size == 0:
        return diff, None
    row = int(rows[0])
    col = int(np.argmax(beyond[row]))
    index = tuple(int(i) for i in np.unravel_index(col, xa.shape[1:])) if xa.ndim > 1 else ()
    return diff, Divergence(int(iterations[row]), name, index, float(flat_a[row, col]), float(flat_b[row, col]))


def _causal_order(names: list[str]) -> dict[str, int]:
    """Within one iteration the parameters come first (they cause everything else), then the
    tensors in the order the iteration computes them."""
    params = [n for n in names if n[0] in "wb" and n[1:].isdigit()]
    rest = [n for n in names if n not in params]
    return {n: i for i, n in enumerate(params + rest)}


def config_differences(a: dict[str, Any], b: dict[str, Any], prefix: str = "") -> list[tuple[str, Any, Any]]:
    """Dotted keys whose values differ between two config dicts (``[("init.seed", 1, 2)]``)."""
    out = []
    for key in list(a) + [k for k in b if k not in a]:   # A's order, then keys only B has
        va, vb = a.get(key), b.get(key)
        if isinstance(va, dict) and isinstance(vb, dict):
            out += config_differences(va, vb, f"{prefix}{key}.")
        elif va != vb:
            out.append((f"{prefix}{key}", va, vb))
    return out


def final_state(trace: Trace) -> dict[str, Any]:
    """The last recorded iteration of a trace: loss, mean error, predictions, and whether the
    rounded predictions equal the targets."""
    depth = trace.config.network.depth
    out = np.asarray(trace.stack(f"l{depth}")[-1])
    _, y = trace.config.data.arrays()
    return {
        "iteration": int(trace.recorded_iterations[-1]),
        "loss": float(trace.stack("loss")[-1]),
        "mean_error": float(trace.stack("mean_error")[-1]),
        "predictions": out.tolist(),
        "learned": bool(np.array_equal(np.round(out), y)),
    }
