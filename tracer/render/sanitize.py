"""MathML that comes back from latex2mathml passes an allowlist before it reaches a page.

latex2mathml copies ``\\text{…}`` into ``<mtext>`` unescaped and turns ``\\href`` into an ``href``
attribute, ``\\style`` into a ``style`` attribute. Every formula is therefore cleaned by ammonia
(through ``nh3``) with MathML presentation elements and layout attributes only: no ``href``, no
``style``, no event handler, no HTML element anywhere inside ``<math>`` (so none inside
``<mtext>``). The page renderer passes every ``$…$`` and ``$$…$$`` through ``safe_formula``; the
page's own wrappers around formula pieces (``span``, ``div``, ``wbr``) keep a class and a numeric
width and nothing else.
"""

from __future__ import annotations

import re
from functools import lru_cache

#: MathML presentation elements a formula may use.
TAGS = frozenset({
    "math", "mrow", "mi", "mn", "mo", "mtext", "mspace", "ms", "msup", "msub", "msubsup", "mfrac", "msqrt",
    "mroot", "mtable", "mtr", "mtd", "mlabeledtr", "mover", "munder", "munderover", "mstyle", "mpadded",
    "mphantom", "menclose", "merror", "mmultiscripts", "mprescripts", "none", "semantics",
})
#: Layout attributes; nothing that links, scripts or styles.
ATTRIBUTES = frozenset({
    "xmlns", "display", "mathvariant", "stretchy", "fence", "separator", "lspace", "rspace", "form",
    "columnalign", "rowalign", "columnspacing", "rowspacing", "columnlines", "rowlines", "frame",
    "framespacing", "displaystyle", "scriptlevel", "width", "height", "depth", "linethickness", "accent",
    "accentunder", "movablelimits", "symmetric", "minsize", "maxsize", "largeop", "notation", "align", "voffset",
})


#: The page's own wrappers around formula pieces (``tracer.render.mathml``): class and a width only.
WRAPPERS = frozenset({"span", "div", "wbr"})
_WRAPPER_VALUE = {"class": re.compile(r"nntrace-[a-z]+( nntrace-[a-z0-9-]+)*"),
                  "style": re.compile(r"--nntrace-fit: [0-9]+(\.[0-9]+)?")}
_MTEXT = re.compile(r"(<mtext[^>]*>)(.*?)(</mtext>)", re.S)
_TAG = re.compile(r"<[^>]*>")


def _wrapper_attribute(element: str, attribute: str, value: str) -> str | None:
    if element in WRAPPERS:
        pattern = _WRAPPER_VALUE.get(attribute)
        return value if pattern is not None and pattern.fullmatch(value) else None
    return value


def clean_mathml(html: str) -> str:
    """``html`` (MathML, possibly inside the page's formula wrappers) with every element and
    attribute outside the allowlist removed, and any markup left inside ``<mtext>`` dropped."""
    out = _cleaner().clean(html)
    return _MTEXT.sub(lambda m: m.group(1) + _TAG.sub("", m.group(2)) + m.group(3), out)


@lru_cache(maxsize=1)
def _cleaner():
    """One configured ``nh3.Cleaner`` (building the allowlist per formula cost a third of the time)."""
    import nh3

    attributes = {tag: set(ATTRIBUTES) for tag in TAGS}
    attributes.update({tag: {"class", "style"} for tag in WRAPPERS})
    return nh3.Cleaner(tags=set(TAGS | WRAPPERS), attributes=attributes, attribute_filter=_wrapper_attribute,
                       url_schemes=set(), link_rel=None, strip_comments=True, clean_content_tags={"script", "style"})


@lru_cache(maxsize=8192)
def safe_formula(html: str) -> str:
    """The page renderer's formula HTML (``formula_html`` / ``display_html``), cleaned."""
    return clean_mathml(html)


@lru_cache(maxsize=4096)
def safe_mathml(latex: str, display: bool = False) -> str:
    """``tracer.render.mathml.to_mathml`` followed by ``clean_mathml``."""
    from tracer.render.mathml import to_mathml

    return clean_mathml(to_mathml(latex, display))
