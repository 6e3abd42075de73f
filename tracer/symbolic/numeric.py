"""Numbers for a derivation: the derived trees evaluated on a trace, each factor checked, finite differences.

Each factor's tree (``tracer.symbolic.tree``) is evaluated on whole arrays with numpy; the chain's
sums are then one ``numpy.einsum`` over the factor arrays. Nothing is substituted element by
element. ``check_factors`` compares every factor, over all its indices, with what the trainer
computes for it (the output error, the activation table's derivative, a weight, a layer's input),
so a factor read from the cache is checked on its own, not only through the product. The same
evaluation, with the element's indices left free, checks every element of every gradient at once
(``check_all``).
"""

from __future__ import annotations

import numpy as np

from tracer.activations import ACTIVATIONS
from tracer.errors import DerivationError
from tracer.symbolic.forms import fixed_indices
from tracer.symbolic.tree import SAMPLE, Tree, evaluate, leaf_axes, leaves

DERIVED_TOL = 1e-12   # derived vs numpy, relative to the size of the summed terms
FD_TOL = 1e-6         # finite difference vs derived, relative
FACTOR_TOL = 1e-12    # a factor vs the trainer's own value, relative


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


def _leaf_array(node: Tree, arrays: dict, plan: list, fixed: dict, sizes: dict) -> tuple[np.ndarray, list]:
    if node == ["sym", "N"]:
        return np.array(float(sizes[SAMPLE])), []
    return _tensor(arrays[node[1]], leaf_axes(node[1], plan), fixed)


def _tensor(array: np.ndarray, axes: list, fixed: dict) -> tuple[np.ndarray, list]:
    """``array`` with fixed and width-1 axes indexed away, and the letters of the axes left."""
    index = tuple(0 if axis is None else fixed.get(axis, slice(None)) for axis in axes)
    return array[index], [a for a in axes if a is not None and a not in fixed]


def evaluate_factor(tree: Tree, arrays: dict, plan: list, fixed: dict, sizes: dict) -> tuple[np.ndarray, list]:
    """The factor's values as an array over its free indices (those not in ``fixed``)."""
    labels: list = []
    inputs = {}
    for node in leaves(tree):
        array, axes = _leaf_array(node, arrays, plan, fixed, sizes)
        inputs[tuple(node)] = (array, axes)
        labels += [a for a in axes if a not in labels]
    aligned = {key: _align(array, axes, labels) for key, (array, axes) in inputs.items()}
    values = evaluate(tree, lambda node: aligned[tuple(node)])
    return np.broadcast_to(np.asarray(values, dtype=np.float64), [sizes[a] for a in labels]), labels


def _align(array: np.ndarray, axes: list, labels: list) -> np.ndarray:
    order = sorted(range(len(axes)), key=lambda k: labels.index(axes[k]))
    array = np.transpose(array, order) if axes else array
    shape = [array.shape[sorted(axes, key=labels.index).index(a)] if a in axes else 1 for a in labels]
    return array.reshape(shape)


def expected_factor(network, parameter: str, name: str, arrays: dict, plan: list, sizes: dict):
    """What the trainer computes for the factor ``name`` of ``parameter``'s chain: ``(array, labels)``."""
    L = network.depth
    head, _, tail = name.partition("/")
    tensor = lambda base: _tensor(arrays[base], leaf_axes(base, plan), {})  # noqa: E731
    if tail == f"d{parameter}":
        k = int(parameter[1:])
        return tensor("x" if k == 0 else f"l{k}") if parameter[0] == "w" else (np.array(1.0), [])
    if head == "dE" and tail == f"dl{L}_error":
        return np.array(1.0 / (sizes[SAMPLE] * network.layers[-1])), []
    if head in ("dE", f"dl{L}_error") and tail in (f"dl{L}", f"dz{L}"):
        top, labels = tensor(f"l{L}")
        return top - tensor("y")[0], labels
    if head[:2] == "dl" and tail == f"dz{head[2:]}":
        m = int(head[2:])
        top, labels = tensor(f"l{m}")
        return ACTIVATIONS[network.activation[m - 1]].derivative(top), labels
    if head[:2] == "dz" and tail == f"dl{int(head[2:]) - 1}":
        return tensor(f"w{int(head[2:]) - 1}")
    raise DerivationError(f"no value to check the factor {name!r} of {parameter} against")


def check_factors(chains, arrays: dict) -> None:
    """Every factor of every chain, over all its indices, against the trainer's own value.

    Raises ``DerivationError`` naming the first factor that differs (beyond 1e-12 relative).
    """
    network, plan = chains.network, chains.plan
    sizes = sizes_of(plan, network.layers, len(arrays["x"]))
    for parameter, factors in chains.factors.items():
        for name, tree in factors:
            values, labels = evaluate_factor(tree, arrays, plan, {}, sizes)
            expected, axes = expected_factor(network, parameter, name, arrays, plan, sizes)
            if not set(labels) <= set(axes):   # a constant factor (linear: 1) runs over fewer
                raise DerivationError(f"factor {name} of {parameter} runs over {labels}, expected {axes}")
            expected = np.asarray(expected, dtype=np.float64)
            values = _align(np.asarray(values), labels, axes)
            error = np.abs(values - expected) > FACTOR_TOL * np.maximum(np.abs(expected), 1.0)
            if error.any():
                raise DerivationError(f"factor {name} of {parameter} differs from the trainer's value")


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


def derived_value(factors: list, arrays: dict, plan: list, layers, element: dict) -> tuple[float, float, list]:
    """``(value, scale, factor_values)`` of ∂E/∂(element): the derived sum, Σ|terms| (the scale
    of its rounding error) and each factor's values over its free indices."""
    sizes = sizes_of(plan, layers, len(arrays["x"]))
    evaluated = [evaluate_factor(tree, arrays, plan, element, sizes) for _, tree in factors]
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


def check_all(chains, trace, iteration: int) -> dict[str, float]:
    """Evaluate the derived expression for every element of every gradient at ``iteration``.

    Returns the largest relative difference to ``wk_grad`` / ``bk_grad`` per parameter.

    Raises
    ------
    DerivationError
        If any element differs by more than 1e-12 relative to the size of its summed terms.
    """
    arrays = tensors(trace, iteration)
    network = chains.network
    plan = chains.plan
    sizes = sizes_of(plan, network.layers, len(arrays["x"]))
    worst = {}
    for name, factors in chains.factors.items():
        evaluated = [evaluate_factor(tree, arrays, plan, {}, sizes) for _, tree in factors]
        free = [a for a in fixed_indices(network, name) if a is not None]
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

