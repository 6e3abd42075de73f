"""The cold path: sympy derives the chains, and they become trees (``tracer.symbolic.tree``).

``build_chains`` runs on a cache miss. It derives every factor with ``sympy.diff``
(``tracer.symbolic.chain``), turns each into a tree in the order sympy prints it, and checks that
the tree turns back into the very same sympy expression, so the tree is the expression that is
proved. It also prints every formula both ways, with sympy's ``LatexPrinter`` (``printing``) and
with nntrace's own printer (``notation``), and requires the same text: warm runs, which never import
sympy, show what sympy would have shown.
"""

from __future__ import annotations

import sympy as sp

from tracer.config import Network
from tracer.errors import DerivationError, Disagreement
from tracer.symbolic import forms
from tracer.symbolic.chain import N, ChainSpec, build
from tracer.symbolic.notation import latex
from tracer.symbolic.tree import Tree


def to_tree(expr: sp.Expr) -> Tree:
    """``expr`` as a tree, sums and products in the order the lesson's printer writes them."""
    if isinstance(expr, sp.Rational):
        return ["num", int(expr.p), int(expr.q)]
    if isinstance(expr, sp.Indexed):
        return ["idx", str(expr.base.label), *[str(i) for i in expr.indices]]
    if isinstance(expr, sp.Symbol):
        return ["sym", expr.name]
    if isinstance(expr, sp.Add):
        return ["add", *[to_tree(t) for t in expr.as_ordered_terms()]]
    if isinstance(expr, sp.Mul):
        coeff, rest = expr.as_coeff_mul()
        factors = [f for f in expr.as_ordered_factors() if not f.is_Number]
        sums = [f for f in factors if isinstance(f, sp.Add)]
        # the lesson's printer writes a(1 − a): factors before parenthesised sums
        if sums and len(sums) < len(factors) and not any(f.is_Pow and f.exp.is_negative for f in factors):
            factors = [f for f in factors if not isinstance(f, sp.Add)] + sums
        head = [] if coeff == 1 else [to_tree(coeff)]
        return ["mul", *head, *[to_tree(f) for f in factors]]
    if isinstance(expr, sp.Pow) and expr.exp.is_Integer:
        return ["pow", to_tree(expr.base), ["num", int(expr.exp), 1]]
    if isinstance(expr, sp.Heaviside) and expr.args[1:] == (0,):
        return ["step", to_tree(expr.args[0])]
    raise DerivationError(f"a derived factor has a form nntrace cannot cache: {sp.srepr(expr)[:80]}; "
                          "this is a bug, please report it with the config")


def to_sympy(tree: Tree) -> sp.Expr:
    """The sympy expression of ``tree`` (symbols with the assumptions ``chain`` gives them)."""
    kind, args = tree[0], tree[1:]
    if kind == "num":
        return sp.Rational(args[0], args[1])
    if kind == "sym":
        return N if args[0] == "N" else sp.Symbol(args[0], real=True)
    if kind == "idx":
        return sp.IndexedBase(args[0], real=True)[tuple(sp.Symbol(i, integer=True) for i in args[1:])]
    if kind == "add":
        return sp.Add(*[to_sympy(a) for a in args])
    if kind == "mul":
        return sp.Mul(*[to_sympy(a) for a in args])
    if kind == "pow":
        return sp.Pow(to_sympy(args[0]), to_sympy(args[1]))
    return sp.Heaviside(to_sympy(args[0]), 0)


def spec_of(chains: forms.Chains, parameter: str) -> ChainSpec:
    """The sympy ``ChainSpec`` of one parameter's cached trees (for the symbolic proof)."""
    network = chains.network
    symbol = lambda s: None if s is None else sp.Symbol(s, integer=True)  # noqa: E731
    return ChainSpec(
        parameter=parameter,
        element=to_sympy(forms.element(network, parameter)),
        fixed=tuple(symbol(s) for s in forms.fixed_indices(network, parameter)),
        summed=tuple(symbol(s) for s in forms.summed_indices(network, parameter)),
        factors=[(name, to_sympy(tree)) for name, tree in chains.factors[parameter]],
    )


def build_chains(network: Network) -> forms.Chains:
    """Derive ``network``'s chains with sympy and return them as checked trees."""
    arch = build(network)
    factors = {}
    for parameter, spec in arch.chains.items():
        names = [name for name, _ in spec.factors]
        if names != forms.factor_names(network, parameter):
            _bug(f"the factors of {parameter} are {names}, expected {forms.factor_names(network, parameter)}")
        trees = []
        for name, expr in spec.factors:
            tree = to_tree(expr)
            if to_sympy(tree) != expr:
                _bug(f"factor {name} of {parameter} does not survive its tree: {sp.srepr(expr)[:80]}")
            trees.append((name, tree))
        factors[parameter] = trees
    chains = forms.Chains(network, factors)
    _same_printing(arch, chains)
    return chains


def _same_printing(arch, chains: forms.Chains) -> None:
    """Every formula printed by sympy's printer and by nntrace's own must be the same text."""
    from tracer.symbolic.printing import latex as sympy_latex

    network = chains.network
    pairs = []
    for parameter, spec in arch.chains.items():
        trees = chains.factors[parameter]
        pairs.append((spec.latex, latex(forms.general(network, parameter, trees))))
        pairs.append((spec.matrix_latex, latex(forms.gradient_matrix(parameter))))
        pairs += [(sympy_latex(expr), latex(tree)) for (_, expr), (_, tree) in zip(spec.factors, trees)]
    for old, new in zip(arch.deltas, forms.deltas(chains)):
        pairs += [(old["latex"], latex(new["tree"])), (old["matrix_latex"], latex(new["matrix_tree"]))]
    for expected, printed in pairs:
        if expected != printed:
            _bug(f"nntrace's printer wrote {printed!r} where sympy writes {expected!r}")


def _bug(message: str) -> None:
    raise Disagreement(f"{message}; this is a bug, please report it with the config")


__all__ = ["build_chains", "spec_of", "to_sympy", "to_tree"]
