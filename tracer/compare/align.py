"""Match the hidden units of trace B to those of trace A, layer by layer.

Two seeds often learn the same hidden features in another order. For each hidden layer we
correlate the units' activations over the training samples at the final shared iteration and
solve the assignment (exactly, by trying every permutation, for up to 8 units; with scipy's
``linear_sum_assignment`` above that), then permute B's weights, biases and every per-unit tensor
consistently, so the network B computes is unchanged.
"""

from __future__ import annotations

import itertools

import numpy as np

from tracer.errors import TracerError
from tracer.trace import Trace

EXACT_LIMIT = 8


def unit_correlations(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pearson correlation of every unit (column) of ``a`` with every unit of ``b`` over the samples;
    a unit that is constant over the samples correlates 0 with everything."""
    da, db = a - a.mean(axis=0), b - b.mean(axis=0)
    na, nb = np.sqrt((da ** 2).sum(axis=0)), np.sqrt((db ** 2).sum(axis=0))
    with np.errstate(invalid="ignore", divide="ignore"):
        c = (da.T @ db) / np.outer(na, nb)
    return np.nan_to_num(np.clip(c, -1.0, 1.0), nan=0.0)


def best_permutation(c: np.ndarray) -> np.ndarray:
    """The permutation ``p`` maximising ``sum(c[i, p[i]])``: unit i of A matches unit p[i] of B."""
    n = c.shape[0]
    if n <= EXACT_LIMIT:
        perms = np.array(list(itertools.permutations(range(n))), dtype=np.intp)
        scores = c[np.arange(n), perms].sum(axis=1)
        return perms[int(np.argmax(scores))]   # argmax takes the first best: lexicographic tie-break
    try:
        from scipy.optimize import linear_sum_assignment
    except ModuleNotFoundError:
        raise TracerError(
            f"aligning a layer of {n} units needs scipy (more than {EXACT_LIMIT} units are matched with "
            "scipy.optimize.linear_sum_assignment); install it with: pip install 'nntrace[align]'"
        ) from None
    rows, cols = linear_sum_assignment(-c)
    return cols[np.argsort(rows)]


def permute_hidden(trace: Trace, k: int, perm: np.ndarray) -> Trace:
    """A copy of ``trace`` with hidden layer ``k``'s units reordered: new unit i is old unit perm[i]."""
    arrays = dict(trace.arrays)
    for name in (f"z{k}", f"l{k}", f"l{k}_delta", f"l{k}_error"):
        arrays[name] = arrays[name][..., perm]
    for suffix in ("", "_grad", "_next"):
        arrays[f"w{k - 1}{suffix}"] = arrays[f"w{k - 1}{suffix}"][..., perm]
        arrays[f"w{k}{suffix}"] = arrays[f"w{k}{suffix}"][:, perm, :]
        if f"b{k - 1}{suffix}" in arrays:
            arrays[f"b{k - 1}{suffix}"] = arrays[f"b{k - 1}{suffix}"][..., perm]
    return Trace(trace.config, trace.recorded_iterations, arrays, trace.versions)


def align(a: Trace, b: Trace) -> tuple[Trace, dict]:
    """Reorder B's hidden units to best match A's; returns the aligned B and a report.

    The report holds, per hidden layer, the permutation and each matched pair's correlation, and
    ``same_solution``: whether every matched pair correlates at 0.99 or more.
    """
    if a.config.network.layers[1:-1] != b.config.network.layers[1:-1]:
        raise TracerError(
            f"cannot align hidden layers {list(a.config.network.layers[1:-1])} with "
            f"{list(b.config.network.layers[1:-1])}: --align needs the same hidden layer sizes"
        )
    shared = np.intersect1d(a.recorded_iterations, b.recorded_iterations)
    if shared.size == 0:
        raise TracerError("the traces share no recorded iteration to align on; record 'last' in both")
    j = int(shared[-1])
    layers = []
    for k in range(1, a.config.network.depth):
        c = unit_correlations(np.asarray(a.get(f"l{k}", j)), np.asarray(b.get(f"l{k}", j)))
        perm = best_permutation(c)
        b = permute_hidden(b, k, perm)
        matched = c[np.arange(len(perm)), perm]
        layers.append({"layer": k, "permutation": perm.tolist(), "correlations": matched.tolist(),
                       "identity": bool(np.array_equal(perm, np.arange(len(perm))))})
    lowest = min((min(lay["correlations"]) for lay in layers), default=1.0)
    return b, {"iteration": j, "layers": layers, "lowest_correlation": lowest, "same_solution": bool(lowest >= 0.99)}
