"""sympy's LaTeX for derivations: a ``LatexPrinter`` subclass with the lesson's notation.

This is the reference for nntrace's own printer (``notation``), which is what derivations show:
on a cache miss ``convert`` prints every formula with both and requires the same text.

Names follow the tensor table: ``l2`` prints as ``l^{(2)}``, ``w0`` and the matrix ``W0`` as
``w^{(0)}``, the inputs ``x``/``X`` as ``l^{(0)}`` (one symbol per quantity), ``delta2`` as
``\\delta^{(2)}``; derivatives use ∂; elementwise products use ⊙;
numbers print with a chosen number of significant digits. Two small expression classes carry
the layout sympy has no node for: ``Chain`` (a product of chain-rule factors kept in chain
order, joined by ``\\cdot``) and ``Terms`` (a long sum shown with ``\\cdots``).
"""

from __future__ import annotations

import re

import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from sympy.printing.latex import LatexPrinter
from sympy.printing.precedence import PRECEDENCE

_NAME = re.compile(r"^(l|w|b|z|W|delta)(\d+)$")
_BASES = {"l": "l", "w": "w", "b": "b", "z": "z", "W": "w", "delta": r"\delta"}
_SAME = {"x": "l^{(0)}", "X": "l^{(0)}", "Y": "y"}   # one symbol per quantity (``notation._SAME``)


class Chain(sp.Expr):
    """An unevaluated product of chain-rule factors, printed in the order given."""

    is_commutative = True


class Terms(sp.Expr):
    """An unevaluated sum; ``Terms(t0, t1, …, Integer(k))`` shows the terms with ``\\cdots`` before
    the last one when ``k`` is 1 (the middle terms were left out)."""

    is_commutative = True


class DerivationPrinter(LatexPrinter):
    """The lesson's LaTeX: ∂ for derivatives, ⊙ for elementwise products, ``l^{(1)}_{nj}`` names.

    Settings beyond ``LatexPrinter``'s: ``digits`` (significant digits of floats, default 6) and
    ``elementwise`` (print products and powers of matrix-valued symbols with ⊙).
    """

    printmethod = "_nntrace_latex"
    _default_settings = {**LatexPrinter._default_settings, "digits": 6, "elementwise": False}

    # -- names -------------------------------------------------------------------------------
    @staticmethod
    def base_name(name: str) -> str:
        """``"l2"`` → ``l^{(2)}``; ``"delta1"`` → ``\\delta^{(1)}``; other names unchanged."""
        if name in _SAME:
            return _SAME[name]
        match = _NAME.match(name)
        if match is None:
            return name
        return f"{_BASES[match.group(1)]}^{{({match.group(2)})}}"

    def _print_Symbol(self, expr, style="plain"):
        if _NAME.match(expr.name) or len(expr.name) == 1:
            return self.base_name(expr.name)
        return super()._print_Symbol(expr, style)

    def _print_MatrixSymbol(self, expr):
        return self.base_name(expr.name)

    def _print_IndexedBase(self, expr):
        return self.base_name(str(expr.label))

    def _print_Indexed(self, expr):
        base = self.base_name(str(expr.base.label))
        indices = [self._print(i) for i in expr.indices]
        glue = "" if all(len(i) == 1 and i.isalpha() for i in indices) else ","
        return f"{base}_{{{glue.join(indices)}}}"

    # -- calculus ------------------------------------------------------------------------------
    def _print_Derivative(self, expr):
        variables = " ".join(rf"\partial {self._print(v)}" for v, _ in expr.variable_count)
        return rf"\frac{{\partial {self._print(expr.expr)}}}{{{variables}}}"

    def _print_Sum(self, expr):
        sums = " ".join(rf"\sum_{{{self._print(limit[0])}}}" for limit in expr.limits)
        return f"{sums} {self._print(expr.function)}"

    def _print_Heaviside(self, expr, exp=None):
        return rf"\left[{self._print(expr.args[0])} > 0\right]"

    # -- layout --------------------------------------------------------------------------------
    def _print_Chain(self, expr):
        parts = []
        for position, factor in enumerate(expr.args):
            text = self._print(factor)
            if isinstance(factor, sp.Add) or ((position or isinstance(factor, sp.Number)) and text.startswith("-")):
                text = rf"\left({text}\right)"
            parts.append(text)
        return r" \cdot ".join(parts)

    def _print_Terms(self, expr):
        *terms, skipped = expr.args
        texts = [self._print(t) for t in terms]
        if skipped:
            texts.insert(len(texts) - 1, r"\cdots")
        out = texts[0]
        for text in texts[1:]:
            out += f" - {text[1:]}" if text.startswith("-") else f" + {text}"
        return out

    def _print_Float(self, expr):
        text = f"{float(expr):.{self._settings['digits']}g}"
        mantissa, _, exponent = text.partition("e")
        if not exponent:
            return text
        return rf"{mantissa} \cdot 10^{{{int(exponent)}}}"

    # -- matrices ------------------------------------------------------------------------------
    def _print_Transpose(self, expr):
        inner = self._print(expr.arg)
        return rf"{{{inner}}}^{{\top}}" if "^" in inner else rf"{inner}^{{\top}}"

    def _print_OneMatrix(self, expr):
        # a row of ones is the transpose of the column 1 that sums over the samples
        return r"\mathbf{1}^{\top}" if expr.rows == 1 else r"\mathbf{1}"

    def _print_HadamardProduct(self, expr):
        parts = []
        for arg in expr.args:
            text = self._print(arg)
            if isinstance(arg, (sp.MatAdd, sp.MatMul, sp.Add, sp.Mul)):
                text = rf"\left({text}\right)"
            parts.append(text)
        return r" \odot ".join(parts)

    def _print_ElementwiseApplyFunction(self, expr):
        # print f(A) elementwise: the scalar body with the matrix written in place of its variable
        variable = expr.function.variables[0]
        body = expr.function.expr.xreplace({variable: sp.Symbol(expr.expr.name)})
        inner = self._print_elementwise(body)
        return rf"\left({inner}\right)" if isinstance(body, sp.Add) else inner

    def _print_elementwise(self, expr) -> str:
        saved = self._settings["elementwise"]
        self._settings["elementwise"] = True
        try:
            return self._print(expr)
        finally:
            self._settings["elementwise"] = saved

    def _print_Mul(self, expr):
        if not self._settings["elementwise"]:
            return self._print_plain_Mul(expr)
        coeff, rest = expr.as_coeff_mul()
        factors = [self.parenthesize(f, PRECEDENCE["Mul"], strict=True) for f in rest]
        text = r" \odot ".join(factors)
        if coeff == -1:
            return f"-{text}"
        return text if coeff == 1 else f"{self._print(coeff)} {text}"

    def _print_plain_Mul(self, expr):
        # a(1 − a), not (1 − a)a: factors before parenthesised sums, as the lessons write them
        sums = [f for f in expr.args if isinstance(f, sp.Add)]
        if not sums or len(sums) == len(expr.args) or any(f.is_Pow and f.exp.is_negative for f in expr.args):
            return super()._print_Mul(expr)
        others = [f for f in expr.args if not isinstance(f, sp.Add)]
        coeff, others = (others[0], others[1:]) if others[0].is_Number else (sp.S.One, others)
        parts = [self.parenthesize(f, PRECEDENCE["Mul"], strict=True) for f in others]
        parts += [rf"\left({self._print(f)}\right)" for f in sums]
        text = " ".join(parts)
        if coeff == -1:
            return f"- {text}"
        return text if coeff == 1 else f"{self._print(coeff)} {text}"

    def _print_Pow(self, expr):
        if expr.exp.is_Integer and expr.exp > 1 and isinstance(expr.base, (sp.Indexed, sp.Symbol)):
            base = self._print(expr.base)
            if self._settings["elementwise"]:
                return r" \odot ".join([base] * int(expr.exp))
            if "^" in base:
                return f"{{{base}}}^{{{self._print(expr.exp)}}}"
        return super()._print_Pow(expr)

    def _print_MatAdd(self, expr):
        # l − Y rather than −Y + l: terms with a minus sign last
        terms = sorted(expr.args, key=lambda t: t.could_extract_minus_sign())
        out = self._print(terms[0])
        for term in terms[1:]:
            if term.could_extract_minus_sign():
                out += f" - {self._print(-term)}"
            else:
                out += f" + {self._print(term)}"
        return out


def latex(expr, digits: int = 6, **settings) -> str:
    """``expr`` in the lesson's LaTeX (``Chain`` products keep the order given)."""
    return DerivationPrinter({"digits": digits, **settings}).doprint(expr)


def elementwise(function: sp.Lambda, matrix: sp.MatrixSymbol) -> ElementwiseApplyFunction:
    """``f(A)`` applied to each element of ``matrix``, for matrix forms such as δ = e ⊙ f'(l)."""
    return ElementwiseApplyFunction(function, matrix)
