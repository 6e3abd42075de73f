"""The template variables of a worksheet and its answer key: each question's formula, given
numbers, table, blanks and worked solution, as LaTeX and rounded numbers.

Which numbers are asked comes from ``tracer.batch.questions``; here they become the variables of
``templates/worksheet/``. Words live in the prose files, never here.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from tracer.activations import ACTIVATIONS
from tracer.batch.questions import Cell, Question
from tracer.render.escape import UserText
from tracer.render.numbers import num, tex

CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
MAX_TERMS = 6   # terms of a sum written out in one formula before the middle ones become ⋯


# -- template variables ----------------------------------------------------------------------------

def build(trace, questions: Sequence[Question], derivations: dict, digits: int, iteration: int) -> dict[str, Any]:
    """Every variable of the exercise templates (the same names for every language)."""
    cfg = trace.config
    net = cfg.network
    names = _Names(net.layers)
    return {
        "seed": str(cfg.init.seed), "explicit": cfg.init.values is not None, "iteration": str(iteration),
        "digits": str(digits), "course": UserText(cfg.title) if cfg.title else "",
        "net": {"layers": "-".join(map(str, net.layers)), "depth": str(net.depth), "samples": str(len(cfg.data.inputs)),
                "activations": list(net.activation), "lr": num(cfg.train.lr, 6), "loss": net.loss,
                "reduction": net.reduction, "biased": net.bias != "none"},
        "questions": [_question(q, names, trace, derivations.get(q.weight), digits) for q in questions],
    }


class _Names:
    """LaTeX symbols and code labels of tensor elements; an axis of a layer of width 1 is left out
    (``l2_delta[3]``, not ``l2_delta[3,0]``), as in the lesson's derivations."""

    def __init__(self, layers: Sequence[int]):
        self.layers = tuple(layers)
        self.L = len(layers) - 1

    def _axes(self, tensor: str) -> list[int | None]:
        """The layer behind each axis of ``tensor`` (``None``: the samples)."""
        if tensor == "y":
            return [None, self.L]
        k = int(tensor.split("_")[0][1:])
        if tensor[0] in "lz":
            return [None, k]
        if tensor[0] == "w":
            return [k, k + 1]
        return [k + 1]

    def kept(self, tensor: str, index: Sequence) -> list:
        if tensor == "lr":
            return []
        return [i for i, layer in zip(index, self._axes(tensor)) if layer is None or self.layers[layer] > 1]

    def label(self, tensor: str, index: Sequence) -> str:
        """``z1[0,2]``, ``l2_delta[3]``: the element as the code names it."""
        kept = self.kept(tensor, index)
        return f"{tensor}[{','.join(map(str, kept))}]" if kept else tensor

    def symbol(self, tensor: str, index: Sequence) -> str:
        r"""``z^{(1)}_{0,2}``, ``\delta^{(2)}_{n}``; indices may be numbers or letters."""
        if tensor == "lr":
            return r"\eta"
        base = tensor.split("_")[0]
        head = "y" if tensor == "y" else rf"{base[0]}^{{({base[1:]})}}"
        if tensor.endswith("_delta"):
            head = rf"\delta^{{({base[1:]})}}"
        parts = [str(i) for i in self.kept(tensor, index)]
        glue = "" if all(len(p) == 1 and p.isalpha() for p in parts) else ","
        element = f"{head}_{{{glue.join(parts)}}}" if parts else head
        if tensor.endswith("_grad"):
            return rf"\frac{{\partial E}}{{\partial {element}}}"
        return element


def _paren(text: str) -> str:
    return rf"\left({text}\right)" if text.startswith("-") else text


def _sum(terms: Sequence[str]) -> str:
    """``a + b + c``; a long sum shows its first and last terms around ``\\cdots``."""
    if len(terms) > MAX_TERMS:
        terms = [*terms[:3], r"\cdots", *terms[-2:]]
    out = terms[0]
    for t in terms[1:]:
        out += f" - {t[1:]}" if t.startswith("-") else f" + {t}"
    return out


def _slope_latex(act: str, a: str) -> str:
    """The activation's slope written with its output ``a`` (symbol or number), bracketed so it
    can stand as a factor."""
    if act == "relu":
        return ACTIVATIONS[act].derivative_latex(a)
    if act == "tanh":   # 1 - a², bracketed: a power of a power needs braces, a negative number parentheses
        return rf"\left({ACTIVATIONS[act].derivative_latex(f'{{{a}}}' if '^' in a else _paren(a))}\right)"
    return ACTIVATIONS[act].derivative_latex(_paren(a))


def _activation_latex(act: str, z: str) -> str:
    """The activation applied to ``z`` (a symbol or a number), from the activation table."""
    f = ACTIVATIONS[act]
    if act in ("relu", "linear"):
        return f.latex(z)
    return rf"{f.symbol}\left({z}\right) = {f.latex(_paren(z))}"


def _given(cell: Cell, names: _Names, d: int) -> dict[str, Any]:
    digits = 6 if cell.tensor == "lr" else d
    mark = CIRCLED[cell.ref - 1] if cell.ref is not None and cell.ref <= len(CIRCLED) else f"({cell.ref})"
    return {"symbol": names.symbol(cell.tensor, cell.index), "label": names.label(cell.tensor, cell.index),
            "value": num(cell.value, digits), "tex": tex(cell.value, digits), "ref": cell.ref,
            "mark": mark if cell.ref is not None else "", "shown": mark if cell.ref is not None else num(cell.value, digits)}


def _question(q: Question, names: _Names, trace, derivation, d: int) -> dict[str, Any]:
    """One question's variables: formula, given numbers, table, blanks and worked solution."""
    cfg = trace.config
    net = cfg.network
    at = dict(zip({"z": "nj", "a": "nj", "out_delta": "no", "hidden_delta": "nj", "grad": "jo", "bias": "o",
                   "step": "ij"}[q.kind], map(str, q.index)))
    layout = _KIND_LATEX[q.kind](q, names, cfg, d)
    table = None
    if q.table:
        rows = []
        for row in q.table:
            product = float(np.prod([c.value for c in row]))
            rows.append({"at": str(len(rows)), "cells": [_given(c, names, d) for c in row],
                         "product": num(product, d), "product_tex": tex(product, d)})
        table = {"over": q.over, "head": layout["head"], "rows": rows, "products": len(q.table[0]) > 1,
                 "sum": num(q.steps[0].value, d)}
    blanks = [{"symbol": sym, "value": num(step.value, d), "tex": tex(step.value, d), "work": work,
               "exact": repr(step.value)} for (sym, work), step in zip(layout["blanks"], q.steps)]
    out = {
        "number": str(q.number), "kind": q.kind, "tensor": q.tensor, "layer": str(q.layer), "at": at,
        "label": names.label(q.tensor, q.index), "symbol": blanks[-1]["symbol"],
        "act": net.activation[q.layer - 1] if q.kind in ("a", "out_delta", "hidden_delta") else "",
        "multi_out": net.layers[-1] > 1, "biased": net.bias != "none", "bce": net.loss == "bce",
        "mean": net.reduction == "mean", "formula": layout["formula"], "given": [_given(c, names, d) for c in q.given],
        "table": table, "blanks": blanks, "answer": num(q.answer, d), "answer_tex": tex(q.answer, d),
        "exact": repr(q.answer), "refs": [str(r) for r in q.refs],
        "marks": [CIRCLED[r - 1] if r <= len(CIRCLED) else f"({r})" for r in q.refs],
        "derivation": None,
    }
    if derivation is not None:
        out["derivation"] = {"latex": derivation.latex, "substituted": derivation.substituted_latex,
                             "agree": bool(derivation.agree),
                             "weight": derivation.weight}
    return out


# -- per-kind LaTeX: the general formula, the table's head, and each blank with its working --------

def _products(q: Question, d: int) -> list[str]:
    return [r" \cdot ".join(_paren(tex(c.value, d)) if i else tex(c.value, d) for i, c in enumerate(row))
            for row in q.table]


def _latex_z(q, names, cfg, d):
    n, j = q.index
    l0, w0 = names.symbol("l0", (n, "i")), names.symbol("w0", ("i", j))
    z = names.symbol("z1", (n, j))
    bias = names.symbol("b0", (j,)) if q.given else ""
    formula = rf"{z} = \sum_{{i}} {l0} \, {w0}" + (f" + {bias}" if bias else "")
    terms = _sum(_products(q, d))
    if bias:
        s, b = tex(q.steps[0].value, d), tex(q.given[0].value, d)
        blanks = [(rf"\sum_{{i}} {l0} \, {w0}", rf"{terms} = {s}"), (z, rf"{s} + {_paren(b)} = {tex(q.answer, d)}")]
    else:
        blanks = [(z, rf"{terms} = {tex(q.answer, d)}")]
    head = ["i", l0, w0, rf"{l0} \, {w0}"]
    return {"formula": [formula], "head": head, "blanks": blanks}


def _latex_a(q, names, cfg, d):
    n, j = q.index
    act = cfg.network.activation[0]
    z, a = names.symbol("z1", (n, j)), names.symbol("l1", (n, j))
    zv = tex(q.given[0].value, d)
    work = _activation_latex(act, zv)
    if act == "sigmoid":
        e = tex(float(np.exp(-np.float64(q.given[0].value))), d)
        work += rf" = \frac{{1}}{{1 + {e}}}"
    return {"formula": [rf"{a} = {_activation_latex(act, z)}"], "head": [],
            "blanks": [(a, rf"{work} = {tex(q.answer, d)}")]}


def _scale(cfg) -> tuple[str, str]:
    """The factor of a mean loss, in symbols and in numbers (empty for a sum)."""
    if cfg.network.reduction != "mean":
        return "", ""
    n, m = len(cfg.data.inputs), cfg.network.layers[-1]
    return r"\frac{1}{N m} \cdot ", rf"\frac{{1}}{{{n * m}}} \cdot "


def _latex_out_delta(q, names, cfg, d):
    net = cfg.network
    L = net.depth
    a, y = names.symbol(f"l{L}", q.index), names.symbol("y", q.index)
    delta = names.symbol(f"l{L}_delta", q.index)
    av, yv = tex(q.given[0].value, d), tex(q.given[1].value, d)
    scale = _scale(cfg)
    values = {s.name: tex(s.value, d) for s in q.steps}
    if "diff" not in values:   # δ = l − y
        return {"formula": [rf"{delta} = {a} - {y}"], "head": [],
                "blanks": [(delta, rf"{av} - {_paren(yv)} = {tex(q.answer, d)}")]}
    diff = rf"\left({a} - {y}\right)"
    blanks = [(rf"{a} - {y}", rf"{av} - {_paren(yv)} = {values['diff']}")]
    if "deriv" in values:
        slope = _slope_latex(net.activation[-1], a)
        formula = rf"{delta} = {scale[0]}{diff} \cdot {slope}"
        blanks.append((slope, rf"{_slope_latex(net.activation[-1], av)} = {values['deriv']}"))
        work = rf"{scale[1]}{_paren(values['diff'])} \cdot {_paren(values['deriv'])}"
    else:
        formula = rf"{delta} = {scale[0]}{diff}"
        work = rf"{scale[1]}{_paren(values['diff'])}"
    blanks.append((delta, rf"{work} = {tex(q.answer, d)}"))
    return {"formula": [formula], "head": [], "blanks": blanks}


def _latex_hidden_delta(q, names, cfg, d):
    net = cfg.network
    n, j = q.index
    k, L = q.layer, net.depth
    act = net.activation[k - 1]
    up, w = names.symbol(f"l{L}_delta", (n, "o")), names.symbol(f"w{k}", (j, "o"))
    a, delta = names.symbol(f"l{k}", (n, j)), names.symbol(f"l{k}_delta", (n, j))
    total = rf"\sum_{{o}} {up} \, {w}" if net.layers[L] > 1 else rf"{up} \, {w}"
    values = {s.name: tex(s.value, d) for s in q.steps}
    head = ["o", up, w, rf"{up} \, {w}"]
    if act == "linear":   # slope 1: δ is the sum itself
        return {"formula": [rf"{delta} = {total}"], "head": head,
                "blanks": [(delta, rf"{_sum(_products(q, d))} = {tex(q.answer, d)}")]}
    slope = _slope_latex(act, a)
    work = rf"{_paren(values['sum'])} \cdot {_paren(values['deriv'])}"
    blanks = [(total, rf"{_sum(_products(q, d))} = {values['sum']}"),
              (slope, rf"{_slope_latex(act, tex(q.given[0].value, d))} = {values['deriv']}"),
              (delta, rf"{work} = {tex(q.answer, d)}")]
    formula = rf"{delta} = \left({total}\right) \cdot {slope}"
    return {"formula": [formula], "head": head, "blanks": blanks}


def _latex_grad(q, names, cfg, d):
    j, o = q.index
    k, L = q.layer, cfg.network.depth
    low, up = names.symbol(f"l{k}", ("n", j)), names.symbol(f"l{L}_delta", ("n", o))
    grad = names.symbol(f"w{k}_grad", (j, o))
    return {"formula": [rf"{grad} = \sum_{{n}} {low} \, {up}"], "head": ["n", low, up, rf"{low} \, {up}"],
            "blanks": [(grad, rf"{_sum(_products(q, d))} = {tex(q.answer, d)}")]}


def _latex_bias(q, names, cfg, d):
    (o,) = q.index
    k, L = q.layer, cfg.network.depth
    up, grad = names.symbol(f"l{L}_delta", ("n", o)), names.symbol(f"b{k}_grad", (o,))
    return {"formula": [rf"{grad} = \sum_{{n}} {up}"], "head": ["n", up],
            "blanks": [(grad, rf"{_sum(_products(q, d))} = {tex(q.answer, d)}")]}


def _latex_step(q, names, cfg, d):
    i, j = q.index
    low, up = names.symbol("l0", ("n", i)), names.symbol("l1_delta", ("n", j))
    w, grad = names.symbol("w0", (i, j)), names.symbol("w0_grad", (i, j))
    new = rf"{w} - \eta \, {grad}"
    g, wv, lr = tex(q.steps[0].value, d), tex(q.given[0].value, d), tex(q.given[1].value, 6)
    return {"formula": [rf"{grad} = \sum_{{n}} {low} \, {up}", rf"{w} \leftarrow {new}"],
            "head": ["n", low, up, rf"{low} \, {up}"],
            "blanks": [(grad, rf"{_sum(_products(q, d))} = {g}"),
                       (new, rf"{wv} - {lr} \cdot {_paren(g)} = {tex(q.answer, d)}")]}


_KIND_LATEX = {"z": _latex_z, "a": _latex_a, "out_delta": _latex_out_delta, "hidden_delta": _latex_hidden_delta,
               "grad": _latex_grad, "bias": _latex_bias, "step": _latex_step}
