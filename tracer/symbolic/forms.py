"""The shape of each derivation, from the architecture alone (no sympy): names, indices and layouts.

Which factors a parameter's chain has, the element and the indices summed over, the general
formula ``∂E/∂w = Σ … (factor)·(factor)…``, the matrix form the code computes (``Xᵀ δ⁽¹⁾``) and the
per-layer deltas are all fixed by the ``Network``; only the factors' *expressions* come from sympy
(or from the cache). Everything here builds trees that ``tracer.symbolic.notation`` prints.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tracer.config import Network
from tracer.symbolic.tree import SAMPLE, Tree, is_num, layer_letters, leaf, substitute


@dataclass
class Chains:
    """Everything derived for one ``Network``: per parameter, its chain-rule factors as trees."""

    network: Network
    factors: dict[str, list[tuple[str, Tree]]]
    """``{"w0": [("dE/dl2", tree), …], …}``: the factors from the output down."""
    proofs: set[str] = field(default_factory=set)
    """Elements whose symbolic proof is done (``"w0[0,0]"``)."""
    from_disk: bool = False
    """Whether the factors were read from the disk cache (a failed check then rebuilds them)."""

    @property
    def plan(self) -> list:
        return layer_letters(self.network.layers)


def parameters(network: Network) -> list[str]:
    """The parameter names in order: ``w0 … w(L-1)``, then ``b0 …`` when the network has biases."""
    names = [f"w{k}" for k in range(network.depth)]
    if network.bias != "none":
        names += [f"b{k}" for k in range(network.depth)]
    return names


def output_names(network: Network) -> tuple[list[str], bool]:
    """The names of the factors at the output, and whether the loss factor includes the output
    activation (binary cross-entropy with a sigmoid, differentiated with respect to z)."""
    L = network.depth
    includes_activation = network.loss == "bce"
    names, head = [], "dE"
    if network.reduction == "mean":   # E = c Σ e with c = 1 / (N · n_out)
        names.append(f"dE/dl{L}_error")
        head = f"dl{L}_error"
    names.append(f"{head}/d{'z' if includes_activation else 'l'}{L}")
    return names, includes_activation


def factor_names(network: Network, parameter: str) -> list[str]:
    """The factors of ∂E/∂``parameter`` from the output down, e.g. ``dE/dl2, dl2/dz2, dz2/dw1``."""
    L, kind, k = network.depth, parameter[0], int(parameter[1:])
    names, includes_activation = output_names(network)
    for m in range(L, k, -1):
        if not (m == L and includes_activation):
            names.append(f"dl{m}/dz{m}")
        if m > k + 1:
            names.append(f"dz{m}/dl{m - 1}")
    names.append(f"dz{k + 1}/d{kind}{k}")
    return names


def fixed_indices(network: Network, parameter: str) -> tuple:
    """The element's index letter per parameter axis (``None``: an axis of length 1)."""
    plan, k = layer_letters(network.layers), int(parameter[1:])
    return (plan[k], plan[k + 1]) if parameter[0] == "w" else (plan[k + 1],)


def summed_indices(network: Network, parameter: str) -> tuple[str, ...]:
    """The indices the sum runs over: ``n``, then the letters of the layers above the parameter."""
    plan, k = layer_letters(network.layers), int(parameter[1:])
    return (SAMPLE, *(plan[m] for m in range(k + 2, network.depth + 1) if plan[m] is not None))


def element(network: Network, parameter: str, index: tuple[int, ...] | None = None) -> Tree:
    """The general element (``w0[i, j]``), or with ``index`` the concrete one (``w0[0, 0]``)."""
    fixed = fixed_indices(network, parameter)
    if index is None:
        return leaf(parameter, indices=list(fixed))
    return leaf(parameter, indices=[i if a is not None else None for a, i in zip(fixed, index)])


def general(network: Network, parameter: str, factors: list[tuple[str, Tree]]) -> Tree:
    """``∂E/∂(element) = Σ_n … (factor)·(factor)…`` (factors equal to 1 left out)."""
    shown = [tree for _, tree in factors if not is_num(tree, 1)] or [["num", 1, 1]]
    body = ["chain", *shown]
    return ["eq", ["deriv", element(network, parameter)], ["sum", list(summed_indices(network, parameter)), body]]


def gradient_matrix(parameter: str) -> Tree:
    """The matrix form the code computes: ``∂E/∂W⁽ᵏ⁾ = l⁽ᵏ⁾ᵀ δ⁽ᵏ⁺¹⁾``, ``∂E/∂b⁽ᵏ⁾ = 𝟏ᵀ δ⁽ᵏ⁺¹⁾``."""
    k = int(parameter[1:])
    delta = ["mat", f"delta{k + 1}"]
    if parameter[0] == "w":
        low = ["mat", "X" if k == 0 else f"l{k}"]
        return ["eq", ["deriv", ["mat", f"W{k}"]], ["matmul", ["T", low], delta]]
    return ["eq", ["deriv", ["mat", f"b{k}"]], ["matmul", ["ones"], delta]]


def _as_matrix(tree: Tree) -> Tree:
    """A factor over one sample written over the whole matrix: ``l2[n]`` → ``l2``, ``y[n]`` → ``Y``."""
    return substitute(tree, lambda node: ["mat", "Y" if node[1] == "y" else node[1]]
                      if node[1][0] in "ly" else None)


def deltas(chains: Chains) -> list[dict[str, object]]:
    """δ⁽ᵐ⁾ = ∂E/∂z⁽ᵐ⁾ from the output down, element-wise and in matrix form, from the factors of the
    first weight's chain (which passes through every layer)."""
    network, plan = chains.network, chains.plan
    L = network.depth
    by_name = dict(chains.factors["w0"])
    top_names, includes_activation = output_names(network)
    top = [by_name[name] for name in top_names]
    matrix: Tree = _as_matrix(top[-1])
    if network.reduction == "mean":
        matrix = ["matmul", top[0], matrix]
    if not includes_activation:
        derivative = by_name[f"dl{L}/dz{L}"]
        top.append(derivative)
        matrix = _times_derivative(matrix, derivative)
    rhs: Tree = ["chain", *[t for t in top if not is_num(t, 1)]]
    out = []
    for m in range(L, 0, -1):
        if m < L:
            upper = plan[m + 1]
            delta, weight = leaf(f"delta{m + 1}", indices=[SAMPLE, upper]), leaf(f"w{m}", indices=[plan[m], upper])
            # sympy's order: a plain symbol before an indexed element, else by name
            back: Tree = ["mul", weight, delta] if weight[0] == "sym" else ["mul", delta, weight]
            back = ["sum", [upper], back] if upper is not None else back
            derivative = by_name[f"dl{m}/dz{m}"]
            rhs = ["chain", back, derivative] if not is_num(derivative, 1) else back
            matrix = _times_derivative(["matmul", ["mat", f"delta{m + 1}"], ["T", ["mat", f"W{m}"]]], derivative)
        out.append({
            "layer": m,
            "name": f"l{m}_delta",
            "tree": ["eq", leaf(f"delta{m}", indices=[SAMPLE, plan[m]]), rhs],
            "matrix_tree": ["eq", ["mat", f"delta{m}"], matrix],
        })
    return out


def _times_derivative(matrix: Tree, derivative: Tree) -> Tree:
    if is_num(derivative, 1):
        return matrix
    return ["hadamard", matrix, ["ew", _as_matrix(derivative)]]
