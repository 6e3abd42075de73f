"""``derive``: the chain rule for chosen parameter elements, checked three ways against a trace.

1. get a trace that covers the iteration (run the trainer if given a config);
2. get the architecture's factors as trees (process cache, disk cache, or sympy on a miss);
3. check every factor against the trainer's value; a cached entry that fails is rebuilt;
4. per element: evaluate the derived trees on the trace's numbers, compare with numpy's gradient
   and a finite difference, prove the symbolic identity on small networks (sympy, once per element);
5. return plain ``Derivation`` objects whose formulas are printed from the trees that were checked.

sympy is imported only on a cache miss or for a proof not yet done.
"""

from __future__ import annotations

import numpy as np

from tracer.config import Config, load_config
from tracer.errors import DerivationError, Disagreement
from tracer.symbolic import cache, forms
from tracer.symbolic.model import Derivation, Factor
from tracer.symbolic.notation import latex, text
from tracer.symbolic.numeric import (
    DERIVED_TOL, FD_TOL, check_factors, derived_value, finite_difference, relative, tensors,
)
from tracer.symbolic.weights import element_name, select
from tracer.trace import Trace

MAX_TERMS = 8   # longer substituted sums show their first terms, ⋯ and the last one
MAX_PROOF_PARAMETERS = 32   # "small": larger networks are checked numerically only


def derive(config_or_trace, weight=None, iteration=None, *, digits: int = 6) -> list[Derivation]:
    """See ``tracer.symbolic.derive`` (the public entry point)."""
    trace, iteration = trace_for(config_or_trace, iteration)
    network = trace.config.network
    chosen = select(network, weight)
    arrays = tensors(trace, iteration)
    chains = checked_chains(network, arrays)
    return [derive_element(chains, trace, arrays, parameter, index, iteration, digits)
            for parameter, index in chosen]


def checked_chains(network, arrays: dict) -> forms.Chains:
    """The chains of ``network`` with every factor checked on ``arrays``; a cached entry that
    fails is discarded (with a note) and rebuilt with sympy."""
    chains = cache.architecture(network)
    try:
        check_factors(chains, arrays)
    except DerivationError as exc:
        if not chains.from_disk:
            raise Disagreement(f"{exc}; this is a bug, please report it with the config") from None
        chains = cache.discard(network, str(exc))
        check_factors(chains, arrays)
    return chains


def trace_for(source, iteration: int | None) -> tuple[Trace, int]:
    """A trace recording ``iteration`` (default: 0, or the first recorded) and that iteration."""
    if isinstance(source, Trace):
        if iteration is None:
            recorded = source.recorded_iterations
            iteration = 0 if 0 in recorded else int(recorded[0])
        return source, int(source.recorded_iterations[source.index(iteration)])
    from tracer.train import run

    it = 0 if iteration is None else int(iteration)
    config = source if isinstance(source, Config) else load_config(source)
    overrides: dict[str, object] = {"record.iterations": str(it)}
    if 0 <= it < config.train.iterations:
        overrides["train.iterations"] = it + 1   # later steps cannot change iteration it
    trace = run(load_config(config, overrides))
    return trace, int(trace.recorded_iterations[0])


def derive_element(chains: forms.Chains, trace: Trace, arrays: dict, parameter: str, index: tuple[int, ...],
                   iteration: int, digits: int) -> Derivation:
    """The checked derivation of one element (raises ``DerivationError`` on any disagreement)."""
    network = chains.network
    factors = chains.factors[parameter]
    fixed = forms.fixed_indices(network, parameter)
    element = {s: i for s, i in zip(fixed, index) if s is not None}
    value, scale, evaluated = derived_value(factors, arrays, chains.plan, network.layers, element)
    numpy_value = float(np.asarray(trace.get(f"{parameter}_grad", iteration))[index])
    fd, fd_kind = _finite_difference(trace.config, arrays, parameter, index, value)
    name = element_name(parameter, index)
    agree = relative(value, numpy_value, scale) <= DERIVED_TOL and fd_kind is not None
    if not agree:
        raise Disagreement(
            f"the derivation of ∂E/∂{name} disagrees at iteration {iteration}: derived {value!r}, "
            f"numpy {numpy_value!r}, finite difference {fd!r}; this is a bug, please report it with the config"
        )
    proved = _proof(chains, parameter, index, name)
    general = forms.general(network, parameter, factors)
    return Derivation(
        weight=name, parameter=parameter, index=tuple(index), iteration=iteration,
        latex=latex(general), matrix_latex=latex(forms.gradient_matrix(parameter)),
        substituted_latex=substituted(network, parameter, index, factors, evaluated, value, digits),
        factors=[_factor(factor_name, tree, values, labels, digits)
                 for (factor_name, tree), (values, labels) in zip(factors, evaluated)],
        value=value, numpy_value=numpy_value, finite_difference=fd, agree=agree,
        deltas=[{"layer": d["layer"], "name": d["name"], "latex": latex(d["tree"]),
                 "matrix_latex": latex(d["matrix_tree"])} for d in forms.deltas(chains)],
        text=text(general), proved=proved, finite_difference_kind=fd_kind,
    )


def _finite_difference(config, arrays, parameter, index, value) -> tuple[float, str | None]:
    """The central difference, or at a relu kink a one-sided one that agrees; kind ``None``: none agrees."""
    kinds = ["central"] + (["forward", "backward"] if "relu" in config.network.activation else [])
    first = None
    for kind in kinds:
        fd, floor = finite_difference(config, arrays, parameter, index, kind)
        first = fd if first is None else first
        if abs(fd - value) <= FD_TOL * max(abs(fd), abs(value)) + floor:
            return fd, kind
    return first, None


def is_small(network) -> bool:
    """Whether ``derive`` proves the identity for ``network``: one hidden layer, ≤ 32 parameters.

    ``proof.prove`` itself works at any depth (the tests prove deeper networks); this bounds the
    time a derivation spends on it, since the composed objective grows with every layer.
    """
    if network.depth > 2:
        return False
    layers = network.layers
    count = sum(a * b for a, b in zip(layers, layers[1:]))
    count += sum(layers[1:]) if network.bias != "none" else 0
    return count <= MAX_PROOF_PARAMETERS


def _proof(chains: forms.Chains, parameter: str, index: tuple[int, ...], name: str) -> bool | None:
    if not is_small(chains.network):
        return None
    if name not in chains.proofs:
        from tracer.symbolic.convert import spec_of
        from tracer.symbolic.proof import prove

        if not prove(chains.network, spec_of(chains, parameter), index):
            raise Disagreement(f"the chain-rule product for ∂E/∂{name} does not simplify to sympy's "
                                  "derivative of E; this is a bug, please report it with the config")
        chains.proofs.add(name)
        cache.save(chains)
    return True


def _factor(name: str, tree, values: np.ndarray, labels: list, digits: int) -> Factor:
    array = np.asarray(values, dtype=float)
    return Factor(name=name, latex=latex(tree, digits), values=array.ravel().tolist(),
                  indices=tuple(str(s) for s in labels), shape=tuple(array.shape))


def substituted(network, parameter: str, index: tuple[int, ...], factors: list, evaluated: list,
                value: float, digits: int) -> str:
    """``∂E/∂w^{(0)}_{0,0} = (…)·(…) + … = value``: the sum with the trace's numbers written in."""
    labels = list(forms.summed_indices(network, parameter))
    shown = [(np.asarray(v), lab) for (_, tree), (v, lab) in zip(factors, evaluated) if tree != ["num", 1, 1]]
    sizes = {}
    for array, lab in shown:
        sizes.update(dict(zip(lab, array.shape)))
    shape = tuple(sizes.get(s, 1) for s in labels)
    full = [np.broadcast_to(_expand(array, lab, labels), shape) for array, lab in shown]
    count = int(np.prod(shape))
    picks = list(range(count)) if count <= MAX_TERMS else [0, 1, 2, count - 1]
    terms = []
    for flat in picks:
        at = np.unravel_index(flat, shape)
        terms.append(["chain", *[["float", float(f[at])] for f in full]] if full else ["float", 1.0])
    lhs = ["deriv", forms.element(network, parameter, index)]
    return f"{latex(lhs, digits)} = {latex(['terms', count > MAX_TERMS, *terms], digits)} = {latex(['float', value], digits)}"


def _expand(array: np.ndarray, labels: list, order: list) -> np.ndarray:
    """``array`` over ``labels`` as an array over ``order`` (missing axes of length 1)."""
    if not labels:
        return array.reshape((1,) * len(order))
    perm = sorted(range(len(labels)), key=lambda k: order.index(labels[k]))
    array = np.transpose(array, perm)
    present = sorted(labels, key=order.index)
    return array.reshape([array.shape[present.index(s)] if s in present else 1 for s in order])
