"""The activation table: numpy forms bit-identical to the plain expressions, derivatives in terms
of the output that agree with sympy, LaTeX pinned, and no sympy import for the numpy side."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from tracer.activations import ACTIVATIONS, activation
from tracer.config import ACTIVATIONS as CONFIG_NAMES

PLAIN = {   # the expressions each activation must reproduce exactly (the article's for sigmoid)
    "sigmoid": (lambda z: 1 / (1 + np.exp(-z)), lambda a: a * (1 - a)),
    "tanh": (np.tanh, lambda a: 1 - a ** 2),
    "relu": (lambda z: np.maximum(z, 0), lambda a: (a > 0) * 1.0),
    "linear": (lambda z: z.copy(), lambda a: np.ones_like(a)),
}


def test_the_table_holds_every_activation_a_config_accepts():
    assert tuple(ACTIVATIONS) == CONFIG_NAMES
    assert all(act.name == name for name, act in ACTIVATIONS.items())


@pytest.mark.parametrize("name", list(PLAIN))
def test_numpy_forms_equal_the_plain_expressions_bit_for_bit(name):
    act = ACTIVATIONS[name]
    z = np.random.default_rng(5).normal(scale=4, size=(7, 5))
    z[0, :3] = [0.0, -0.0, 40.0]
    f, df = PLAIN[name]
    a = f(z)
    assert np.array_equal(act.forward(z), a)
    out = np.full_like(z, np.nan)
    assert act.forward(z, out=out) is out and np.array_equal(out, a)
    same = z.copy()
    act.forward(same, out=same)   # in place over z is allowed
    assert np.array_equal(same, a)
    assert np.array_equal(act.derivative(a), df(a))
    out = np.full_like(z, np.nan)
    assert act.derivative(a, out=out) is out and np.array_equal(out, df(a))


@pytest.mark.parametrize("name", list(PLAIN))
def test_derivative_from_the_output_is_the_derivative_of_the_forward(name):
    sp = pytest.importorskip("sympy")
    act = ACTIVATIONS[name]
    z = sp.Symbol("z", real=True)
    f = act.sympy_expression(z)
    in_output = act.sympy_derivative(f)
    for value in (-1.5, -0.25, 0.5, 2.0):
        expected = sp.diff(f, z).subs(z, value)
        assert float(in_output.subs(z, value)) == pytest.approx(float(expected), rel=1e-12)
    # and the sympy forward agrees with numpy's
    zs = np.array([-1.5, 0.5, 2.0])
    assert np.allclose([float(f.subs(z, v)) for v in zs], act.forward(zs), rtol=1e-14)


def test_latex_forms():
    assert ACTIVATIONS["sigmoid"].latex("z") == r"\frac{1}{1 + e^{-z}}"
    assert ACTIVATIONS["sigmoid"].derivative_latex("a") == r"a\left(1 - a\right)"
    assert ACTIVATIONS["tanh"].derivative_latex("a") == r"1 - a^{2}"
    assert ACTIVATIONS["relu"].latex(r"\left(z_1\right)") == r"\max\left(0, \left(z_1\right)\right)"
    assert ACTIVATIONS["relu"].derivative_latex("a") == r"\left[a > 0\right]"
    assert ACTIVATIONS["linear"].latex("z") == "z" and ACTIVATIONS["linear"].derivative_latex("a") == "1"
    assert ACTIVATIONS["tanh"].symbol == r"\tanh"


def test_unknown_names_are_refused_with_the_allowed_ones():
    with pytest.raises(KeyError, match="'softmax'.*sigmoid, tanh, relu, linear"):
        activation("softmax")


def test_importing_the_table_leaves_sympy_unloaded():
    code = ("import sys, tracer.activations as t; t.ACTIVATIONS['tanh'].forward(__import__('numpy').ones(2)); "
            "print('sympy' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
