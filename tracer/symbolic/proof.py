"""The symbolic proof: the product of the chain-rule factors equals ``sympy.diff`` of E.

For one parameter element of a small network, E is built as one composed expression in
concrete symbols (every input, target, weight and bias its own symbol, two samples), and
differentiated directly. The derived chain is expanded over the same concrete indices with every
activation replaced by its forward expression; the difference must simplify to 0. The factor
``1/(N·n_out)`` of a mean keeps the sample count ``N`` symbolic, so two samples prove it for any N.
"""

from __future__ import annotations

import itertools

import sympy as sp

from tracer.config import Network
from tracer.symbolic.chain import N, SAMPLE, ChainSpec, layer_indices, leaf_axes
from tracer.symbolic.local import forward, heaviside_convention, loss_function

PROOF_SAMPLES = 2


def _concrete_network(network: Network, samples: int) -> dict[str, object]:
    """Concrete symbols and the forward pass as expressions: ``{"x": ..., "l1": [[expr]], ...}``."""
    layers = network.layers
    base = {name: sp.IndexedBase(name, real=True) for name in ("x", "y")}
    x = [[base["x"][n, i] for i in range(layers[0])] for n in range(samples)]
    out: dict[str, object] = {"x": x, "y": [[base["y"][n, o] for o in range(layers[-1])] for n in range(samples)]}
    lower = x
    for k in range(network.depth):
        w = sp.IndexedBase(f"w{k}", real=True)
        b = sp.IndexedBase(f"b{k}", real=True)
        out[f"w{k}"] = [[w[p, q] for q in range(layers[k + 1])] for p in range(layers[k])]
        out[f"b{k}"] = [b[q] for q in range(layers[k + 1])]
        upper = []
        for n in range(samples):
            row = []
            for q in range(layers[k + 1]):
                z = sum(lower[n][p] * w[p, q] for p in range(layers[k]))
                if network.bias != "none":
                    z += b[q]
                row.append(forward(network.activation[k], z))
            upper.append(row)
        out[f"l{k + 1}"] = upper
        lower = upper
    return out


def _objective(network: Network, values: dict, samples: int) -> sp.Expr:
    top = values[f"l{network.depth}"]
    total = sum(loss_function(network.loss, top[n][o], values["y"][n][o])
                for n in range(samples) for o in range(network.layers[-1]))
    return total / (N * network.layers[-1]) if network.reduction == "mean" else total


def _concrete(item: sp.Expr, values: dict, plan: list, assign: dict) -> sp.Expr:
    base = item.name if isinstance(item, sp.Symbol) else str(item.base.label)
    if base == "N":
        return N
    position = [0 if axis is None else assign[axis] for axis in leaf_axes(base, plan)]
    value = values[base]
    for p in position:
        value = value[p]
    return value


def _is_zero(expr: sp.Expr) -> bool:
    """Whether ``expr`` is identically 0, by algebra on its transcendental atoms."""
    # relu: a > 0 exactly when z > 0, so H(max(z, 0)) is H(z) (with H(0) = 0, the trainer's choice)
    expr = heaviside_convention(expr).replace(
        lambda e: isinstance(e, sp.Heaviside) and isinstance(e.args[0], sp.Max),
        lambda e: sp.Heaviside([a for a in e.args[0].args if a != 0][0], 0))
    exps = expr.atoms(sp.exp)
    mapping = {atom: sp.Dummy() for atom in expr.atoms(sp.tanh, sp.Heaviside, sp.Max, sp.log)}
    nested = any(atom.args[0].has(sp.exp) for atom in exps)
    if nested:
        # sigmoids of sigmoids: write each exp(−u) as (1 − s)/s with s = σ(u), so each term
        # cancels to a polynomial in the s's on its own instead of over one huge denominator
        for atom in exps:
            s = sp.Dummy()
            mapping[atom] = (1 - s) / s
        generic = expr.xreplace(mapping)
        terms = sp.Add.make_args(sp.expand(generic, deep=False, power_exp=False, power_base=False, log=False))
        generic = sp.Add(*[sp.cancel(t) for t in terms])
    else:
        generic = expr.xreplace({**mapping, **{atom: sp.Dummy() for atom in exps}})
    numerator, _ = sp.fraction(sp.together(generic))
    return sp.expand(numerator) == 0


def prove(network: Network, spec: ChainSpec, index: tuple[int, ...]) -> bool:
    """Whether Σ (product of ``spec``'s factors) − ∂E/∂(element) simplifies to 0 symbolically."""
    samples = PROOF_SAMPLES
    plan = layer_indices(network.layers)
    values = _concrete_network(network, samples)
    fixed = {axis: i for axis, i in zip(spec.fixed, index) if axis is not None}
    element = values[spec.parameter]
    for i in index:
        element = element[i]
    target = sp.diff(_objective(network, values, samples), element)
    widths = {s: w for s, w in zip(plan, network.layers) if s is not None}
    ranges = [range(samples) if s == SAMPLE else range(widths[s]) for s in spec.summed]
    total = sp.S.Zero
    leaves = {name: [a for a in expr.atoms(sp.Indexed)] + [s for s in expr.free_symbols
              if isinstance(s, sp.Symbol) and not s.is_integer] for name, expr in spec.factors}
    for combination in itertools.product(*ranges):
        assign = {**fixed, **dict(zip(spec.summed, combination))}
        term = sp.S.One
        for name, expr in spec.factors:
            term *= expr.xreplace({item: _concrete(item, values, plan, assign) for item in leaves[name]})
        total += term
    return _is_zero(target - total)
