"""How wide a ``<math>`` element will be, estimated in em from its MathML, without a browser.

The page CSS needs it to fit a formula whose single piece (a wide matrix) is wider than its
column: the type shrinks just enough (``tracer.render.mathml.display_html``). The estimate errs
on the wide side: characters take their widths in a typical math font, scripts 71 %, every
operator its spacing, every matrix cell its padding.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

SCRIPT = 0.71      # scriptlevel 1 scale
CELL_PAD = 0.8     # mtd padding, 0.4em on each side
#: Operators with thick spacing on both sides (relations and binary operators).
SPACED = set("=<>+−±×·⊙≈≤≥≠≡←→⇒↦⋯")
WIDE = set("−+=<>±×≈≤≥≠≡←→⇒↦∑∏∫⋯…⋱⋮∂")


def char_width(ch: str) -> float:
    """The advance of one character in em (a generous typical value)."""
    if ch in WIDE:
        return 1.35 if ch in "∑∏∫" else 0.8
    if ch in ".,:;'|!()[]{}·":
        return 0.35
    if _is_cjk(ch):
        return 1.0
    if ch.isupper() or ch in "mwMW":
        return 0.75
    return 0.55


def min_text_width(text: str) -> float:
    """The narrowest a line of ``text`` can wrap to, in em: its widest word (a CJK character is a
    word of its own).

    >>> round(min_text_width("mean error 0.0001026"), 2)
    4.75
    """
    words = [w for w in text.split() if w] or [""]
    return max(max((char_width(c) for c in w), default=0.0) if _is_cjk(w[:1]) else
               sum(char_width(c) for c in w) for w in words)


def _is_cjk(ch: str) -> bool:
    return bool(ch) and ("\u4e00" <= ch <= "\u9fff" or "\u3000" <= ch <= "\u30ff" or "\uff00" <= ch <= "\uffef")


def width_em(mathml: str) -> float:
    """The estimated width of a ``<math>`` element in em of its own font size.

    >>> round(width_em('<math><mrow><mi>x</mi><mo>=</mo><mn>0.25</mn></mrow></math>'), 2)
    3.91
    """
    return _width(ET.fromstring(mathml))


def _width(el: ET.Element) -> float:
    tag = el.tag.rsplit("}", 1)[-1]
    kids = list(el)
    if tag in ("mi", "mn", "mtext", "ms"):
        return sum(char_width(c) for c in (el.text or ""))
    if tag == "mo":
        text = el.text or ""
        spaced = text in SPACED and el.get("form") not in ("prefix", "postfix") and el.get("fence") != "true"
        return sum(char_width(c) for c in text) + (0.56 if spaced else 0.1)
    if tag in ("msub", "msup"):
        return _width(kids[0]) + SCRIPT * _width(kids[1]) + 0.05
    if tag == "msubsup":
        return _width(kids[0]) + SCRIPT * max(_width(kids[1]), _width(kids[2])) + 0.05
    if tag in ("munder", "mover", "munderover"):
        return max([_width(kids[0])] + [SCRIPT * _width(k) for k in kids[1:]])
    if tag == "mfrac":
        return max(_width(k) for k in kids) + 0.3
    if tag in ("msqrt", "mroot"):
        return sum(_width(k) for k in kids) + 1.0
    if tag == "mspace":
        return float((el.get("width") or "0em").removesuffix("em") or 0)
    if tag == "mtable":
        columns: list[float] = []
        for row in kids:
            for j, cell in enumerate(row):
                w = _width(cell)
                columns.append(w) if j >= len(columns) else columns.__setitem__(j, max(columns[j], w))
        return sum(columns) + CELL_PAD * len(columns)
    return sum(_width(k) for k in kids)
