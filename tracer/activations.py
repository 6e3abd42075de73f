"""The one table of activations: numpy forward and derivative, sympy expression, LaTeX.

Every module that needs an activation's formula takes it from ``ACTIVATIONS``: the trainer its
numpy functions, the derivations the sympy expression, the lessons and worksheets the LaTeX. Names
of the activations in each language are words, and live with the other words in the prose files.

The derivative is written in terms of the activation's *output* ``a = f(z)``, as the article's
``sigmoid(x, back=True) = x * (1 - x)`` is applied to ``l1`` and ``l2``, never to ``z1`` or
``z2``. Both numpy functions take an optional ``out=`` buffer (a fresh array when it is omitted)
and perform exactly the operations, in exactly the order, of the plain expressions in their
docstrings, so ``sigmoid.forward(z, out=buf)`` equals ``1 / (1 + np.exp(-z))`` bit for bit.

sympy is imported only when a sympy expression is asked for, so importing this module (and
``nntrace trace``) loads numpy alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    import sympy


# Constants as 0-d arrays: numpy converts a Python number to an array on every call (about half a
# microsecond, a sixth of a small ufunc call), and the trainer calls these 100 000s of times.
ONE = np.array(1.0)
ZERO = np.array(0.0)


def _fresh(out: np.ndarray | None, like: np.ndarray) -> np.ndarray:
    return np.empty(np.shape(like)) if out is None else out


# ---- numpy: forward f(z) and derivative f'(z) written with a = f(z); ``out`` may be ``z`` itself
# for the forward functions, but never ``a`` for the derivatives (they read ``a`` twice).

def _sigmoid(z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``1 / (1 + np.exp(-z))``, one operation at a time."""
    out = np.negative(z, out=out)
    np.exp(out, out=out)
    np.add(out, ONE, out=out)
    return np.divide(ONE, out, out=out)


def _sigmoid_derivative(a: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``a * (1 - a)``."""
    out = np.subtract(ONE, a, out=out)
    return np.multiply(a, out, out=out)


def _tanh(z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``np.tanh(z)``."""
    return np.tanh(z, out=out)


def _tanh_derivative(a: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``1 - a ** 2``."""
    out = np.multiply(a, a, out=out)
    return np.subtract(ONE, out, out=out)


def _relu(z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``np.maximum(z, 0)``."""
    return np.maximum(z, ZERO, out=out)


def _relu_derivative(a: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``(a > 0) * 1.0``: 1 where the unit is active, 0 at and below the kink (relu'(0) = 0)."""
    return np.greater(a, ZERO, out=_fresh(out, a))


def _linear(z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``z`` (a copy)."""
    out = _fresh(out, z)
    np.copyto(out, z)
    return out


def _linear_derivative(a: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``1`` everywhere."""
    out = _fresh(out, a)
    out.fill(1.0)
    return out


@dataclass(frozen=True, slots=True)
class Activation:
    """One activation function, in every form the project uses."""

    name: str
    """The key used in configs: ``sigmoid``, ``tanh``, ``relu`` or ``linear``."""
    forward: Callable[..., np.ndarray]
    """``forward(z, out=None)``: f(z) with numpy, written into ``out`` when given."""
    derivative: Callable[..., np.ndarray]
    """``derivative(a, out=None)``: f'(z) computed from the output ``a = f(z)``."""
    symbol: str
    """The LaTeX symbol of f, e.g. ``\\sigma``."""
    latex: Callable[[str], str]
    """``latex(z)``: the LaTeX of f applied to ``z`` (a symbol, or a parenthesised expression)."""
    derivative_latex: Callable[[str], str]
    """``derivative_latex(a)``: the LaTeX of f' written with the output ``a`` (same rule for ``a``)."""
    elementwise_latex: Callable[[str], str]
    """``elementwise_latex(A)``: f' of a whole matrix ``A`` of outputs, entry by entry (``\odot``),
    as one factor of a product."""
    _sympy: Callable[..., "sympy.Expr"]
    """``_sympy(sp, z)``: f(z) built with the sympy module ``sp`` (see ``sympy_expression``)."""
    _sympy_derivative: Callable[..., "sympy.Expr"]
    """``_sympy_derivative(sp, a)``: f' written with the output ``a``, built with ``sp``."""
    _sympy_inverse: Callable[..., "sympy.Expr"]
    """``_sympy_inverse(sp, a)``: the ``z`` with ``f(z) = a`` (relu: ``a``, exact wherever the
    derivative is read, since ``a > 0`` exactly when ``z > 0``), built with ``sp``."""

    def sympy_expression(self, z: "sympy.Expr | None" = None) -> "sympy.Expr":
        """f(z) as a sympy expression (``z``: the real symbol ``z`` when omitted); imports sympy."""
        import sympy as sp

        return self._sympy(sp, sp.Symbol("z", real=True) if z is None else z)

    def sympy_derivative(self, a: "sympy.Expr | None" = None) -> "sympy.Expr":
        """f' written with the output ``a`` (the real symbol ``a`` when omitted); imports sympy."""
        import sympy as sp

        return self._sympy_derivative(sp, sp.Symbol("a", real=True) if a is None else a)

    def sympy_inverse(self, a: "sympy.Expr | None" = None) -> "sympy.Expr":
        """z written with the output ``a`` (the derivations check f' in terms of ``a`` with it)."""
        import sympy as sp

        return self._sympy_inverse(sp, sp.Symbol("a", real=True) if a is None else a)


ACTIVATIONS: dict[str, Activation] = {
    "sigmoid": Activation(
        "sigmoid", _sigmoid, _sigmoid_derivative, r"\sigma",
        latex=lambda z: rf"\frac{{1}}{{1 + e^{{-{z}}}}}",
        derivative_latex=lambda a: rf"{a}\left(1 - {a}\right)",
        elementwise_latex=lambda a: rf"{a} \odot \left(1 - {a}\right)",
        _sympy=lambda sp, z: 1 / (1 + sp.exp(-z)),
        _sympy_derivative=lambda sp, a: a * (1 - a),
        _sympy_inverse=lambda sp, a: sp.log(a / (1 - a)),
    ),
    "tanh": Activation(
        "tanh", _tanh, _tanh_derivative, r"\tanh",
        latex=lambda z: rf"\frac{{e^{{{z}}} - e^{{-{z}}}}}{{e^{{{z}}} + e^{{-{z}}}}}",
        derivative_latex=lambda a: rf"1 - {a}^{{2}}",
        elementwise_latex=lambda a: rf"\left(1 - {a} \odot {a}\right)",
        _sympy=lambda sp, z: sp.tanh(z),
        _sympy_derivative=lambda sp, a: 1 - a ** 2,
        _sympy_inverse=lambda sp, a: sp.atanh(a),
    ),
    "relu": Activation(
        "relu", _relu, _relu_derivative, r"\operatorname{relu}",
        latex=lambda z: rf"\max\left(0, {z}\right)",
        derivative_latex=lambda a: rf"\left[{a} > 0\right]",
        elementwise_latex=lambda a: rf"\left[{a} > 0\right]",
        _sympy=lambda sp, z: sp.Max(z, 0),
        _sympy_derivative=lambda sp, a: sp.Heaviside(a, 0),
        _sympy_inverse=lambda sp, a: a,
    ),
    "linear": Activation(
        "linear", _linear, _linear_derivative, r"\operatorname{id}",
        latex=lambda z: z,
        derivative_latex=lambda a: "1",
        elementwise_latex=lambda a: "1",
        _sympy=lambda sp, z: z,
        _sympy_derivative=lambda sp, a: sp.Integer(1),
        _sympy_inverse=lambda sp, a: a,
    ),
}
"""Every activation a config may name, by its config key."""


def activation(name: str) -> Activation:
    """The table entry for ``name`` (a ``KeyError`` naming the allowed keys otherwise)."""
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise KeyError(f"unknown activation {name!r}; choose one of {', '.join(ACTIVATIONS)}") from None
