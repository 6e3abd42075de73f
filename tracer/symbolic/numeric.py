"""Numbers for a derivation: the derived expression evaluated on a trace, and finite differences.

Each factor is turned into a numpy function with ``sympy.lambdify`` once and applied to whole
arrays; the chain's sums are then one ``numpy.einsum`` over the factor arrays. Nothing is
substituted element by element. The same evaluation, with the element's indices left free,
checks every element of every gradient at once (``check_all``).
"""

from __future__ import annotations

import numpy as np
import sympy as sp
from sympy.printing.numpy import NumPyPrinter

from tracer.errors import DerivationError
from tracer.symbolic.chain import SAMPLE, ChainSpec, leaf_axes

DERIVED_TOL = 1e-12   # derived vs numpy, relative to the size of the summed terms
FD_TOL = 1e-6         # finite difference vs derived, relative


def tensors(trace, iteration: int) -> dict[str, np.ndarray]:
    """The arrays behind the symbols at ``iteration``: ``x``, ``y``, ``l1`` …, ``w0`` …, ``b0`` …"""
    config = trace.config
    _, y = config.data.arrays()
    out = {"x": np.asarray(trace.get("l0", iteration)), "y": y}
    for m in range(1, config.network.depth + 1):
        out[f"l{m}"] = np.asarray(trace.get(f"l{m}", iteration))
    for name in trace.names:
        if name[0] in "wb" and name[1:].isdigit():
            out[name] = np.asarray(trace.get(name, iteration))
    return out


def _leaves(expr: sp.Expr) -> list[sp.Expr]:
    found = [a for a in expr.atoms(sp.Indexed)]
    # plain symbols are leaves (a weight of a 1×1 layer pair, the sample count N); index letters are not
    found += [s for s in expr.free_symbols if isinstance(s, sp.Symbol) and (not s.is_integer or s.name == "N")]
    return sorted(set(found), key=sp.default_sort_key)


class CompiledFactor:
    """One factor as a numpy function of its leaf arrays."""

    def __init__(self, name: str, expr: sp.Expr):
        self.name = name
        self.expr = expr
        self.leaves = _leaves(expr)
        dummies = [sp.Dummy(f"v{k}") for k in range(len(self.leaves))]
        # NumPyPrinter with a one-name namespace: lambdify's "numpy" module lookup walks numpy's
        # namespace with hasattr and imports its lazy submodules (f2py, testing …), ~0.15 s.
        self.function = sp.lambdify(dummies, expr.xreplace(dict(zip(self.leaves, dummies))),
                                    modules=[{"numpy": np}], printer=NumPyPrinter)

    def evaluate(self, arrays: dict[str, np.ndarray], plan: list, fixed: dict, sizes: dict) -> tuple[np.ndarray, list]:
        """The factor's values as an array over its free indices (those not in ``fixed``)."""
        labels: list = []
        inputs = []
        for item in self.leaves:
            array, axes = _leaf_array(item, arrays, plan, fixed, sizes)
            inputs.append((array, axes))
            labels += [a for a in axes if a not in labels]
        shape = [sizes[a] for a in labels]
        aligned = [_align(array, axes, labels) for array, axes in inputs]
        values = np.broadcast_to(np.asarray(self.function(*aligned), dtype=np.float64), shape)
        return values, labels


def _leaf_array(item, arrays, plan, fixed, sizes):
    if isinstance(item, sp.Symbol):
        if item.name == "N":
            return np.array(float(sizes[SAMPLE])), []
        base = item.name
    else:
        base = str(item.base.label)
    array = arrays[base]
    axes = leaf_axes(base, plan)
    index = []
    for axis in axes:
        index.append(0 if axis is None else fixed.get(axis, slice(None)))
    array = array[tuple(index)]
    kept = [a for a in axes if a is not None and a not in fixed]
    return array, kept


def _align(array: np.ndarray, axes: list, labels: list) -> np.ndarray:
    order = sorted(range(len(axes)), key=lambda k: labels.index(axes[k]))
    array = np.transpose(array, order) if axes else array
    shape = [array.shape[sorted(axes, key=labels.index).index(a)] if a in axes else 1 for a in labels]
    return array.reshape(shape)


def compile_chain(spec: ChainSpec) -> list[CompiledFactor]:
    return [CompiledFactor(name, expr) for name, expr in spec.factors]


def sizes_of(plan: list, layers: tuple[int, ...], n_samples: int) -> dict:
    sizes = {s: w for s, w in zip(plan, layers) if s is not None}
    sizes[SAMPLE] = n_samples
    return sizes


def contract(factors: list[tuple[np.ndarray, list]], out: list) -> np.ndarray:
    """Σ over every index not in ``out`` of the product of the factor arrays (one einsum)."""
    symbols = list(dict.fromkeys(a for _, labels in factors for a in labels).keys() | set(out))
    number = {s: k for k, s in enumerate(sorted(symbols, key=str))}
    operands = []
    for values, labels in factors:
        operands += [values, [number[a] for a in labels]]
    return np.einsum(*operands, [number[a] for a in out], optimize=True)


def derived_value(compiled, arrays, plan, layers, element: dict) -> tuple[float, float, list]:
    """``(value, scale, factor_values)`` of ∂E/∂(element): the derived sum, Σ|terms| (the scale
    of its rounding error) and each factor's values over its free indices."""
    sizes = sizes_of(plan, layers, len(arrays["x"]))
    evaluated = [f.evaluate(arrays, plan, element, sizes) for f in compiled]
    value = float(contract(evaluated, []))
    scale = float(contract([(np.abs(v), labels) for v, labels in evaluated], []))
    return value, scale, evaluated


def finite_difference(config, arrays: dict, parameter: str, index: tuple[int, ...],
                      kind: str = "central") -> tuple[float, float]:
    """A finite difference of E in one parameter element; returns ``(estimate, tolerance floor)``.

    ``kind`` is ``"central"`` (E(p+h) − E(p−h)) / 2h, or the second-order one-sided ``"forward"`` /
    ``"backward"`` differences, used only at a relu kink where E has no two-sided derivative.
    The step h is ε^(1/3) scaled to the element's magnitude, balancing truncation (∝ h²)
    against rounding in E (∝ ε·|E|/h); the floor is that rounding bound, for gradients near 0.
    """
    from tracer.train import objective

    params = {name: arrays[name].copy() for name in arrays if name[0] in "wb" and name[1:].isdigit()}
    base = float(params[parameter][index])
    h = np.finfo(float).eps ** (1 / 3) * max(1.0, abs(base))
    h = (base + h) - base   # a step exactly representable next to the element
    steps, weights = {"central": ((1, -1), (1 / 2, -1 / 2)), "forward": ((0, 1, 2), (-3 / 2, 2, -1 / 2)),
                      "backward": ((0, -1, -2), (3 / 2, -2, 1 / 2))}[kind]
    values = []
    for step in steps:
        params[parameter][index] = base + step * h
        values.append(objective(config, params))
    estimate = sum(w * e for w, e in zip(weights, values)) / h
    floor = 64 * np.finfo(float).eps * max(abs(e) for e in values) / h
    return float(estimate), float(floor)


def relative(a: float, b: float, scale: float = 0.0) -> float:
    """``|a − b|`` relative to the largest of ``|a|``, ``|b|`` and ``scale``."""
    denominator = max(abs(a), abs(b), scale)
    return 0.0 if denominator == 0 else abs(a - b) / denominator


def check_all(architecture, trace, iteration: int, compiled: dict | None = None) -> dict[str, float]:
    """Evaluate the derived expression for every element of every gradient at ``iteration``.

    Returns the largest relative difference to ``wk_grad`` / ``bk_grad`` per parameter.

    Raises
    ------
    DerivationError
        If any element differs by more than 1e-12 relative to the size of its summed terms.
    """
    arrays = tensors(trace, iteration)
    layers = architecture.network.layers
    plan = architecture.plan
    sizes = sizes_of(plan, layers, len(arrays["x"]))
    worst = {}
    for name, spec in architecture.chains.items():
        factors = (compiled or {}).get(name) or compile_chain(spec)
        evaluated = [f.evaluate(arrays, plan, {}, sizes) for f in factors]
        free = [a for a in spec.fixed if a is not None]
        value = contract(evaluated, free)
        scale = contract([(np.abs(v), labels) for v, labels in evaluated], free)
        numpy_value = np.asarray(trace.get(f"{name}_grad", iteration)).reshape(value.shape)
        error = np.abs(value - numpy_value) / np.maximum(np.maximum(np.abs(numpy_value), scale), np.finfo(float).tiny)
        worst[name] = float(error.max())
        if worst[name] > DERIVED_TOL:
            at = np.unravel_index(int(error.argmax()), error.shape)
            raise DerivationError(
                f"the derived gradient of {name} disagrees with numpy at element {tuple(int(i) for i in at)}, "
                f"iteration {iteration}: derived {float(value[at])!r}, numpy {float(numpy_value[at])!r}"
            )
    return worst

