"""Local functions of one layer and their derivatives, each obtained with ``sympy.diff``.

Every factor of the chain rule is the derivative of a small local function: the per-element loss
with respect to the output, an activation with respect to its input, a pre-activation
``z = l·w + b + …`` with respect to ``l``, ``w`` or ``b``. Activation derivatives are then
rewritten in terms of the layer's *output* ``a`` (sigmoid: ``a(1 − a)``), the way the trainer
and the article compute them, by substituting the activation's inverse and simplifying; the
rewrite is checked to equal the derivative before it is used.
"""

from __future__ import annotations

from functools import lru_cache

import sympy as sp

from tracer.activations import ACTIVATIONS
from tracer.errors import DerivationError

Z, A, Y = sp.symbols("z a y", real=True)


def forward(name: str, z: sp.Expr) -> sp.Expr:
    """The activation ``name`` applied to ``z`` as a sympy expression (from ``tracer.activations``)."""
    if name not in ACTIVATIONS:
        raise DerivationError(f"activation {name!r} has no symbolic form; choose {', '.join(ACTIVATIONS)}")
    return ACTIVATIONS[name].sympy_expression(z)


def heaviside_convention(expr: sp.Expr) -> sp.Expr:
    """Give every Heaviside step the trainer's value at the kink: relu'(0) = 0 (``a > 0 → 1``)."""
    return expr.replace(lambda e: isinstance(e, sp.Heaviside), lambda e: sp.Heaviside(e.args[0], 0))


@lru_cache(maxsize=None)
def activation_derivative(name: str) -> sp.Expr:
    """``f'`` written in terms of the output ``a`` (the symbol ``A``), from ``sympy.diff``.

    >>> activation_derivative("tanh")
    1 - a**2
    """
    derivative = heaviside_convention(sp.diff(forward(name, Z), Z))
    in_output = sp.simplify(derivative.subs(Z, ACTIVATIONS[name].sympy_inverse(A)))
    in_output = _positive_parentheses(in_output)
    # check the rewrite: substituting a = f(z) back must give the derivative again
    back = heaviside_convention(in_output.subs(A, forward(name, Z)))
    # and it must be the derivative the trainer computes (the activation table's)
    table = ACTIVATIONS[name].sympy_derivative(A)
    if name == "relu":
        same = all(back.subs(Z, v) == derivative.subs(Z, v) for v in (-2, 0, 3))
        same = same and all(in_output.subs(A, v) == table.subs(A, v) for v in (-2, 0, 3))
    else:
        same = sp.simplify(back - derivative) == 0 and sp.simplify(in_output - table) == 0
    if not same:
        raise DerivationError(f"rewriting the derivative of {name} in terms of its output failed: {in_output}")
    return in_output


def loss_function(loss: str, a: sp.Expr = A, y: sp.Expr = Y) -> sp.Expr:
    """The per-element loss: ``½(a − y)²`` or binary cross-entropy ``−[y log a + (1 − y) log(1 − a)]``."""
    if loss == "half_sse":
        return (a - y) ** 2 / 2
    if loss == "bce":
        return -(y * sp.log(a) + (1 - y) * sp.log(1 - a))
    raise DerivationError(f"loss {loss!r} has no symbolic form; choose half_sse or bce")


@lru_cache(maxsize=None)
def loss_derivative(loss: str, output_activation: str) -> tuple[sp.Expr, bool]:
    """The loss factor and whether it already includes the output activation.

    For ``half_sse`` this is ∂ℓ/∂a = ``a − y``. For ``bce`` (sigmoid output) the loss and the
    sigmoid are differentiated together with respect to ``z``, which simplifies to ``a − y``:
    returns ``(expr, True)`` so the chain skips the output activation's own factor.
    """
    if loss == "bce":
        if output_activation != "sigmoid":
            raise DerivationError(f"loss 'bce' needs a sigmoid output, not {output_activation!r}")
        in_z = sp.simplify(sp.diff(loss_function(loss, forward("sigmoid", Z)), Z))
        in_output = sp.simplify(in_z.subs(Z, ACTIVATIONS["sigmoid"].sympy_inverse(A)))
        return _positive_parentheses(in_output), True
    return sp.diff(loss_function(loss), A), False


def linear_derivatives() -> dict[str, sp.Expr]:
    """∂z/∂l, ∂z/∂w and ∂z/∂b of the local function ``z = l·w + b + r`` (``r``: the other terms)."""
    low, weight, bias, rest = sp.symbols("l w b r", real=True)
    z = low * weight + bias + rest
    return {"low": sp.diff(z, low), "weight": sp.diff(z, weight), "bias": sp.diff(z, bias),
            "symbols": (low, weight, bias)}


def _positive_parentheses(expr: sp.Expr) -> sp.Expr:
    """``-a*(a - 1)`` → ``a*(1 - a)``: move a leading minus sign into the one sum factor."""
    if isinstance(expr, sp.Mul) and expr.could_extract_minus_sign():
        sums = [f for f in expr.args if isinstance(f, sp.Add)]
        if len(sums) == 1:
            rest = [f for f in expr.args if f is not sums[0]]
            return sp.Mul(-sp.Mul(*rest), -sums[0])
    return expr
