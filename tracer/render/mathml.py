"""LaTeX to MathML on our side (latex2mathml), so a page needs no JavaScript and no network.

latex2mathml leaves a macro it does not know as text (``<mi>\\foo</mi>``) and mangles
``aligned``; both would show the reader raw LaTeX, so either one is an error, not a warning.
"""

from __future__ import annotations

from functools import lru_cache

from tracer.errors import TracerError


class MathError(TracerError):
    """A LaTeX string that latex2mathml cannot convert faithfully."""


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
    try:
        out = convert(latex, display="block" if display else "inline")
    except Exception as exc:  # latex2mathml raises bare exceptions of several kinds
        raise MathError(f"cannot convert LaTeX {latex!r} to MathML: {exc}") from None
    if "<mi>\\" in out or "<mo>\\" in out or "<mtext>\\" in out:
        start = out.find(">\\") + 1
        bad = out[start:out.find("<", start)]
        raise MathError(f"latex2mathml does not know the macro {bad!r} in {latex!r}: use a supported macro")
    return out
