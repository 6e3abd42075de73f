"""The template variables of a lesson, built from a ``Trace`` and its ``Derivation`` list.

Everything a template prints is prepared here: numbers rounded to ``digits`` significant digits,
matrices as LaTeX (a slice with shape and norms when large), user text wrapped as ``UserText``
(escaped on output). Templates only choose words and layout; they never compute.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from tracer.activations import ACTIVATIONS
from tracer.lesson.facts import lesson_facts, overrides_of
from tracer.render import numbers as nb
from tracer.render.escape import UserText
from tracer.render.numbers import num

MAX_SAMPLES = 8  # rows of data, factor and prediction tables shown before "…"

@dataclass(frozen=True)
class Options:
    """What a lesson shows besides the trace: rounding and which iterations its tables list."""

    digits: int = 4
    """Significant digits of the numbers written in the lesson."""
    iteration: int = 0
    """The worked iteration (sections 4 and 5)."""
    table_iterations: tuple[int, ...] = ()
    """Iterations listed in the training table and marked on the loss curve (default: all recorded)."""
    source: str | None = None
    """The config file the lesson came from (its "what to try next" commands keep ``--config``)."""
    data_path: str | None = None
    """The CSV file given as ``--data`` to a lesson made from flags (its commands keep it)."""


def build(trace, derivations: Sequence, options: Options) -> dict[str, Any]:
    """All variables of the lesson templates (the same names for every language)."""
    cfg, d = trace.config, options.digits
    j = options.iteration
    net = cfg.network
    L = net.depth
    facts = lesson_facts(trace, d, j, options.source, options.data_path)
    return {
        "facts": facts,
        "digits": d,
        "custom_title": UserText(cfg.title) if cfg.title else "",
        "net": _network(cfg),
        "data": _data(cfg, d),
        "train": {"lr": num(cfg.train.lr, 6), "iterations": str(cfg.train.iterations),
                  "last": str(cfg.train.iterations - 1), "seed": str(cfg.init.seed),
                  "explicit": cfg.init.values is not None},
        "j": str(j), "at_start": j == 0,
        "initial": [_param(trace, name, j, d) for name in _param_names(cfg, "")],
        "forward": [_forward(trace, k, j, d) for k in range(1, L + 1)],
        "error": _error(trace, j, d),
        "backward": [_backward(trace, k, j, d) for k in range(L, 0, -1)],
        "updates": [_update(trace, k, j, d) for k in range(L - 1, -1, -1)],
        "chain": [_chain(x, d) for x in derivations],
        "history": _history(trace, options, facts["outcome"]["learned"]),
        "commands": _commands(cfg, options.source, options.data_path),
    }


def _network(cfg) -> dict[str, Any]:
    net = cfg.network
    acts = list(net.activation)
    n_params = sum(a * b for a, b in zip(net.layers, net.layers[1:]))
    if net.bias != "none":
        n_params += sum(net.layers[1:])
    L = net.depth
    return {
        "layers": "-".join(str(n) for n in net.layers), "depth": L, "hidden": L - 1,
        "n_in": net.layers[0], "n_out": net.layers[-1], "n_params": n_params,
        "activations": [{"k": k + 1, "name": a, "symbol": ACTIVATIONS[a].symbol, "definition": _definition(a),
                         "derivative": ACTIVATIONS[a].derivative_latex("a")} for k, a in enumerate(acts)],
        "kinds": [{"name": a, "definition": _definition(a), "derivative": ACTIVATIONS[a].derivative_latex("a")}
                  for a in dict.fromkeys(acts)],
        "all_sigmoid": all(a == "sigmoid" for a in acts), "bias": net.bias, "biased": net.bias != "none",
        "trainable_bias": net.bias == "trainable", "loss": net.loss, "reduction": net.reduction,
        "bce": net.loss == "bce", "mean": net.reduction == "mean",
        "loss_latex": _loss_latex(net), "out_delta_latex": _out_delta_latex(net),
        "output": f"l{L}", "L": str(L),
    }


def _loss_latex(net) -> str:
    a = rf"l^{{({net.depth})}}_{{nj}}"
    if net.loss == "bce":
        term = rf"-\left[y_{{nj}} \ln {a} + (1 - y_{{nj}}) \ln(1 - {a})\right]"
    else:
        term = rf"\frac{{1}}{{2}}\left({a} - y_{{nj}}\right)^{{2}}"
    scale = r"\frac{1}{N m}" if net.reduction == "mean" else ""
    return rf"E = {scale}\sum_{{n}} \sum_{{j}} {term}"


def _out_delta_latex(net) -> str:
    L = net.depth
    scale = r"\frac{1}{N m}" if net.reduction == "mean" else ""
    if net.loss == "bce":
        return rf"\delta^{{({L})}} = {scale}\left(l^{{({L})}} - y\right)"
    deriv = _deriv_latex(net.activation[-1], L)
    return rf"\delta^{{({L})}} = {scale}\left(l^{{({L})}} - y\right) \odot {deriv}"


def _definition(act: str) -> str:
    """``f(z) = …`` from the activation table."""
    f = ACTIVATIONS[act]
    return f"{f.symbol}(z) = {f.latex('z')}"


def _deriv_latex(act: str, k: int) -> str:
    """f'(z_k) written with the layer's output ``l^{(k)}``, entry by entry."""
    return ACTIVATIONS[act].elementwise_latex(rf"l^{{({k})}}")


def _data(cfg, d: int) -> dict[str, Any]:
    x, y = cfg.data.arrays()
    n_in, n_out = x.shape[1], y.shape[1]
    cols = cfg.data.columns
    in_head = [UserText(c) for c in cols[:n_in]] if cols else [f"x{i}" for i in range(n_in)]
    out_head = [UserText(c) for c in cols[n_in:]] if cols else [f"y{i}" for i in range(n_out)]
    shown = min(len(x), MAX_SAMPLES)
    rows = [{"n": str(n), "x": [num(v, d) for v in x[n]], "y": [num(v, d) for v in y[n]]} for n in range(shown)]
    return {"name": UserText(cfg.data.name), "n": str(len(x)), "rows": rows, "more": len(x) > shown,
            "in_head": in_head, "out_head": out_head, "x_latex": nb.matrix(x, d), "y_latex": nb.matrix(y, d),
            "binary": bool(np.all((y == 0) | (y == 1)))}


def _param_names(cfg, suffix: str) -> list[str]:
    names = []
    for k in range(cfg.network.depth):
        names.append(f"w{k}{suffix}")
        if cfg.network.bias != "none":
            names.append(f"b{k}{suffix}")
    return names


def _tensor(value: np.ndarray, d: int) -> dict[str, Any]:
    """A tensor for a template: LaTeX (maybe a slice), shape, and norms when sliced."""
    return {"latex": nb.matrix(value, d), "shape": nb.shape_text(value), "sliced": nb.is_sliced(value),
            **nb.norms(value, d)}


def _symbol(name: str) -> str:
    """``w0`` → ``w^{(0)}``, ``b1`` → ``b^{(1)}``."""
    return rf"{name[0]}^{{({name[1:]})}}"


def _param(trace, name: str, j: int, d: int) -> dict[str, Any]:
    return {"name": name, "symbol": _symbol(name), **_tensor(trace.get(name, j), d)}


def _forward(trace, k: int, j: int, d: int) -> dict[str, Any]:
    prev, w, z, l = (trace.get(n, j) for n in (f"l{k - 1}", f"w{k - 1}", f"z{k}", f"l{k}"))
    act = trace.config.network.activation[k - 1]
    biased = trace.config.network.bias != "none"
    # one element worked out: z_k[0, 0] = Σ_i l_{k-1}[0, i] · w_{k-1}[i, 0] (+ b)
    terms = [rf"{nb.tex(prev[0, i], d)} \cdot ({{{nb.tex(w[i, 0], d)}}})" for i in range(min(prev.shape[1], 4))]
    if prev.shape[1] > 4:
        terms.append(r"\cdots")
    if biased:
        terms.append(rf"({{{nb.tex(trace.get(f'b{k - 1}', j)[0], d)}}})")
    symbol = ACTIVATIONS[act].symbol
    return {
        "k": str(k), "prev": str(k - 1), "act": act, "symbol": symbol, "biased": biased,
        "prev_t": _tensor(prev, d), "w_t": _tensor(w, d), "z_t": _tensor(z, d), "l_t": _tensor(l, d),
        "b_t": _tensor(trace.get(f"b{k - 1}", j), d) if biased else None,
        "z00": rf"z^{{({k})}}_{{00}} = " + " + ".join(terms) + rf" = {nb.tex(z[0, 0], d)}",
        "l00": rf"l^{{({k})}}_{{00}} = {symbol}\left({nb.tex(z[0, 0], d)}\right) = {nb.tex(l[0, 0], d)}",
    }


def _error(trace, j: int, d: int) -> dict[str, Any]:
    L = trace.config.network.depth
    out = trace.get(f"l{L}", j)
    _, y = trace.config.data.arrays()
    return {"diff_t": _tensor(out - y, d), "error_t": _tensor(trace.get(f"l{L}_error", j), d),
            "loss": num(float(trace.get("loss", j)), d), "mean_error": num(float(trace.get("mean_error", j)), d),
            "loss_tex": nb.tex(float(trace.get("loss", j)), d)}


def _backward(trace, k: int, j: int, d: int) -> dict[str, Any]:
    L = trace.config.network.depth
    act = trace.config.network.activation[k - 1]
    l = trace.get(f"l{k}", j)
    deriv = ACTIVATIONS[act].derivative(l)   # the trainer's own function
    n = trace.config.data.arrays()[0].shape[0]
    units = trace.config.network.layers
    return {
        "k": str(k), "next": str(k + 1), "w": str(k), "output": k == L, "act": act,
        "delta_shape": _shape(n, units[k + 1]) if k < L else _shape(n, units[k]),
        "wT_shape": _shape(units[k + 1], units[k]) if k < L else "", "shape": _shape(n, units[k]),
        "deriv_latex": _deriv_latex(act, k), "deriv_t": _tensor(deriv, d),
        "error_t": None if k == L else _tensor(trace.get(f"l{k}_error", j), d),
        "delta_t": _tensor(trace.get(f"l{k}_delta", j), d),
    }


def _shape(rows: int, cols: int) -> str:
    return f"{rows}×{cols}"


def _update(trace, k: int, j: int, d: int) -> dict[str, Any]:
    cfg = trace.config
    n = cfg.data.arrays()[0].shape[0]
    units = cfg.network.layers
    out = {"k": str(k), "next": str(k + 1), "lT_t": _tensor(trace.get(f"l{k}", j).T, d),
           "lT_shape": _shape(units[k], n), "delta_shape": _shape(n, units[k + 1]),
           "grad_shape": _shape(units[k], units[k + 1]),
           "delta_t": _tensor(trace.get(f"l{k + 1}_delta", j), d),
           "w_t": _tensor(trace.get(f"w{k}", j), d), "grad_t": _tensor(trace.get(f"w{k}_grad", j), d),
           "next_t": _tensor(trace.get(f"w{k}_next", j), d), "biased": cfg.network.bias != "none",
           "trainable_bias": cfg.network.bias == "trainable"}
    if out["biased"]:
        out.update(bgrad_t=_tensor(trace.get(f"b{k}_grad", j), d), bnext_t=_tensor(trace.get(f"b{k}_next", j), d))
    return out


def _chain(x, d: int) -> dict[str, Any]:
    """One derivation with its per-sample factor table (product per sample, then the sum).

    In deeper networks some factors also run over units of the layers above (indices k, m, …);
    their cell shows the values as a short vector and the sample's product sums over those units.
    """
    arrays = [f.array() for f in x.factors]
    letters = [tuple(f.indices) for f in x.factors]
    summed = sorted({c for idx in letters for c in idx if c != "n"})
    products = x.products()
    n = len(products)
    rows = []
    for s in range(min(n, MAX_SAMPLES)):
        cells = [_cell(a[s] if idx[:1] == ("n",) else a, d) for a, idx in zip(arrays, letters)]
        rows.append({"n": str(s), "cells": cells, "product": num(float(products[s]), d)})
    k = int(x.parameter[1:])
    index = ",".join(map(str, x.index))
    return {
        "weight": UserText(x.weight), "parameter": UserText(x.parameter), "k": str(k), "index": index,
        "grad_label": UserText(f"{x.parameter}_grad[{index}]"),
        "latex": _math(x.latex), "matrix_latex": _math(x.matrix_latex), "substituted_latex": _math(x.substituted_latex),
        "factors": [{"name": UserText(f.name), "latex": _math(f.latex).replace("|", r"\vert "),
                     "anchor": factor_anchor(f.name)} for f in x.factors],
        "rows": rows, "sum": num(float(np.sum(products)), d), "more": n > MAX_SAMPLES, "n": str(n), "summed": ", ".join(summed),
        "value": num(x.value, 12), "numpy_value": num(x.numpy_value, 12), "finite_difference": num(x.finite_difference, 12),
        "agree": x.agree, "figure_id": f"chain-{x.parameter}", "iteration": str(x.iteration),
        "is_bias": x.parameter.startswith("b"),
    }


def factor_anchor(name: str) -> str | None:
    """The id of the lesson formula whose matrix holds a chain factor's values (``dz2/dl1`` → the
    weights ``w1``), or ``None``."""
    import re

    top, _, below = str(name).partition("/d")
    head = top.removeprefix("d")
    if head == "E" or head.endswith("_error"):
        return "eq-loss" if below.endswith("_error") else "eq-difference"
    m = re.fullmatch(r"l(\d+)", head)
    if m and below == f"z{m.group(1)}":
        return f"eq-slope-{m.group(1)}"
    m = re.fullmatch(r"z(\d+)", head)
    if m and re.fullmatch(r"l\d+", below):
        return f"eq-w{int(m.group(1)) - 1}"
    if m and re.fullmatch(r"[wb]\d+", below):
        return f"eq-forward-{m.group(1)}"
    return None


def _math(latex: str) -> str:
    """Derivation LaTeX (read from a cache) kept inside its formula: no ``$`` and no line break
    can end the math in the Markdown around it."""
    return str(latex).replace("$", r"\$").replace("\n", " ").replace("\r", " ")


def _cell(value: np.ndarray, d: int) -> str:
    """A factor's value for one sample: a number, or a short vector over the units above."""
    flat = np.ravel(value)
    if flat.size == 1:
        return num(float(flat[0]), d)
    shown = ", ".join(num(float(v), d) for v in flat[:4])
    return f"[{shown}{', …' if flat.size > 4 else ''}]"


def _history(trace, options: Options, learned: bool) -> dict[str, Any]:
    d, cfg = options.digits, trace.config
    its = [int(i) for i in (options.table_iterations or trace.recorded_iterations)]
    rows = [{"iteration": str(i), "loss": num(float(trace.get("loss", i)), d),
             "mean_error": num(float(trace.get("mean_error", i)), d)} for i in its]
    L = cfg.network.depth
    last = int(trace.recorded_iterations[-1])
    pred = trace.get(f"l{L}", last)
    _, y = cfg.data.arrays()
    shown = min(len(y), MAX_SAMPLES)
    binary = bool(np.all((y == 0) | (y == 1)))
    preds = [{"n": str(n), "y": [num(v, d) for v in y[n]], "p": [num(v, d) for v in pred[n]],
              "ok": ("✓" if np.all(np.round(pred[n]) == y[n]) else "✗") if binary else "–"} for n in range(shown)]
    return {"rows": rows, "first": rows[0], "last": rows[-1], "last_iteration": str(last),
            "predictions": preds, "more": len(y) > shown, "learned": learned,
            "final": [_param(trace, name, last, d) for name in _param_names(cfg, "_next")],
            "final_mean_error": num(float(trace.get("mean_error", last)), d)}


def _commands(cfg, source: str | None, data_path: str | None = None) -> dict[str, str]:
    """Commands that record this lesson's own run and query it (the lesson's config kept)."""
    import shlex

    config = f" --config {shlex.quote(source)}" if source else ""
    seed = "" if cfg.init.values is not None or source else f" --seed {cfg.init.seed}"
    name = f"seed{cfg.init.seed}.npz"
    overrides = "" if source else "".join(f" {k} {shlex.quote(v)}" for k, v in overrides_of(cfg, data_path).items()
                                          if k != "--seed")
    row = min(1, cfg.network.layers[0] - 1)
    col = min(2, cfg.network.layers[1] - 1)
    return {"trace": f"nntrace trace{config}{seed}{overrides} -o {name}",
            "show": f"nntrace show {name}",
            "derive": f"nntrace derive {name} --weight w0[{row},{col}]"}
