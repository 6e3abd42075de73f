"""nntrace's own printer: LaTeX and one-line terminal text of expression trees (no sympy).

It prints the node types of ``tracer.symbolic.tree`` the way sympy's ``LatexPrinter`` with the
lesson's notation (``tracer.symbolic.printing``) does, so a warm run, which never imports sympy,
shows the same formulas as a cold one; the cold path compares the two. Names come only from
nntrace's own tensor names (``l2`` → ``l^{(2)}``, ``delta1`` → ``\\delta^{(1)}``), never from a file.

Besides those node types it knows a few layout nodes, built in code and never read from the cache:

``["eq", lhs, rhs]``, ``["deriv", var]`` (∂E/∂var), ``["sum", [letters], body]``,
``["chain", f, …]`` (factors joined by ·, in chain order), ``["terms", skipped, t, …]`` (a long sum
with ⋯ before the last term when ``skipped``), ``["float", x]`` (``digits`` significant digits),
and for matrix forms ``["mat", name]``, ``["T", m]``, ``["ones"]`` (the row 𝟏ᵀ), ``["matmul", …]``,
``["hadamard", …]`` and ``["ew", tree]`` (a scalar tree printed elementwise, products as ⊙).
"""

from __future__ import annotations

import re

from tracer.symbolic.tree import Tree, is_num

_NAME = re.compile(r"^(l|w|b|z|W|delta)(\d+)$")
_BASES = {"l": "l", "w": "w", "b": "b", "z": "z", "W": "w", "delta": r"\delta"}
#: One symbol per quantity, as the lesson writes it: the inputs are layer 0's output (``x``, ``X``
#: → ``l^{(0)}``), the target matrix is ``y`` like its elements, a weight matrix ``w`` like its elements.
_SAME = {"x": "l^{(0)}", "X": "l^{(0)}", "Y": "y"}
_PLAIN = re.compile(r"^(?:[A-Za-z]|[xy]|N)$")


def base_name(name: str) -> str:
    """``"l2"`` → ``l^{(2)}``; ``"delta1"`` → ``\\delta^{(1)}``; ``"x"`` → ``l^{(0)}``; other
    one-letter names unchanged."""
    if name in _SAME:
        return _SAME[name]
    match = _NAME.match(name)
    if match is not None:
        return f"{_BASES[match.group(1)]}^{{({match.group(2)})}}"
    if _PLAIN.match(name):
        return name
    raise ValueError(f"{name!r} is not a name nntrace prints")


def _index(index: object) -> str:
    if isinstance(index, int):
        return str(index)
    if isinstance(index, str) and re.match(r"^[a-z]$", index):
        return index
    match = re.match(r"^([a-z])_(\d+)$", str(index))
    if match is None:
        raise ValueError(f"{index!r} is not an index nntrace prints")
    return f"{match.group(1)}_{{{match.group(2)}}}"


def latex(tree: Tree, digits: int = 6) -> str:
    """``tree`` in the lesson's LaTeX."""
    return _Latex(digits).print(tree)


class _Latex:
    def __init__(self, digits: int, elementwise: bool = False):
        self.digits = digits
        self.elementwise = elementwise

    def print(self, tree: Tree) -> str:
        return getattr(self, f"_{tree[0]}")(tree)

    # -- scalar nodes -------------------------------------------------------------------------------
    def _num(self, tree: Tree) -> str:
        p, q = tree[1], tree[2]
        if q == 1:
            return str(p)
        return f"- \\frac{{{-p}}}{{{q}}}" if p < 0 else f"\\frac{{{p}}}{{{q}}}"

    def _sym(self, tree: Tree) -> str:
        return base_name(tree[1])

    def _idx(self, tree: Tree) -> str:
        indices = [_index(i) for i in tree[2:]]
        glue = "" if all(len(i) == 1 and i.isalpha() for i in indices) else ","
        return f"{base_name(tree[1])}_{{{glue.join(indices)}}}"

    def _mat(self, tree: Tree) -> str:
        return base_name(tree[1])

    def _step(self, tree: Tree) -> str:
        return rf"\left[{self.print(tree[1])} > 0\right]"

    def _add(self, tree: Tree) -> str:
        out = ""
        for position, term in enumerate(tree[1:]):
            negative = _is_negative(term)
            if position:
                out += " - " if negative else " + "
            elif negative:
                out += "-" if self.elementwise else "- "
            text = self.print(_negate(term) if negative else term)
            out += rf"\left({text}\right)" if term[0] == "add" else text
        return out

    def _pow(self, tree: Tree) -> str:
        base, exponent = tree[1], tree[2][1]
        if exponent < 0:
            return rf"\frac{{1}}{{{self._pow(['pow', base, ['num', -exponent, 1]]) if exponent != -1 else self.print(base)}}}"
        text = self.print(base)
        if self.elementwise and base[0] in ("sym", "idx", "mat"):
            return r" \odot ".join([text] * exponent)
        if base[0] not in ("sym", "idx", "mat", "num"):
            text = rf"\left({text}\right)"
        elif "^" in text:
            text = f"{{{text}}}"
        return f"{text}^{{{exponent}}}"

    def _mul(self, tree: Tree) -> str:
        args = tree[1:]
        coeff = args[0] if is_num(args[0]) else ["num", 1, 1]
        rest = args[1:] if is_num(args[0]) else args
        sign, p, q = ("-" if coeff[1] < 0 else ""), abs(coeff[1]), coeff[2]
        if self.elementwise:
            text = r" \odot ".join(self._factor(f) for f in rest)
            prefix = "-" if sign else ""
            return prefix + (text if p == q == 1 else f"{self._num(['num', p, q])} {text}")
        below = [["pow", f[1], ["num", -f[2][1], 1]] if f[2][1] != -1 else f[1]
                 for f in rest if f[0] == "pow" and f[2][1] < 0]
        above = [f for f in rest if not (f[0] == "pow" and f[2][1] < 0)]
        if below:
            top = " ".join(([str(p)] if p != 1 or not above else []) + [self._factor(f) for f in above])
            bottom = " ".join(([str(q)] if q != 1 else []) + [self._factor(f) for f in below])
            return f"{'- ' if sign else ''}\\frac{{{top}}}{{{bottom}}}"
        text = " ".join(self._factor(f) for f in rest)
        if q != 1:
            return f"{'- ' if sign else ''}\\frac{{{p if p != 1 else ''}{' ' if p != 1 else ''}{text}}}{{{q}}}"
        return f"{'- ' if sign else ''}{'' if p == 1 else str(p) + ' '}{text}"

    def _factor(self, tree: Tree) -> str:
        text = self.print(tree)
        return rf"\left({text}\right)" if tree[0] == "add" else text

    # -- layout nodes -------------------------------------------------------------------------------
    def _eq(self, tree: Tree) -> str:
        return f"{self.print(tree[1])} = {self.print(tree[2])}"

    def _deriv(self, tree: Tree) -> str:
        return rf"\frac{{\partial E}}{{\partial {self.print(tree[1])}}}"

    def _sum(self, tree: Tree) -> str:
        sums = " ".join(rf"\sum_{{{_index(letter)}}}" for letter in tree[1])
        return f"{sums} {self.print(tree[2])}"

    def _chain(self, tree: Tree) -> str:
        parts = []
        for position, factor in enumerate(tree[1:]):
            text = self.print(factor)
            # a negative factor keeps its parentheses, the first one too: in a sum of chains a
            # leading minus would read as a subtraction
            if factor[0] == "add" or ((position or factor[0] in ("float", "num")) and text.startswith("-")):
                text = rf"\left({text}\right)"
            parts.append(text)
        return r" \cdot ".join(parts)

    def _terms(self, tree: Tree) -> str:
        texts = [self.print(t) for t in tree[2:]]
        if tree[1]:
            texts.insert(len(texts) - 1, r"\cdots")
        out = texts[0]
        for text in texts[1:]:
            out += f" - {text[1:]}" if text.startswith("-") else f" + {text}"
        return out

    def _float(self, tree: Tree) -> str:
        text = f"{tree[1] + 0.0:.{self.digits}g}"
        mantissa, _, exponent = text.partition("e")
        return rf"{mantissa} \cdot 10^{{{int(exponent)}}}" if exponent else text

    def _T(self, tree: Tree) -> str:
        inner = self.print(tree[1])
        return rf"{{{inner}}}^{{\top}}" if "^" in inner else rf"{inner}^{{\top}}"

    def _ones(self, tree: Tree) -> str:
        return r"\mathbf{1}^{\top}"

    def _matmul(self, tree: Tree) -> str:
        return " ".join(self._factor(f) for f in tree[1:])

    def _hadamard(self, tree: Tree) -> str:
        parts = []
        for arg in tree[1:]:
            text = self.print(arg)
            parts.append(rf"\left({text}\right)" if arg[0] in ("add", "mul", "matmul") else text)
        return r" \odot ".join(parts)

    def _ew(self, tree: Tree) -> str:
        inner = _Latex(self.digits, elementwise=True).print(tree[1])
        return rf"\left({inner}\right)" if tree[1][0] == "add" else inner


def _is_negative(tree: Tree) -> bool:
    if tree[0] == "num":
        return tree[1] < 0
    return tree[0] == "mul" and is_num(tree[1]) and tree[1][1] < 0


def _negate(tree: Tree) -> Tree:
    if tree[0] == "num":
        return ["num", -tree[1], tree[2]]
    coeff = ["num", -tree[1][1], tree[1][2]]
    rest = tree[2:]
    if coeff[1:] == [1, 1]:
        return rest[0] if len(rest) == 1 else ["mul", *rest]
    return ["mul", coeff, *rest]


# -- one-line text for the terminal ------------------------------------------------------------------

_SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def text(tree: Tree) -> str:
    """``tree`` as one line of plain text: ``∂E/∂w1[j] = Σ_n (l2[n] − y[n])·l2[n]·(1 − l2[n])·l1[n,j]``."""
    kind = tree[0]
    if kind == "num":
        return str(tree[1]) if tree[2] == 1 else f"{tree[1]}/{tree[2]}"
    if kind in ("sym", "mat"):
        return tree[1]
    if kind == "idx":
        return f"{tree[1]}[{','.join(str(i) for i in tree[2:])}]"
    if kind == "step":
        return f"[{text(tree[1])} > 0]"
    if kind == "pow":
        base = text(tree[1])
        base = base if tree[1][0] in ("sym", "idx") else f"({base})"
        exponent = tree[2][1]
        if exponent < 0:
            return "1/" + base + (str(-exponent).translate(_SUPERSCRIPTS) if exponent != -1 else "")
        return base + str(exponent).translate(_SUPERSCRIPTS)
    if kind == "add":
        out = ""
        for position, term in enumerate(tree[1:]):
            negative = _is_negative(term)
            out += (" − " if negative else " + ") if position else ("−" if negative else "")
            out += text(_negate(term) if negative else term)
        return out
    if kind == "mul":
        return _text_mul(tree)
    if kind == "chain":
        return "·".join(f"({text(f)})" if f[0] == "add" else text(f) for f in tree[1:])
    if kind == "eq":
        return f"{text(tree[1])} = {text(tree[2])}"
    if kind == "deriv":
        return f"∂E/∂{text(tree[1])}"
    if kind == "sum":
        return " ".join(f"Σ_{letter}" for letter in tree[1]) + f" {text(tree[2])}"
    raise ValueError(f"no text form for {kind!r}")


def _text_mul(tree: Tree) -> str:
    """``a·(1 − a)``, ``−x``, ``1/(2·N)``: a number first, factors with negative powers below."""
    args = tree[1:]
    p, q = (args[0][1], args[0][2]) if is_num(args[0]) else (1, 1)
    rest = args[1:] if is_num(args[0]) else args
    above = [f"({text(f)})" if f[0] == "add" else text(f) for f in rest if not (f[0] == "pow" and f[2][1] < 0)]
    below = [text(["pow", f[1], ["num", -f[2][1], 1]] if f[2][1] != -1 else f[1]) for f in rest
             if f[0] == "pow" and f[2][1] < 0]
    top = "·".join(([str(abs(p))] if abs(p) != 1 or not above else []) + above)
    bottom = ([str(q)] if q != 1 else []) + below
    if bottom:
        top += "/" + (bottom[0] if len(bottom) == 1 else "(" + "·".join(bottom) + ")")
    return ("−" if p < 0 else "") + top
