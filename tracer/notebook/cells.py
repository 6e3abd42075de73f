"""The cells of a lesson notebook: settings, helpers, each step's code and its check, the rest of training.

Code comes from ``tracer.program`` (the same numpy lines the lesson's program runs); the recorded
numbers each check compares with are written into the check cell as Python literals (shortest
round-trip digits), so the notebook needs numpy alone. Words come from ``notebook/prose/<code>.md.j2``;
the lesson's own lead and data section come from the lesson's prose.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Sequence

import numpy as np

from tracer.activations import ACTIVATIONS as ACT
from tracer.program import Step, activation_code, steps

INDENT = "    "


@dataclass(frozen=True, slots=True)
class Cell:
    """One notebook cell before it is written as nbformat JSON."""

    id: str
    """A stable id derived from the document (``settings``, ``code-forward-z1``, ``md-intro-en``)."""
    kind: Literal["markdown", "code"]
    """The nbformat cell type."""
    source: str
    """The cell's text, without a trailing newline."""


def literal(value: Any) -> str:
    """A number or nested list of numbers as Python source, every float in shortest round-trip form.

    >>> literal(np.array([[1.0, 0.1], [-2.5, 3e-20]]))
    '[[1.0, 0.1], [-2.5, 3e-20]]'
    """
    array = np.asarray(value, dtype=float)
    if array.ndim == 0:
        return repr(float(array))
    return "[" + ", ".join(literal(v) for v in array) + "]"


def _data_literal(value: np.ndarray) -> str:
    """Data rows with integers where the numbers are whole (``[[0, 0, 1], …]``)."""
    def one(v: float) -> str:
        return str(int(v)) if float(v).is_integer() and abs(v) < 1e15 else repr(float(v))
    return "[" + ", ".join("[" + ", ".join(one(v) for v in row) + "]" for row in value) + "]"


def settings_code(config, iteration: int) -> str:
    """The first code cell: every setting a student may change."""
    x, y = config.data.arrays()
    lines = ["import numpy as np", "",
             f"seed = {config.init.seed}", f"lr = {config.train.lr!r}",
             f"layers = {list(config.network.layers)}", f"iterations = {config.train.iterations}",
             f"shown = {iteration}", "",
             f"x = np.array({_data_literal(x)}, dtype=float)",
             f"y = np.array({_data_literal(y)}, dtype=float)"]
    values = config.init.values
    if values is not None:
        lines.append("")
        for name in sorted(values):
            lines.append(f"{name} = np.array({literal(values[name])}, dtype=float)")
    return "\n".join(lines)


def helpers_code(config, messages: Sequence[dict]) -> str:
    """Activation functions (as ``tracer.program`` writes them) and ``check`` with messages in the
    notebook's language(s)."""
    lines = []
    for name in dict.fromkeys(config.network.activation):
        forward, back = activation_code(name)
        lines += [f"def {name}(x, back=False):", INDENT + "if back:", INDENT * 2 + f"return {back}",
                  INDENT + f"return {forward}", "", ""]
    def joined(key: str, sep: str = "\n") -> str:
        return repr(sep.join(m[key] for m in messages))
    lines += [
        f"MISMATCH = {joined('mismatch')}",
        f"SHAPE = {joined('shape')}",
        f"AGREES = {joined('ok', ' / ')}",
        "", "",
        "class Mismatch(Exception):",
        INDENT + "pass",
        "", "",
        "def check(name, ours, recorded):",
        INDENT + "ours, recorded = np.asarray(ours, dtype=float), np.asarray(recorded, dtype=float)",
        INDENT + "if ours.shape != recorded.shape:",
        INDENT * 2 + "raise Mismatch(SHAPE.format(name=name, ours=ours.shape, recorded=recorded.shape))",
        INDENT + "close = np.isclose(ours, recorded, rtol=1e-10, atol=1e-12)",
        INDENT + "if not close.all():",
        INDENT * 2 + "where = tuple(int(i) for i in np.argwhere(~close)[0])",
        INDENT * 2 + "index = str(list(where)) if where else ''",
        INDENT * 2 + "raise Mismatch(MISMATCH.format(name=name, index=index, ours=float(ours[where]),",
        INDENT * 8 + "   recorded=float(recorded[where])))",
        INDENT + "print(AGREES.format(name=name))",
    ]
    return "\n".join(lines)


def init_code(config) -> str:
    """Initial parameters from the settings, then the iterations before the one shown."""
    net = config.network
    lines = []
    if config.init.values is None:
        lines.append("np.random.seed(seed)")
        for k in range(net.depth):
            lines.append(f"w{k} = 2 * np.random.random(size=(layers[{k}], layers[{k + 1}])) - 1")
    if net.bias != "none":
        for k in range(net.depth):
            if config.init.values is None or f"b{k}" not in config.init.values:
                lines.append(f"b{k} = np.zeros(layers[{k + 1}])")
    if net.reduction == "mean":
        lines.append("scale = 1 / y.size")
    lines += ["", "for j in range(shown):", INDENT + "l0 = x"]
    lines += [INDENT + line for s in steps(config) for line in s.code.splitlines()]
    return "\n".join(lines)


def parameter_names(config) -> list[str]:
    names = [f"w{k}" for k in range(config.network.depth)]
    if config.network.bias != "none":
        names += [f"b{k}" for k in range(config.network.depth)]
    return names


def checks(pairs: Sequence[tuple[str, np.ndarray]]) -> str:
    """A check cell: ``check("z1", z1, [[…]])`` per variable."""
    return "\n".join(f"check({name!r}, {name}, {literal(value)})" for name, value in pairs)


def recorded(trace, s: Step, j: int) -> list[tuple[str, np.ndarray]]:
    """The notebook variables a step sets, each with its recorded value at iteration ``j``."""
    out = []
    for name in s.assigns:
        if s.stage == "update":
            out.append((name, trace.get(f"{name}_next", j)))
        elif name == "loss":
            out.append(("E", trace.get("loss", j)))
        else:
            out.append((name, trace.get(name, j)))
    return out


def step_info(config, s: Step, lr: str) -> dict[str, Any]:
    """What the prose says about one step: its kind, layer and general formula."""
    net = config.network
    L, k = net.depth, s.layer
    kind = {"forward.z": "forward_z", "forward.l": "forward_l", "delta.l": "delta_out" if k == L else "delta_hidden",
            "error.l": "error_hidden", "grad.w": "grad_w", "update.w": "update_w", "grad.b": "grad_b",
            "update.b": "update_b"}.get(s.id.rstrip("0123456789"), s.id)
    return {"kind": kind, "k": k, "act": net.activation[k - 1] if kind == "forward_l" else "",
            "biased": net.bias != "none", "mean": net.reduction == "mean", "math": _math(config, kind, k, lr)}


def _math(config, kind: str, k: int | None, lr: str) -> str:
    net = config.network
    L = net.depth
    l = lambda i: rf"l^{{({i})}}"  # noqa: E731
    if kind == "forward_z":
        return rf"z^{{({k})}} = {l(k - 1)} \cdot w^{{({k - 1})}}" + (rf" + b^{{({k - 1})}}" if net.bias != "none" else "")
    if kind == "forward_l":
        return rf"{l(k)} = " + ACT[net.activation[k - 1]].latex(rf"z^{{({k})}}")
    if kind == "error":
        a = l(L)
        return (rf"e_{{nj}} = -\left[y_{{nj}} \ln {a}_{{nj}} + (1 - y_{{nj}}) \ln(1 - {a}_{{nj}})\right]" if net.loss == "bce"
                else rf"e_{{nj}} = \frac{{1}}{{2}}\left({a}_{{nj}} - y_{{nj}}\right)^{{2}}")
    if kind == "loss":
        return (r"E = \frac{1}{N m}\sum_{n}\sum_{j} e_{nj}" if net.reduction == "mean" else r"E = \sum_{n}\sum_{j} e_{nj}")
    scale = r"\frac{1}{N m}" if net.reduction == "mean" else ""
    if kind == "delta_out":
        if net.loss == "bce":
            return rf"\delta^{{({L})}} = {scale}\left({l(L)} - y\right)"
        slope = ACT[net.activation[L - 1]].derivative_latex(l(L))
        return rf"\delta^{{({L})}} = {scale}\left({l(L)} - y\right) \odot {slope}"
    if kind == "error_hidden":
        return rf"\frac{{\partial E}}{{\partial {l(k)}}} = \delta^{{({k + 1})}} \cdot {{w^{{({k})}}}}^{{\top}}"
    if kind == "delta_hidden":
        slope = ACT[net.activation[k - 1]].derivative_latex(l(k))
        return rf"\delta^{{({k})}} = \frac{{\partial E}}{{\partial {l(k)}}} \odot \left({slope}\right)"
    if kind == "grad_w":
        return rf"\frac{{\partial E}}{{\partial w^{{({k})}}}} = {{{l(k)}}}^{{\top}} \cdot \delta^{{({k + 1})}}"
    if kind == "update_w":
        return rf"w^{{({k})}} \leftarrow w^{{({k})}} - {lr} \cdot \frac{{\partial E}}{{\partial w^{{({k})}}}}"
    if kind == "grad_b":
        return rf"\frac{{\partial E}}{{\partial b^{{({k})}}}} = \sum_{{n}} \delta^{{({k + 1})}}_{{n}}"
    return rf"b^{{({k})}} \leftarrow b^{{({k})}} - {lr} \cdot \frac{{\partial E}}{{\partial b^{{({k})}}}}"


def rest_code(config) -> str:
    """Train through every remaining iteration, as the loop before the shown one did."""
    lines = ["for j in range(shown + 1, iterations):", INDENT + "l0 = x"]
    lines += [INDENT + line for s in steps(config) for line in s.code.splitlines()]
    return "\n".join(lines)
