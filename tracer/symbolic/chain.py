"""The chain rule for one architecture: factors, general and matrix forms, deltas, and a proof.

Everything here depends on the architecture alone (``tracer.config.Network``), never on the
numbers, so the result can be cached. Symbols follow the tensor table: ``x_{ni}`` the inputs
(``l0``), ``l^{(k)}_{nj}`` the activations, ``y_{n}`` the targets, ``w^{(k)}_{ij}`` and
``b^{(k)}_{j}`` the parameters; each layer has one index letter (i, j, k, m, …), ``n`` runs over
the samples, and a layer of width 1 has no index at all (the seed network's ``l^{(2)}_{n}``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from tracer.config import Network
from tracer.symbolic.local import (
    A, Y, activation_derivative, linear_derivatives, loss_derivative,
)
from tracer.symbolic import tree
from tracer.symbolic.printing import Chain, elementwise, latex

SAMPLE = sp.Symbol("n", integer=True)
N = sp.Symbol("N", integer=True, positive=True)
E = sp.Symbol("E")
LETTERS = ("i", "j", "k", "m", "p", "q", "r", "s", "t", "u", "v")


def layer_indices(layers: tuple[int, ...]) -> list[sp.Symbol | None]:
    """One index letter per layer (``None`` for a layer of width 1, which needs no index)."""
    names = [LETTERS[k] if k < len(LETTERS) else f"i_{k}" for k in range(len(layers))]
    return [sp.Symbol(name, integer=True) if width > 1 else None for name, width in zip(names, layers)]


def leaf(base: str, *indices: sp.Symbol | None) -> sp.Expr:
    """The symbol of one tensor element: ``l1[n, j]``, or a plain symbol when no index is left."""
    kept = tuple(i for i in indices if i is not None)
    return sp.IndexedBase(base, real=True)[kept] if kept else sp.Symbol(base, real=True)


def leaf_axes(base: str, plan: list) -> list:
    """For each axis of the tensor behind ``base``, its index symbol (``None``: width 1)."""
    return tree.leaf_axes(base, plan, sample=SAMPLE)


def activation_leaf(plan: list, m: int) -> sp.Expr:
    return leaf("x" if m == 0 else f"l{m}", SAMPLE, plan[m])


@dataclass
class ChainSpec:
    """The chain rule for one parameter (general in its element's index letters)."""

    parameter: str
    element: sp.Expr
    """The general element, e.g. ``w0[i, j]`` (a plain symbol if the parameter has one element)."""
    fixed: tuple
    """The element's index symbol per parameter axis (``None``: an axis of length 1)."""
    summed: tuple
    """The indices the sum runs over: ``n``, then the letters of the layers above."""
    factors: list[tuple[str, sp.Expr]]
    """``(name, expression)`` per chain-rule factor, from the output down."""
    latex: str = ""
    matrix_latex: str = ""


@dataclass
class Architecture:
    """Everything derived for one ``Network``: a ``ChainSpec`` per parameter and the deltas."""

    network: Network
    chains: dict[str, ChainSpec]
    deltas: list[dict[str, object]]
    proofs: dict[str, bool] = field(default_factory=dict)
    """Symbolic proofs already done, by element (``"w0[0,0]"``)."""

    @property
    def plan(self) -> list:
        return layer_indices(self.network.layers)


def parameters(network: Network) -> list[str]:
    """The parameter names in order: ``w0 … w(L-1)``, then ``b0 …`` when the network has biases."""
    names = [f"w{k}" for k in range(network.depth)]
    if network.bias != "none":
        names += [f"b{k}" for k in range(network.depth)]
    return names


def build(network: Network) -> Architecture:
    """Derive the chain for every parameter and the per-layer deltas of ``network``."""
    plan = layer_indices(network.layers)
    chains = {}
    for name in parameters(network):
        spec = chain_factors(network, plan, name[0], int(name[1:]))
        chains[name] = describe(network, plan, spec)
    return Architecture(network, chains, deltas(network, plan))


def _output_factors(network: Network, plan: list) -> tuple[list[tuple[str, sp.Expr]], bool]:
    L = network.depth
    loss_expr, includes_activation = loss_derivative(network.loss, network.activation[-1])
    out = []
    head = "dE"
    if network.reduction == "mean":   # E = c Σ e with c = 1 / (N · n_out)
        e = sp.Symbol("e")
        out.append((f"dE/dl{L}_error", sp.diff(e / (N * network.layers[-1]), e)))
        head = f"dl{L}_error"
    target = f"z{L}" if includes_activation else f"l{L}"
    out.append((f"{head}/d{target}", loss_expr.xreplace({A: activation_leaf(plan, L), Y: leaf("y", SAMPLE, plan[-1])})))
    return out, includes_activation


def chain_factors(network: Network, plan: list, kind: str, k: int) -> ChainSpec:
    """The factors of ∂E/∂(element of ``w{k}`` or ``b{k}``), each from ``sympy.diff``."""
    L = network.depth
    lin = linear_derivatives()
    low, weight, _ = lin["symbols"]
    factors, includes_activation = _output_factors(network, plan)
    for m in range(L, k, -1):
        if not (m == L and includes_activation):
            act = activation_derivative(network.activation[m - 1])
            factors.append((f"dl{m}/dz{m}", act.xreplace({A: activation_leaf(plan, m)})))
        if m > k + 1:
            factors.append((f"dz{m}/dl{m - 1}", lin["low"].xreplace({weight: leaf(f"w{m - 1}", plan[m - 1], plan[m])})))
    if kind == "w":
        factors.append((f"dz{k + 1}/dw{k}", lin["weight"].xreplace({low: activation_leaf(plan, k)})))
        fixed = (plan[k], plan[k + 1])
    else:
        factors.append((f"dz{k + 1}/db{k}", lin["bias"]))
        fixed = (plan[k + 1],)
    summed = (SAMPLE, *(plan[m] for m in range(k + 2, L + 1) if plan[m] is not None))
    return ChainSpec(f"{kind}{k}", leaf(f"{kind}{k}", *fixed), fixed, summed, factors)


def limits(network: Network, plan: list, summed: tuple) -> list[tuple]:
    """Summation limits for ``sympy.Sum``: ``n`` up to N − 1, layer letters up to the width − 1."""
    widths = {s: w for s, w in zip(plan, network.layers) if s is not None}
    return [(s, 0, N - 1) if s == SAMPLE else (s, 0, widths[s] - 1) for s in summed]


def describe(network: Network, plan: list, spec: ChainSpec) -> ChainSpec:
    """Fill in the general LaTeX and the matrix LaTeX of ``spec`` (sympy's printer)."""
    shown = [expr for _, expr in spec.factors if expr != 1] or [sp.S.One]
    bounds = limits(network, plan, spec.summed)
    spec.latex = latex(sp.Eq(sp.Derivative(E, spec.element), sp.Sum(Chain(*shown), *bounds), evaluate=False))
    spec.matrix_latex = latex(_matrix_gradient(network, spec.parameter))
    return spec


def _matrices(network: Network) -> dict[str, sp.MatrixSymbol]:
    layers = network.layers
    out = {"X": sp.MatrixSymbol("X", N, layers[0]), "Y": sp.MatrixSymbol("Y", N, layers[-1])}
    for m in range(1, network.depth + 1):
        out[f"l{m}"] = sp.MatrixSymbol(f"l{m}", N, layers[m])
        out[f"delta{m}"] = sp.MatrixSymbol(f"delta{m}", N, layers[m])
    for k in range(network.depth):
        out[f"W{k}"] = sp.MatrixSymbol(f"W{k}", layers[k], layers[k + 1])
        out[f"b{k}"] = sp.MatrixSymbol(f"b{k}", 1, layers[k + 1])
    return out


def _matrix_gradient(network: Network, parameter: str) -> sp.Eq:
    mats = _matrices(network)
    k = int(parameter[1:])
    delta = mats[f"delta{k + 1}"]
    if parameter[0] == "w":
        low = mats["X"] if k == 0 else mats[f"l{k}"]
        return sp.Eq(sp.Derivative(E, mats[f"W{k}"]), low.T * delta, evaluate=False)
    return sp.Eq(sp.Derivative(E, mats[f"b{k}"]), sp.OneMatrix(N, 1).T * delta, evaluate=False)


def _times_derivative(network: Network, m: int, matrix: sp.MatrixExpr, mats: dict) -> sp.MatrixExpr:
    derivative = activation_derivative(network.activation[m - 1])
    if derivative == 1:
        return matrix
    return sp.HadamardProduct(matrix, elementwise(sp.Lambda(A, derivative), mats[f"l{m}"]))


def deltas(network: Network, plan: list) -> list[dict[str, object]]:
    """δ^{(m)} = ∂E/∂z^{(m)} from the output down, element-wise and in matrix form."""
    L = network.depth
    mats = _matrices(network)
    out = []
    factors, includes_activation = _output_factors(network, plan)
    top = [expr for _, expr in factors]
    loss_expr, _ = loss_derivative(network.loss, network.activation[-1])
    matrix = loss_expr.xreplace({A: mats[f"l{L}"], Y: mats["Y"]})
    if network.reduction == "mean":
        matrix = sp.MatMul(top[0], matrix)
    if not includes_activation:
        top.append(activation_derivative(network.activation[-1]).xreplace({A: activation_leaf(plan, L)}))
        matrix = _times_derivative(network, L, matrix, mats)
    rhs_elem = Chain(*[t for t in top if t != 1])
    for m in range(L, 0, -1):
        if m < L:
            upper = plan[m + 1]
            back = leaf(f"delta{m + 1}", SAMPLE, upper) * leaf(f"w{m}", plan[m], upper)
            back = sp.Sum(back, (upper, 0, network.layers[m + 1] - 1)) if upper is not None else back
            derivative = activation_derivative(network.activation[m - 1]).xreplace({A: activation_leaf(plan, m)})
            rhs_elem = Chain(back, derivative) if derivative != 1 else back
            matrix = _times_derivative(network, m, sp.MatMul(mats[f"delta{m + 1}"], mats[f"W{m}"].T), mats)
        lhs_elem = leaf(f"delta{m}", SAMPLE, plan[m])
        out.append({
            "layer": m,
            "name": f"l{m}_delta",
            "latex": latex(sp.Eq(lhs_elem, rhs_elem, evaluate=False)),
            "matrix_latex": latex(sp.Eq(mats[f"delta{m}"], matrix, evaluate=False)),
        })
    return out
