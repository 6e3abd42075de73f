"""``derive``: the chain rule for chosen parameter elements, checked three ways against a trace.

1. get a trace that covers the iteration (run the trainer if given a config);
2. get the architecture's derivation (process cache, disk cache, or sympy);
3. per element: evaluate the derived expression on the trace's numbers, compare it with numpy's
   gradient and a finite difference, prove the symbolic identity on small networks;
4. return plain ``Derivation`` objects (strings and numbers only).
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from tracer.config import Config, load_config
from tracer.errors import DerivationError, Disagreement
from tracer.symbolic import cache
from tracer.symbolic.chain import E, Architecture, leaf
from tracer.symbolic.model import Derivation, Factor
from tracer.symbolic.numeric import (
    DERIVED_TOL, FD_TOL, compile_chain, derived_value, finite_difference, relative, tensors,
)
from tracer.symbolic.printing import Chain, Terms, latex
from tracer.symbolic.proof import is_small, prove
from tracer.symbolic.weights import element_name, select
from tracer.trace import Trace

MAX_TERMS = 8   # longer substituted sums show their first terms, ⋯ and the last one


def derive(config_or_trace, weight=None, iteration=None, *, digits: int = 6) -> list[Derivation]:
    """See ``tracer.symbolic.derive`` (the public entry point)."""
    trace, iteration = trace_for(config_or_trace, iteration)
    network = trace.config.network
    chosen = select(network, weight)
    arch = cache.architecture(network)
    arrays = tensors(trace, iteration)
    return [derive_element(arch, trace, arrays, parameter, index, iteration, digits)
            for parameter, index in chosen]


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


def derive_element(arch: Architecture, trace: Trace, arrays: dict, parameter: str, index: tuple[int, ...],
                   iteration: int, digits: int) -> Derivation:
    """The checked derivation of one element (raises ``DerivationError`` on any disagreement)."""
    spec = arch.chains[parameter]
    network = arch.network
    compiled = arch.compiled.get(parameter)
    if compiled is None:
        compiled = arch.compiled[parameter] = compile_chain(spec)
    element = {s: i for s, i in zip(spec.fixed, index) if s is not None}
    value, scale, evaluated = derived_value(compiled, arrays, arch.plan, network.layers, element)
    numpy_value = float(np.asarray(trace.get(f"{parameter}_grad", iteration))[index])
    fd, fd_kind = _finite_difference(trace.config, arrays, parameter, index, value)
    name = element_name(parameter, index)
    agree = relative(value, numpy_value, scale) <= DERIVED_TOL and fd_kind is not None
    if not agree:
        raise Disagreement(
            f"the derivation of ∂E/∂{name} disagrees at iteration {iteration}: derived {value!r}, "
            f"numpy {numpy_value!r}, finite difference {fd!r}; this is a bug, please report it with the config"
        )
    proved = _proof(arch, parameter, index, name)
    factors = [_factor(factor_name, expr, values, labels, digits)
               for (factor_name, expr), (values, labels) in zip(spec.factors, evaluated)]
    concrete = leaf(parameter, *[sp.Integer(i) if s is not None else None for s, i in zip(spec.fixed, index)])
    return Derivation(
        weight=name, parameter=parameter, index=tuple(index), iteration=iteration,
        latex=spec.latex, matrix_latex=spec.matrix_latex,
        substituted_latex=substituted(spec, concrete, evaluated, value, digits),
        factors=factors, value=value, numpy_value=numpy_value, finite_difference=fd, agree=agree,
        deltas=[dict(d) for d in arch.deltas], text=spec.text, proved=proved, finite_difference_kind=fd_kind,
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


def _proof(arch: Architecture, parameter: str, index: tuple[int, ...], name: str) -> bool | None:
    if not is_small(arch.network):
        return None
    if name not in arch.proofs:
        if not prove(arch.network, arch.chains[parameter], index):
            raise Disagreement(f"the chain-rule product for ∂E/∂{name} does not simplify to sympy's "
                                  "derivative of E; this is a bug, please report it with the config")
        arch.proofs[name] = True
        cache.save(arch)
    return True


def _factor(name: str, expr: sp.Expr, values: np.ndarray, labels: list, digits: int) -> Factor:
    array = np.asarray(values, dtype=float)
    return Factor(name=name, latex=latex(expr, digits), values=array.ravel().tolist(),
                  indices=tuple(str(s) for s in labels), shape=tuple(array.shape))


def substituted(spec, concrete: sp.Expr, evaluated: list, value: float, digits: int) -> str:
    """``∂E/∂w^{(0)}_{0,0} = (…)·(…) + … = value``: the sum with the trace's numbers written in."""
    labels = list(spec.summed)
    shown = [(np.asarray(v), lab) for (_, expr), (v, lab) in zip(spec.factors, evaluated) if expr != 1]
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
        terms.append(Chain(*[sp.Float(float(f[at])) for f in full]) if full else sp.Float(1.0))
    rhs = Terms(*terms, sp.Integer(int(count > MAX_TERMS)))
    lhs = sp.Derivative(E, concrete)
    return f"{latex(lhs, digits)} = {latex(rhs, digits)} = {latex(sp.Float(value), digits)}"


def _expand(array: np.ndarray, labels: list, order: list) -> np.ndarray:
    """``array`` over ``labels`` as an array over ``order`` (missing axes of length 1)."""
    if not labels:
        return array.reshape((1,) * len(order))
    perm = sorted(range(len(labels)), key=lambda k: order.index(labels[k]))
    array = np.transpose(array, perm)
    present = sorted(labels, key=order.index)
    return array.reshape([array.shape[present.index(s)] if s in present else 1 for s in order])
