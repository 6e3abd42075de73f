"""Template variables for the claims a lesson makes, read from ``tracer.analysis`` facts.

Every sentence that could be contradicted by the run (how the error falls, whether the network
learned, what the task is, what each hidden unit does, which experiments to try next) takes its
facts from here; the prose files only choose words for them. Numbers are rounded to the lesson's
digits; LaTeX fragments are built from recorded numbers, never recomputed.
"""

from __future__ import annotations

import shlex
from typing import Any

import numpy as np

from tracer.activations import ACTIVATIONS
from tracer.analysis import hidden_units, outcome, read_story, read_task, worked_path
from tracer.program import program, steps
from tracer.program.whole import print_every
from tracer.render.escape import UserText
from tracer.render.numbers import num, tex

TIMES = r" \times "


def lesson_facts(trace, digits: int, iteration: int, source: str | None = None,
                 data_path: str | None = None) -> dict[str, Any]:
    """The ``facts`` variable of a lesson: story, outcome, task, path, units, code blocks, the whole
    program, notation, next (``source``: its config file; ``data_path``: the CSV file of a lesson
    given by flags)."""
    cfg = trace.config
    L = cfg.network.depth
    x, y = cfg.data.arrays()
    last = int(trace.recorded_iterations[-1])
    names = _column_names(cfg)
    result = outcome(trace.get(f"l{L}", last), y, last)
    story = read_story([int(i) for i in trace.recorded_iterations], trace.stack("mean_error"))
    return {
        "story": _story(story, digits),
        "outcome": {"learned": result.learned, "binary": result.binary, "iteration": str(last),
                    "correct": str(sum(result.correct)), "total": str(len(result.correct)),
                    "per_sample": list(result.correct)},
        "task": _task(read_task(x, y, cfg.network.layers), names),
        "path": _path(worked_path(trace, iteration), cfg, digits),
        **_units(hidden_units(trace, last), names[0], cfg, digits),
        "blocks": _blocks(cfg),
        "program": program(cfg), "print_every": str(print_every(cfg)),
        "notation": _notation(cfg),
        "next": _next(cfg, result.learned, source, data_path),
    }


def table_iterations(trace, wanted) -> tuple[int, ...]:
    """The loss table's rows: ``wanted`` (the config's own iterations) plus the story's turning points."""
    story = read_story([int(i) for i in trace.recorded_iterations], trace.stack("mean_error"))
    rows = set(int(i) for i in (wanted or trace.recorded_iterations)) | set(story.turning_points)
    return tuple(sorted(rows))


def _column_names(cfg) -> tuple[list[str], list[str]]:
    n_in, n_out = cfg.network.layers[0], cfg.network.layers[-1]
    cols = cfg.data.columns
    if cols:   # the user's names: escaped where they enter a page
        return [UserText(c) for c in cols[:n_in]], [UserText(c) for c in cols[n_in:]]
    return [f"x{i}" for i in range(n_in)], [f"y{i}" if n_out > 1 else "y" for i in range(n_out)]


def _pct(change: float) -> str:
    """``|change|`` in percent, two significant digits, never in exponent form (``430``, ``0.016``)."""
    v = abs(change) * 100
    if v >= 100:
        return str(int(round(v)))
    return "< 0.01" if 0 < v < 0.01 else num(v, 2)


def _story(story, d: int) -> dict[str, Any]:
    phases = []
    for p in story.phases:
        w = p.whole
        ratio = w.ratio
        phases.append({
            "kind": p.kind, "start": str(w.start), "end": str(w.end),
            "from": num(w.start_value, d), "to": num(w.end_value, d),
            "whole": _pct(w.relative), "fold": num(1 / ratio if 0 < ratio < 1 else ratio, 2),
            "first": _pct(p.first.per(story.unit)), "last": _pct(p.last.per(story.unit)),
            "slowing": p.slowing, "long": w.end - w.start >= 2 * story.unit,
            "rate": _pct(w.per(story.unit)), "unit": str(story.unit), "length": str(w.end - w.start),
        })
    return {"phases": phases, "unit": str(story.unit), "direction": story.direction,
            "kinds": [p["kind"] for p in phases], "turning_points": [str(t) for t in story.turning_points],
            "lowest": {"iteration": str(story.lowest[0]), "value": num(story.lowest[1], d)},
            "first": num(story.whole.start_value, d), "last": num(story.whole.end_value, d),
            "start": str(story.whole.start), "end": str(story.whole.end)}


def _task(task, names) -> dict[str, Any]:
    inputs, targets = names
    functions = []
    for c, f in enumerate(task.functions):
        if f is not None and f.columns:
            functions.append({"target": targets[c], "key": f.key, "a": inputs[f.columns[0]],
                              "b": inputs[f.columns[1]] if len(f.columns) > 1 else ""})
    return {"samples": str(task.samples), "hidden": [str(h) for h in task.hidden],
            "n_hidden": str(sum(task.hidden)),
            "constant": [{"column": inputs[i], "value": num(v, 6), "bias_like": v != 0} for i, v in task.constant],
            "repeats": [{"first": str(a), "copies": [str(c) for c in cs]} for a, cs in task.repeats],
            "conflicts": [{"a": str(a), "b": str(b)} for a, b in task.conflicts],
            "functions": functions}


def _factor(value: float, d: int) -> str:
    """A number as a factor in LaTeX: negative ones in parentheses."""
    text = tex(value, d)
    return f"({text})" if text.startswith("-") else text


def _sum_latex(s, d: int, limit: int = 6) -> str:
    terms = [rf"{_factor(a, d)} \cdot {_factor(b, d)}" for a, b in s.terms[:limit]]
    if len(s.terms) > limit:
        terms.append(r"\cdots")
    if s.bias is not None:
        terms.append(_factor(s.bias, d))
    return " + ".join(terms)


def _path(p, cfg, d: int) -> dict[str, Any]:
    net = cfg.network
    L = net.depth
    s = p.sample
    layers = []
    for layer in p.layers:
        k, u = layer.k, layer.unit
        act = net.activation[k - 1]
        idx = f"{s},{u}"
        item = {
            "k": str(k), "unit": str(u), "act": act, "sample": str(s), "next": str(k + 1),
            "z": rf"z^{{({k})}}_{{{idx}}} = {_sum_latex(layer.z, d)} = {tex(layer.z.value, d)}",
            "a": rf"l^{{({k})}}_{{{idx}}} = {ACTIVATIONS[act].symbol}\left({tex(layer.z.value, d)}\right) = {tex(layer.a, d)}",
            "output": k == L, "delta_value": num(layer.delta, d),
        }
        if layer.error is not None:
            nxt = p.layers[k].unit
            item["error"] = (rf"\frac{{\partial E}}{{\partial l^{{({k})}}_{{{idx}}}}} = "
                             rf"\sum_{{v}} \delta^{{({k + 1})}}_{{{s},v}}\, w^{{({k})}}_{{{u},v}} = "
                             rf"{_sum_latex(layer.error, d)} = {tex(layer.error.value, d)}")
            item["delta"] = (rf"\delta^{{({k})}}_{{{idx}}} = {_factor(layer.error.value, d)} \times "
                             rf"{_factor(layer.derivative, d)} = {tex(layer.delta, d)}")
            item["next_unit"] = str(nxt)
        layers.append(item)
    out = p.layers[-1]
    oidx = f"{s},{out.unit}"
    factors = [_factor(p.difference, d)]
    if out.derivative is not None:
        factors.append(_factor(out.derivative, d))
    if p.scale is not None:
        factors.append(_factor(p.scale, d))
    updates = [{
        "k": str(u.k), "row": str(u.index[0]), "col": str(u.index[1]), "next": str(u.k + 1),
        "n": str(len(u.gradient.terms)),
        "gradient": (rf"\frac{{\partial E}}{{\partial w^{{({u.k})}}_{{{u.index[0]},{u.index[1]}}}}} = "
                     rf"\sum_{{n}} l^{{({u.k})}}_{{n,{u.index[0]}}}\, \delta^{{({u.k + 1})}}_{{n,{u.index[1]}}} = "
                     rf"{_sum_latex(u.gradient, d, limit=8)} = {tex(u.gradient.value, d)}"),
        "step": (rf"w^{{({u.k})}}_{{{u.index[0]},{u.index[1]}}} \leftarrow {tex(u.before, d)} - "
                   rf"{tex(p.lr, d)} \times {_factor(u.gradient.value, d)} = {tex(u.after, d)}"),
        "before": num(u.before, d), "after": num(u.after, d), "grad": num(u.gradient.value, d),
    } for u in p.updates]
    return {
        "shown": True, "iteration": str(p.iteration), "sample": str(s), "input": str(p.input_column),
        "inputs": [num(v, d) for v in cfg.data.arrays()[0][s]],
        "inputs_text": ", ".join(num(v, d) for v in cfg.data.arrays()[0][s]),
        "hidden_units": ", ".join(layer["unit"] for layer in layers[:-1]), "output_unit": layers[-1]["unit"],
        "L": str(L), "mean": net.reduction == "mean", "n": str(len(cfg.data.arrays()[0])),
        "layers": layers, "bce": net.loss == "bce",
        "difference": rf"l^{{({L})}}_{{{oidx}}} - y_{{{oidx}}} = {tex(p.layers[-1].a, d)} - {_factor(p.target, d)} = {tex(p.difference, d)}",
        "loss_element": num(p.loss_element, d),
        "out_delta": rf"\delta^{{({L})}}_{{{oidx}}} = {TIMES.join(factors)} = {tex(out.delta, d)}",
        "updates": updates, "loss_before": num(p.loss_before, d), "loss_after": num(p.loss_after, d),
        "loss_fell": p.loss_after < p.loss_before,
    }


MAX_UNITS = 8     # hidden units shown in the table and described one by one
MAX_ROWS = 8      # samples shown in the hidden units' table


def _units(units, inputs: list[str], cfg, d: int) -> dict[str, Any]:
    """``units`` (every hidden unit), ``units_shown`` (the first ``MAX_UNITS``), their table rows."""
    from tracer.analysis.units import ON_ABOVE

    out = []
    for u in units:
        rule = u.rule
        on = [str(n) for n, v in enumerate(u.on) if v]
        out.append({
            "layer": str(u.layer), "index": str(u.index), "outputs": [num(v, d) for v in u.outputs],
            "label": f"l{u.layer}[:,{u.index}]", "threshold": num(ON_ABOVE[cfg.network.activation[u.layer - 1]], d),
            "on": list(u.on), "on_samples": on, "n_on": len(on),
            "rule": rule.key if rule is not None else None,
            "a": inputs[rule.columns[0]] if rule is not None and rule.columns else "",
            "b": inputs[rule.columns[1]] if rule is not None and len(rule.columns) > 1 else "",
        })
    shown = out[:MAX_UNITS]
    n = len(units[0].outputs) if units else 0
    rows = [{"n": str(s), "cells": [u["outputs"][s] for u in shown]} for s in range(min(n, MAX_ROWS))]
    return {"units": out, "units_shown": shown, "unit_rows": rows, "units_more": len(out) > MAX_UNITS}


def _blocks(cfg) -> dict[str, str]:
    """The numpy lines the lesson shows after each of its steps, by slot: ``forward.1`` (z1 and l1),
    ``loss``, ``delta.2``, ``error.1``, ``step.0`` (the gradients and updates of w0 and b0)."""
    blocks: dict[str, list[str]] = {}
    for st in steps(cfg):
        kind, _, name = st.id.partition(".")
        if kind in ("error", "loss") and not name:
            slot = "loss"
        elif kind in ("grad", "update"):
            slot = f"step.{name[1:]}"
        else:
            slot = f"{kind}.{name[1:]}"
        blocks.setdefault(slot, []).append(st.code)
    return {slot: "\n".join(lines) for slot, lines in blocks.items()}


def _names(template: str, first: int, last: int) -> str:
    """``w0``, ``w0, w1`` or ``w0 … w3``: the code's names of one quantity over its layers."""
    names = [template.format(k) for k in range(first, last + 1)]
    return ", ".join(names) if len(names) <= 2 else f"{names[0]} … {names[-1]}"


def _notation(cfg) -> list[dict[str, str]]:
    """One row per quantity: its math symbol, its name in the code, and a key for its meaning."""
    net = cfg.network
    L = net.depth
    rows = [{"symbol": "l^{(0)}", "code": "l0 = x", "key": "inputs"}, {"symbol": "y", "code": "y", "key": "targets"},
            {"symbol": "w^{(k)}", "code": _names("w{}", 0, L - 1), "key": "weights"}]
    if net.bias != "none":
        rows.append({"symbol": "b^{(k)}", "code": _names("b{}", 0, L - 1), "key": "biases"})
    rows += [{"symbol": "z^{(k)}", "code": _names("z{}", 1, L), "key": "preact"},
             {"symbol": "l^{(k)}", "code": _names("l{}", 1, L), "key": "output"},
             {"symbol": "e", "code": f"l{L}_error", "key": "sample_loss"},
             {"symbol": "E", "code": "E", "key": "loss"}]
    if L > 1:
        rows.append({"symbol": r"\partial E / \partial l^{(k)}", "code": _names("l{}_error", 1, L - 1),
                     "key": "hidden_error"})
    rows += [{"symbol": r"\delta^{(k)} = \partial E / \partial z^{(k)}", "code": _names("l{}_delta", 1, L), "key": "delta"},
             {"symbol": r"\partial E / \partial w^{(k)}", "code": _names("w{}_grad", 0, L - 1), "key": "grad"},
             {"symbol": r"\eta", "code": "lr", "key": "lr"},
             {"symbol": r"A^{\top}", "code": "A.T", "key": "transpose"}]
    return rows


def overrides_of(cfg, data_path: str | None = None) -> dict[str, str]:
    """The command-line flags that turn the default network into ``cfg`` (``{"--lr": "2.0"}``), for
    a lesson given by flags rather than a config file: its commands must run the same network
    (``data_path``: the CSV file it was given as ``--data``, which the config keeps only by name)."""
    from tracer.config import Config
    from tracer.data import PRESETS

    base, net, train = Config(), cfg.network, cfg.train
    flags = {}
    if cfg.init.values is None and cfg.init.seed != base.init.seed:
        flags["--seed"] = str(cfg.init.seed)
    if train.lr != base.train.lr:
        flags["--lr"] = repr(train.lr)
    if train.iterations != base.train.iterations:
        flags["--iterations"] = str(train.iterations)
    if net.layers != base.network.layers:
        flags["--layers"] = ",".join(map(str, net.layers))
    if net.activation != base.network.activation:
        flags["--activation"] = ",".join(net.activation)
    for name, value, default in (("--loss", net.loss, base.network.loss), ("--bias", net.bias, base.network.bias),
                                 ("--reduction", net.reduction, base.network.reduction)):
        if value != default:
            flags[name] = value
    if data_path is not None and data_path.endswith(".csv"):
        flags["--data"] = data_path
    elif cfg.data.name != base.data.name and cfg.data.name in PRESETS:
        flags["--data"] = cfg.data.name
    return flags


def _next(cfg, learned: bool, source: str | None, data_path: str | None = None) -> list[dict[str, str]]:
    """Experiments that change one setting of this lesson (never to its own value), as commands.

    A lesson from a config file keeps ``--config``; one given by flags keeps its other flags."""
    net, train = cfg.network, cfg.train
    kept = {} if source else overrides_of(cfg, data_path)

    def command(changes: dict[str, str], out: str) -> str:
        flags = {**{k: v for k, v in kept.items() if k not in changes}, **changes}
        given = "".join(f" {k} {shlex.quote(v)}" for k, v in flags.items())
        return "nntrace lesson" + (f" --config {shlex.quote(source)}" if source else "") + given + f" --out {out}"

    out = []
    if cfg.init.values is None:
        out.append({"key": "seed", "command": command({"--seed": str(cfg.init.seed + 1)}, f"lesson-seed{cfg.init.seed + 1}")})
    high, low = train.lr * 10, train.lr / 10
    out.append({"key": "lr_high", "command": command({"--lr": num(high, 6)}, "lesson-lr-high")})
    out.append({"key": "lr_low", "command": command({"--lr": num(low, 6)}, "lesson-lr-low")})
    if not learned:
        out.append({"key": "longer", "command": command({"--iterations": str(train.iterations * 10)}, "lesson-longer")})
    hidden = list(net.activation[:-1])
    other = "sigmoid" if hidden and all(a == "tanh" for a in hidden) else "tanh"
    if hidden:
        acts = ",".join([other] * len(hidden) + [net.activation[-1]])
        out.append({"key": f"hidden_{other}", "command": command({"--activation": acts}, f"lesson-{other}")})
    # another data set; a list of activations of another depth would not fit the new layers
    fit = {} if net.depth == 2 else {"--activation": net.activation[-1]}
    if cfg.data.name != "xor":
        out.append({"key": "xor", "command": command({"--data": "xor", "--layers": "2,4,1", **fit}, "lesson-xor")})
    else:
        out.append({"key": "seed_data", "command": command({"--data": "seed", "--layers": "3,4,1", **fit}, "lesson-seed-data")})
    deep = "explicit_weights" if net.depth > 2 else "deep_tanh_bias"
    out.append({"key": "deep" if deep == "deep_tanh_bias" else "explicit",
                "command": f"nntrace examples {deep} && nntrace lesson --config {deep}.toml --out lesson-{deep.replace('_', '-')}"})
    return out
