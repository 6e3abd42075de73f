"""The numpy code of each step of one training iteration, in the article's style, for any ``Config``.

Each ``Step`` is a snippet with a stable id (``forward.z1``, ``delta.l2``, ``grad.w0`` …) that a
lesson shows beside the numbers it computes and that ``tracer.program.program`` strings together
into a whole runnable script. The lines perform the trainer's numpy operations on the same
operands in the same order, so where the trainer is bit-exact the snippets are too.

Names are the article's: ``l0`` the inputs, ``z1``/``l1`` a layer's input sum and output,
``l2_error`` each sample's loss, ``l1_error`` = ∂E/∂l1, ``l2_delta`` = ∂E/∂z2.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from tracer.activations import activation
from tracer.config import Config

Stage = Literal["setup", "forward", "loss", "backward", "gradient", "update"]

def activation_code(name: str) -> tuple[str, str]:
    """The bodies of ``f(x)`` and of ``f'`` written with the layer's output ``x``, for an activation.

    Taken from ``tracer.activations``: each numpy function there documents the plain expression
    whose operations it performs, in order (``1 / (1 + np.exp(-z))``, ``a * (1 - a)`` …).

    >>> activation_code("sigmoid")
    ('1 / (1 + np.exp(-x))', 'x * (1 - x)')
    """
    act = activation(name)
    return _expression(act.forward, "z"), _expression(act.derivative, "a")


def _expression(function, variable: str) -> str:
    match = re.search(r"``(.+?)``", function.__doc__ or "")
    if match is None:
        raise ValueError(f"{function.__qualname__} does not document its expression in ``…``")
    return re.sub(rf"\b{variable}\b", "x", match.group(1))


@dataclass(frozen=True, slots=True)
class Step:
    """One step of an iteration as numpy code."""

    id: str
    """Stable id: ``forward.z1``, ``forward.l1``, ``loss``, ``delta.l2``, ``error.l1``, ``grad.w0``, ``update.b1`` …"""
    stage: Stage
    """Where it belongs in the iteration (``setup`` lines run once, before the loop)."""
    layer: int | None
    """The layer number in the name it computes (``1`` for ``z1``, ``0`` for ``w0``), or ``None``."""
    code: str
    """One or more lines of Python (no trailing newline), with a shape comment on each product."""
    assigns: tuple[str, ...]
    """The variables the code sets, named as the trace names its tensors where it records them."""


def steps(config: Config) -> list[Step]:
    """The steps of one iteration of ``config``'s training loop, in the order they run.

    >>> [s.id for s in steps(Config())]  # doctest: +NORMALIZE_WHITESPACE
    ['forward.z1', 'forward.l1', 'forward.z2', 'forward.l2', 'error', 'loss', 'delta.l2',
     'error.l1', 'delta.l1', 'grad.w1', 'update.w1', 'grad.w0', 'update.w0']
    >>> print(step(Config(), "delta.l1").code)
    l1_delta = l1_error * sigmoid(l1, back=True)   # (5, 4) ⊙ (5, 4) -> (5, 4)
    """
    net = config.network
    L, biased = net.depth, net.bias != "none"
    n = len(config.data.inputs)
    units = net.layers
    out: list[Step] = []
    for k in range(1, L + 1):
        prev = f"l{k - 1}"
        line = f"z{k} = np.dot({prev}, w{k - 1})"
        if biased:
            line += f" + b{k - 1}"
        line += f"   # ({n}, {units[k - 1]}) · ({units[k - 1]}, {units[k]})"
        line += f" + ({units[k]},)" if biased else ""
        line += f" -> ({n}, {units[k]})"
        out.append(Step(f"forward.z{k}", "forward", k, line, (f"z{k}",)))
        out.append(Step(f"forward.l{k}", "forward", k, f"l{k} = {net.activation[k - 1]}(z{k})", (f"l{k}",)))
    out += _loss_steps(config)
    out += _backward_steps(config, n)
    for k in range(L - 1, -1, -1):
        out += _parameter_steps(config, k, n)
    return out


def step(config: Config, step_id: str) -> Step:
    """The step of ``config`` with the id ``step_id`` (``KeyError`` naming the known ids if none)."""
    found = {s.id: s for s in steps(config)}
    if step_id not in found:
        raise KeyError(f"no step {step_id!r}; the steps of this network are: {', '.join(found)}")
    return found[step_id]


def _loss_steps(config: Config) -> list[Step]:
    net = config.network
    L = net.depth
    out, error = f"l{L}", f"l{L}_error"
    if net.loss == "bce":   # −[y ln a + (1 − y) ln(1 − a)], written stably with z as the trainer does
        line = f"{error} = np.logaddexp(0, z{L}) - y * z{L}   # = -(y * log({out}) + (1 - y) * log(1 - {out}))"
    else:
        line = f"{error} = ({out} - y) ** 2 / 2"
    reduce = "np.mean" if net.reduction == "mean" else "np.sum"
    loss = f"E = {reduce}({error})\nmean_error = np.mean({error})"
    return [Step("error", "loss", L, line, (error,)), Step("loss", "loss", None, loss, ("loss", "mean_error"))]


def _backward_steps(config: Config, n: int) -> list[Step]:
    net = config.network
    L, units = net.depth, net.layers
    shape = f"({n}, {units[L]})"
    if net.loss == "bce":   # sigmoid and cross-entropy: the derivative's factors cancel
        delta = f"l{L}_delta = (l{L} - y) * scale" if net.reduction == "mean" else f"l{L}_delta = l{L} - y"
        comment = f"{shape} - {shape} -> {shape}"
    else:
        delta = f"l{L}_delta = (l{L} - y) * {net.activation[L - 1]}(l{L}, back=True)"
        comment = f"{shape} ⊙ {shape} -> {shape}"
        if net.reduction == "mean":
            delta += " * scale"   # scale = 1 / y.size, set before the loop
    out = [Step(f"delta.l{L}", "backward", L, f"{delta}   # {comment}", (f"l{L}_delta",))]
    for k in range(L - 1, 0, -1):
        hidden = f"({n}, {units[k]})"
        out.append(Step(
            f"error.l{k}", "backward", k,
            f"l{k}_error = np.dot(l{k + 1}_delta, w{k}.T)   # ({n}, {units[k + 1]}) · ({units[k + 1]}, {units[k]}) -> {hidden}",
            (f"l{k}_error",)))
        out.append(Step(
            f"delta.l{k}", "backward", k,
            f"l{k}_delta = l{k}_error * {net.activation[k - 1]}(l{k}, back=True)   # {hidden} ⊙ {hidden} -> {hidden}",
            (f"l{k}_delta",)))
    return out


def _parameter_steps(config: Config, k: int, n: int) -> list[Step]:
    """Gradient and update of ``w_k`` (and ``b_k``): the last layer's come first, as in the article."""
    net = config.network
    units = net.layers
    a, b = units[k], units[k + 1]
    out = [
        Step(f"grad.w{k}", "gradient", k,
             f"w{k}_grad = np.dot(l{k}.T, l{k + 1}_delta)   # ({a}, {n}) · ({n}, {b}) -> ({a}, {b})", (f"w{k}_grad",)),
        Step(f"update.w{k}", "update", k, f"w{k} -= lr * w{k}_grad", (f"w{k}",)),
    ]
    if net.bias != "none":
        out.append(Step(f"grad.b{k}", "gradient", k,
                        f"b{k}_grad = np.sum(l{k + 1}_delta, axis=0)   # ({n}, {b}) -> ({b},)", (f"b{k}_grad",)))
        if net.bias == "trainable":
            out.append(Step(f"update.b{k}", "update", k, f"b{k} -= lr * b{k}_grad", (f"b{k}",)))
    return out
