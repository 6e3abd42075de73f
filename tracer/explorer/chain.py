"""The chain rule of every parameter element at every carried iteration, all at once.

``derive`` checks one element at a time (its LaTeX, a finite difference through the trainer),
far too slow for every weight at nine iterations. Here the architecture's derived factors (the
symbolic stage's cached trees, checked on the trace as ``derive`` checks them) are evaluated over
all elements in one call per factor, and the finite differences of every element
run as one batched forward pass. The numbers agree with ``derive``'s (a test checks it).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tracer.activations import ACTIVATIONS

FD_TOL = 1e-6   # finite difference vs derived, relative (as tracer.symbolic.numeric)


@dataclass(frozen=True)
class ParameterChain:
    """One parameter's derived chain: its general form and factors, independent of the numbers."""

    name: str
    """``w0``, ``b1`` …"""
    latex: str
    """The general form ∂E/∂w_{ij} = Σ_n (…)(…)…"""
    factor_latex: tuple[str, ...]
    """Each factor's LaTeX."""
    factor_names: tuple[str, ...]
    """Each factor's name (``dE/dl2`` …)."""


def parameter_names(network) -> list[str]:
    names = [f"w{k}" for k in range(network.depth)]
    return names + ([f"b{k}" for k in range(network.depth)] if network.bias != "none" else [])


def _checked(trace, iteration: int):
    """The architecture's derived factors (trees), each checked on this trace as ``derive`` does."""
    from tracer.symbolic.numeric import tensors
    from tracer.symbolic.pipeline import checked_chains

    return checked_chains(trace.config.network, tensors(trace, iteration))


def chains(trace, iteration: int) -> dict[str, ParameterChain]:
    """The general form and factor LaTeX of every parameter (nntrace's own printer, no sympy)."""
    from tracer.symbolic import forms
    from tracer.symbolic.notation import latex

    derived = _checked(trace, iteration)
    network = trace.config.network
    out = {}
    for name in parameter_names(network):
        factors = derived.factors[name]
        out[name] = ParameterChain(name, latex(forms.general(network, name, factors)),
                                   tuple(latex(tree).replace("|", r"\vert ") for _, tree in factors),
                                   tuple(n for n, _ in factors))
    return out


def factor_values(trace, iteration: int, name: str) -> tuple[list[np.ndarray], list[list], list]:
    """Each factor of ``name``'s chain over all its free indices at ``iteration``.

    Returns ``(arrays, labels, fixed)``: factor k's values and the index letter of each axis, and
    the parameter's own index letters (``None`` for an axis of length 1).
    """
    from tracer.symbolic import cache, forms
    from tracer.symbolic.numeric import evaluate_factor, sizes_of, tensors

    derived = cache.architecture(trace.config.network)
    arrays = tensors(trace, iteration)
    sizes = sizes_of(derived.plan, trace.config.network.layers, len(arrays["x"]))
    evaluated = [evaluate_factor(tree, arrays, derived.plan, {}, sizes) for _, tree in derived.factors[name]]
    return ([np.asarray(v) for v, _ in evaluated], [list(lab) for _, lab in evaluated],
            list(forms.fixed_indices(trace.config.network, name)))


def element_factors(arrays, labels, fixed, index: tuple[int, ...]) -> list[tuple[np.ndarray, list]]:
    """The factors of one element: each array with the element's own indices fixed."""
    at = {s: i for s, i in zip(fixed, index) if s is not None}
    out = []
    for array, lab in zip(arrays, labels):
        take = tuple(at.get(s, slice(None)) for s in lab)
        out.append((array[take] if lab else array, [s for s in lab if s not in at]))
    return out


def per_sample(factors: list[tuple[np.ndarray, list]], sample) -> np.ndarray:
    """Each sample's product of the factors, summed over the other indices (units of layers above)."""
    letters = {}
    for _, lab in factors:
        for s in lab:
            letters.setdefault(s, "abcdefghijklm"[len(letters)])
    operands = []
    for array, lab in factors:
        operands += [array, [list(letters).index(s) for s in lab]]
    n = [list(letters).index(sample)] if sample in letters else []
    return np.atleast_1d(np.einsum(*operands, n))


def finite_differences(trace, iteration: int) -> dict[str, np.ndarray]:
    """Central differences of E in every element of every parameter, as one batched forward pass.

    The step is ε^(1/3) scaled to the element (as ``tracer.symbolic.numeric.finite_difference``).
    """
    cfg = trace.config
    net = cfg.network
    names = parameter_names(net)
    params = {p: np.asarray(trace.get(p, iteration), dtype=float) for p in names}
    sizes = [params[p].size for p in names]
    total = sum(sizes)
    flat = np.concatenate([params[p].ravel() for p in names])
    h = np.finfo(float).eps ** (1 / 3) * np.maximum(1.0, np.abs(flat))
    h = (flat + h) - flat
    batch = {p: np.broadcast_to(params[p], (2 * total, *params[p].shape)).copy() for p in names}
    offset = 0
    for p, size in zip(names, sizes):
        rows = np.arange(size)
        view = batch[p].reshape(2 * total, size)
        view[offset + rows, rows] += h[offset:offset + size]
        view[total + offset + rows, rows] -= h[offset:offset + size]
        offset += size
    e = _objective(cfg, batch)
    estimate = (e[:total] - e[total:]) / (2 * h)
    out, offset = {}, 0
    for p, size in zip(names, sizes):
        out[p] = estimate[offset:offset + size].reshape(params[p].shape)
        offset += size
    return out


def _objective(cfg, batch: dict[str, np.ndarray]) -> np.ndarray:
    """E for each of a batch of parameter sets: the trainer's forward pass and loss, vectorised."""
    net = cfg.network
    x, y = cfg.data.arrays()
    layer = np.broadcast_to(x, (len(batch["w0"]), *x.shape))
    z = layer
    with np.errstate(over="ignore", under="ignore"):
        for k in range(net.depth):
            z = np.matmul(layer, batch[f"w{k}"])
            if net.bias != "none":
                z = z + batch[f"b{k}"][:, None, :]
            layer = ACTIVATIONS[net.activation[k]].forward(z)
        if net.loss == "bce":
            error = np.logaddexp(0, z) - y * z
        else:
            error = (layer - y) ** 2 / 2
    total = error.sum(axis=(1, 2))
    return total / y.size if net.reduction == "mean" else total
