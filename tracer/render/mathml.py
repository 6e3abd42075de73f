"""LaTeX to MathML on our side (latex2mathml), so a page needs no JavaScript and no network.

MathML has no automatic line breaking in browsers, so a long formula would run past the page.
``formula_html`` therefore cuts a formula at its top-level operators (before each ``=``, binary
``+``/``-`` and ``\\cdot``), converts each piece to its own ``<math>``, and joins the pieces with
``<wbr>``: the browser keeps them on one line when they fit and wraps between them when they do
not, on any screen and on paper. A piece is an operand with the operator in front of it, so a
continued line starts with its operator, as in print. Nothing inside braces, ``\\left…\\right`` or
an environment (a matrix) is ever cut.

latex2mathml leaves a macro it does not know as text (``<mi>\\foo</mi>``) and mangles
``aligned``; both would show the reader raw LaTeX, so either one is an error, not a warning. It
also copies the argument of ``\\text``/``\\mbox`` into ``<mtext>`` unescaped: those characters are
protected before the conversion and written as entities after it, and the result must be
well-formed XML (the sanitizer and the width estimate read it).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from functools import lru_cache

from tracer.errors import TracerError
from tracer.render.mathwidth import width_em

#: Operators before which a formula may wrap, when they stand at its top level.
RELATIONS = frozenset({"=", "<", ">", r"\approx", r"\leftarrow", r"\rightarrow", r"\to", r"\le", r"\leq",
                       r"\ge", r"\geq", r"\neq", r"\equiv", r"\Rightarrow", r"\mapsto"})
ADDITIVE = frozenset({"+", "-", r"\pm", r"\mp"})
MULTIPLICATIVE = frozenset({r"\cdot", r"\odot"})
#: Tokens after which a ``+`` or ``-`` is a sign (unary), not a binary operator.
_NOT_OPERAND = RELATIONS | ADDITIVE | MULTIPLICATIVE | {r"\times", "(", "[", "^", "_", "&", ","}
#: An inline piece wider than this (em) may shrink to fit its paragraph (a matrix in a sentence).
WIDE_INLINE = 12.0
_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|\s+|.", re.S)
#: A minus or plus right after an operator or an opening bracket is a sign: set it tight to its number.
_SIGN = re.compile(r'(<mo(?![^>]*form="postfix")[^>]*>(?!&#x00029;|&#x0005D;|&#x0007C;|&#x0007D;)[^<]*</mo>)'
                   r'<mo>(&#x02212;|&#x0002B;)</mo>')


#: Text-mode macros whose argument latex2mathml copies as is.
_TEXT_MACRO = re.compile(r"\\(?:text|textrm|textbf|textit|textsf|texttt|mbox)\s*\{")
#: Markup characters inside a text-mode argument: a private-use stand-in during the conversion,
#: then an entity.
_PROTECT = {"<": "\ue000", ">": "\ue001", "&": "\ue002", '"': "\ue003", "'": "\ue004"}
_ENTITY = {"\ue000": "&lt;", "\ue001": "&gt;", "\ue002": "&amp;", "\ue003": "&quot;", "\ue004": "&#x27;"}


class MathError(TracerError):
    """A LaTeX string that latex2mathml cannot convert faithfully."""


def split_formula(latex: str) -> list[str]:
    r"""Cut ``latex`` before each operator at its top level; the pieces join back to ``latex``.

    A ``+`` or ``-`` after another operator (or at the start) is a sign and stays with its number.

    >>> split_formula(r"z = a \cdot (-0.5) + \left(b - c\right) - 1")
    ['z ', '= a ', '\\cdot (-0.5) ', '+ \\left(b - c\\right) ', '- 1']
    >>> split_formula(r"w^{(0)} = \begin{bmatrix} 1 & -2 \end{bmatrix}")
    ['w^{(0)} ', '= \\begin{bmatrix} 1 & -2 \\end{bmatrix}']
    """
    pieces: list[str] = []
    current: list[str] = []
    depth = 0
    previous = ""  # the last significant token at the top level
    for token in _TOKEN.findall(latex):
        if token.isspace():
            current.append(token)
            continue
        if depth == 0 and "".join(current).strip() and _breaks_before(token, previous):
            pieces.append("".join(current))
            current = []
        current.append(token)
        if token in ("{", r"\left", r"\begin"):
            depth += 1
        elif token in ("}", r"\right", r"\end"):
            depth -= 1
        if depth == 0:
            previous = token
    if "".join(current).strip() or not pieces:
        pieces.append("".join(current))
    return pieces


def _breaks_before(token: str, previous: str) -> bool:
    if token in RELATIONS or token in MULTIPLICATIVE:
        return True
    return token in ADDITIVE and previous not in _NOT_OPERAND


@lru_cache(maxsize=4096)   # a formula recurs across a lesson's languages and documents
def formula_html(latex: str, display: bool = False) -> str:
    """``latex`` as one ``<math>`` per piece of ``split_formula``, joined by ``<wbr>`` (a place
    where the line may wrap). ``display`` sets the pieces in display style (large sums, fractions).

    >>> formula_html("a = b")
    '<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline"><mrow><mi>a</mi></mrow></math><wbr><math xmlns="http://www.w3.org/1998/Math/MathML" display="inline"><mrow><mo form="infix">&#x0003D;</mo><mi>b</mi></mrow></math>'
    """
    if r"\begin{aligned}" in latex:
        raise MathError(f"latex2mathml mangles 'aligned': write one formula per line instead of {latex!r}")
    out = []
    for i, piece in enumerate(split_formula(latex)):
        mathml = _piece(piece.strip(), display, lead=i > 0)
        width = width_em(mathml) * 1.1
        out.append(mathml if width <= WIDE_INLINE else
                   f'<span class="nntrace-fit" style="--nntrace-fit: {width:.1f}">{mathml}</span>')
    return "<wbr>".join(out)


@lru_cache(maxsize=4096)
def display_html(latex: str) -> str:
    """A display formula as a block: its pieces (``formula_html``) in a ``nntrace-eq`` line, and
    ``--nntrace-fit``, the width in em its widest piece needs (plus the indent of a continued line),
    which the page CSS uses to shrink the type of a formula whose single piece, a wide matrix, is
    wider than the column (``font-size: min(1em, 100cqi / fit)``)."""
    pieces = [piece.strip() for piece in split_formula(latex)]
    mathml = [_piece(piece, True, lead=i > 0) for i, piece in enumerate(pieces)]
    fit = max(width_em(m) for m in mathml) * 1.05 * 1.1 + 2.0
    return (f'<div class="nntrace-math" style="--nntrace-fit: {fit:.1f}"><span class="nntrace-eq">'
            f'{"<wbr>".join(mathml)}</span></div>\n')


@lru_cache(maxsize=8192)
def _piece(latex: str, display: bool, lead: bool) -> str:
    out = to_mathml(latex, display)
    if display:
        out = out.replace(' display="block">', ' display="inline" displaystyle="true">', 1)
    if lead:  # an operator opening a continued piece keeps its spacing as a binary operator
        out = out.replace("><mrow><mo>", '><mrow><mo form="infix">', 1)
    return _SIGN.sub(r'\1<mo form="prefix">\2</mo>', out)


@lru_cache(maxsize=4096)
def to_mathml(latex: str, display: bool = False) -> str:
    """Convert one formula to a ``<math>`` element; ``display`` makes it a block.

    Raises
    ------
    MathError
        When the conversion fails or leaves LaTeX macros behind as text.

    >>> to_mathml("x^2")
    '<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline"><mrow><msup><mi>x</mi><mn>2</mn></msup></mrow></math>'
    """
    from latex2mathml.converter import convert

    if r"\begin{aligned}" in latex:
        raise MathError(f"latex2mathml mangles 'aligned': write one formula per line instead of {latex!r}")
    if any(ch in latex for ch in _ENTITY):
        raise MathError(f"LaTeX {latex!r} holds a private-use character (U+E000-U+E004): remove it")
    try:
        out = convert(_protect_text(latex), display="block" if display else "inline")
    except Exception as exc:  # latex2mathml raises bare exceptions of several kinds
        raise MathError(f"cannot convert LaTeX {latex!r} to MathML: {exc}") from None
    for stand_in, entity in _ENTITY.items():
        out = out.replace(stand_in, entity)
    try:
        ET.fromstring(out)
    except ET.ParseError:
        raise MathError(f"LaTeX {latex!r} does not convert to well-formed MathML: remove markup characters") from None
    if "<mi>\\" in out or "<mo>\\" in out or "<mtext>\\" in out:
        start = out.find(">\\") + 1
        bad = out[start:out.find("<", start)]
        raise MathError(f"latex2mathml does not know the macro {bad!r} in {latex!r}: use a supported macro")
    return out


def _protect_text(latex: str) -> str:
    """``latex`` with the markup characters inside text-mode arguments replaced by stand-ins.

    >>> _protect_text(r"x + \\text{<b>}") == "x + \\\\text{\\ue000b\\ue001}"
    True
    """
    out, pos = [], 0
    for match in _TEXT_MACRO.finditer(latex):
        if match.start() < pos:
            continue
        start = match.end()
        depth, end = 1, start
        while end < len(latex) and depth:
            depth += {"{": 1, "}": -1}.get(latex[end], 0)
            end += 1
        out.append(latex[pos:start])
        out.append("".join(_PROTECT.get(ch, ch) for ch in latex[start:end]))
        pos = end
    out.append(latex[pos:])
    return "".join(out)
