"""The explorer's numbers: everything the page script shows, computed and formatted here.

The script never computes: for each carried iteration it looks up the weights and their edge
styles, one iteration's matrices (l_k transposed, δ_{k+1}, ∂E/∂w_k), the loss-curve marker, and for
every parameter element its chain rule (each factor per sample, the products, the derived value,
numpy's gradient, a finite difference). Numbers are strings rounded to the lesson's digits; the
three that must agree keep 12 digits. Full tensors are carried only for the lesson's table
iterations; the mean error for every recorded one.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from tracer.explorer import chain as ch
from tracer.render.numbers import shown as num   # every number here is shown on the page

MAX_UNITS = 10        # widest layer the explorer draws and tabulates
MAX_SAMPLES = 16      # most samples it tabulates
SHOWN_SAMPLES = 8     # rows of a chain-rule table (as the lesson)
POSITIVE, NEGATIVE = "#2166ac", "#c4432b"


def fits(trace) -> bool:
    """Whether the network is small enough for the explorer (every unit drawn, every sample listed)."""
    return max(trace.config.network.layers) <= MAX_UNITS and len(trace.config.data.inputs) <= MAX_SAMPLES


def carried(trace, table_iterations: Sequence[int] | None) -> list[int]:
    """The iterations whose full tensors the explorer carries: the lesson's table (default: all recorded)."""
    recorded = [int(i) for i in trace.recorded_iterations]
    its = [int(i) for i in table_iterations] if table_iterations else recorded
    return [i for i in its if i in set(recorded)]


def _fmt(array, d: int) -> Any:
    a = np.asarray(array, dtype=float)
    if a.ndim == 0:
        return num(float(a), d)
    return [_fmt(v, d) for v in a]


def edge_styles(weights: Sequence[np.ndarray]) -> list[list[list[str]]]:
    """Per layer, per edge ``[colour, width]``: blue positive, red negative, width by magnitude."""
    scale = max(float(np.max(np.abs(w))) for w in weights) or 1.0
    return [[[POSITIVE if v >= 0 else NEGATIVE, f"{0.6 + 4.4 * abs(v) / scale:.1f}"] for v in np.ravel(w)]
            for w in weights]


def _chain_rows(factors, sample, d: int) -> tuple[list[list[str]], np.ndarray]:
    products = ch.per_sample(factors, sample)
    n = len(products)
    rows = []
    for s in range(min(n, SHOWN_SAMPLES)):
        cells = []
        for array, lab in factors:
            value = array[s] if lab[:1] == [sample] else array
            flat = np.ravel(value)
            if flat.size == 1:
                cells.append(num(float(flat[0]), d))
            else:
                cells.append("[" + ", ".join(num(float(v), d) for v in flat[:4]) + (", …" if flat.size > 4 else "") + "]")
        rows.append([str(s), *cells, num(float(products[s]), d)])
    return rows, products


def iteration_data(trace, j: int, d: int) -> dict[str, Any]:
    """Everything the page shows for one carried iteration."""
    from tracer.symbolic.tree import SAMPLE

    cfg = trace.config
    net = cfg.network
    L = net.depth
    ws = [np.asarray(trace.get(f"w{k}", j)) for k in range(L)]
    out: dict[str, Any] = {
        "iteration": j, "mean_error": num(float(trace.get("mean_error", j)), d),
        "edges": edge_styles(ws), "values": {}, "layers": [], "chain": {},
    }
    for k in range(L):
        out["layers"].append({"lT": _fmt(trace.get(f"l{k}", j).T, d), "delta": _fmt(trace.get(f"l{k + 1}_delta", j), d),
                              "grad": _fmt(trace.get(f"w{k}_grad", j), d)})
    fd = ch.finite_differences(trace, j)
    floor = 64 * np.finfo(float).eps * max(1.0, abs(float(trace.get("loss", j)))) / 6e-6
    for p in ch.parameter_names(net):
        value, grad, step = (np.asarray(trace.get(n, j)) for n in (p, f"{p}_grad", f"{p}_next"))
        out["values"][p] = _fmt(value, d)
        arrays, labels, fixed = ch.factor_values(trace, j, p)
        for index in np.ndindex(value.shape):
            factors = ch.element_factors(arrays, labels, fixed, index)
            rows, products = _chain_rows(factors, SAMPLE, d)
            derived = float(products.sum())
            scale = float(ch.per_sample([(np.abs(a), lab) for a, lab in factors], SAMPLE).sum())
            numpy_value, diff = float(grad[index]), float(fd[p][index])
            agree = (abs(derived - numpy_value) <= 1e-12 * max(abs(derived), abs(numpy_value), scale)
                     and abs(diff - derived) <= ch.FD_TOL * max(abs(diff), abs(derived)) + floor)
            key = f"{p}[{','.join(map(str, index))}]"
            out["chain"][key] = {"rows": rows, "more": len(products) > SHOWN_SAMPLES, "sum": num(derived, d),
                                 "grad": num(numpy_value, d), "derived": num(derived, 12), "numpy": num(numpy_value, 12),
                                 "fd": num(diff, 12), "agree": bool(agree), "value": num(float(value[index]), d),
                                 "next": num(float(step[index]), d)}
    return out


def loss_curve(trace, width: int = 560, height: int = 160) -> dict[str, Any]:
    """The mean error of every recorded iteration as an SVG polyline (log scale) and the x/y of each."""
    its = [int(i) for i in trace.recorded_iterations]
    ys = [float(v) for v in trace.stack("mean_error")]
    positive = [v for v in ys if v > 0] or [1.0]
    lo, hi = math.floor(math.log10(min(positive))), math.ceil(math.log10(max(positive)))
    hi = hi if hi > lo else lo + 1
    x0, x1 = its[0], its[-1] if its[-1] > its[0] else its[0] + 1
    left, right, top, bottom = 8, 8, 8, 8

    def point(i: int, v: float) -> tuple[float, float]:
        x = left + (i - x0) / (x1 - x0) * (width - left - right)
        y = top + (hi - math.log10(max(v, 10.0 ** lo))) / (hi - lo) * (height - top - bottom)
        return round(x, 1), round(y, 1)

    points = {i: point(i, v) for i, v in zip(its, ys)}
    return {"width": width, "height": height, "points": points, "count": len(its)}
