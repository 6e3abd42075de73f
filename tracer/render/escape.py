"""Text from outside the package becomes page text here, and only here: one function per target.

A string is either plain text (``str``; a ``UserText`` when it came from a file, a flag or a
cache) or markup that nntrace built on purpose (markupsafe's ``Markup``, or the Markdown our own
templates write). Outside text is escaped once, when a template prints it: ``finalize`` turns every
``UserText`` into Markdown-safe text, the ``code`` filter into a safe code span, ``tex`` into a
LaTeX ``\\text{…}``; the HTML page shell is autoescaped by Jinja, and YAML front matter goes through
``yaml_string``. Whatever comes back from latex2mathml passes ``tracer.render.sanitize``.
"""

from __future__ import annotations

import json
import re
import unicodedata

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufff9-\ufffb]")
_MD_SPECIAL = "\\`*_{}[]()#+-.!|$~^=\"'"


class UserText(str):
    """Text that came from outside the package (a title, a column or tensor name, a cache entry):
    always escaped on output, for whichever target it is printed into."""


def plain(text: object) -> str:
    """``text`` as one line: control characters dropped, runs of white space made one space."""
    return " ".join(_CONTROL.sub("", str(text)).split())


def md_escape(text: object) -> str:
    """Escape ``text`` so that CommonMark, GFM tables and ``$`` math read it as plain text.

    >>> md_escape("<b>a|b</b> $5 *x*")
    '&lt;b&gt;a\\\\|b&lt;/b&gt; \\\\$5 \\\\*x\\\\*'
    """
    out = []
    for ch in plain(text):
        if ch == "&":
            out.append("&amp;")
        elif ch == "<":
            out.append("&lt;")
        elif ch == ">":
            out.append("&gt;")
        elif ch in _MD_SPECIAL:
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


def md_code(text: object) -> str:
    """``text`` as a Markdown code span that nothing inside can close, also inside a table cell.

    The fence is one backtick longer than the longest run in the text; ``|`` is escaped (GFM
    splits cells on it even inside code spans). A name with no backtick, ``|`` or ``$`` keeps
    the usual single backticks.

    >>> md_code("w0"), md_code("a`b"), md_code("x|y")
    ('`w0`', '`` a`b ``', '`x\\\\|y`')
    """
    body = plain(text).replace("|", "\\|")
    if not body:
        return ""
    runs = [len(r) for r in re.findall(r"`+", body)]
    fence = "`" * (max(runs, default=0) + 1)
    pad = " " if body.startswith("`") or body.endswith("`") or fence != "`" else ""
    return f"{fence}{pad}{body}{pad}{fence}"


def tex_text(text: object) -> str:
    r"""``text`` as LaTeX text, ``\text{…}`` with every special character escaped, so a name can
    stand inside a formula and never become a macro.

    >>> tex_text(r"a_b \href{x}")
    '\\text{a\\_b \\textbackslash{}href\\{x\\}}'
    """
    out = []
    for ch in plain(text):
        if ch == "\\":
            out.append(r"\textbackslash{}")
        elif ch in "{}_$&#%":
            out.append("\\" + ch)
        elif ch in "^~":
            out.append(" ")
        elif ch in "<>":
            out.append(r"\lt " if ch == "<" else r"\gt ")
        else:
            out.append(ch)
    return r"\text{" + "".join(out) + "}"


def yaml_string(text: object) -> str:
    """A YAML double-quoted scalar (a JSON string), control characters such as U+007F and
    U+0085 dropped (a YAML reader rejects or folds them)."""
    cleaned = "".join(ch for ch in _CONTROL.sub("", str(text)) if unicodedata.category(ch) != "Cc")
    return json.dumps(" ".join(cleaned.split()), ensure_ascii=False)


def finalize(value):
    """Jinja's ``finalize``: every piece of outside text is escaped for Markdown on output,
    whichever template prints it (a course's own template too)."""
    if isinstance(value, UserText):
        return md_escape(value)
    return value


def row(items) -> str:
    """Table cells joined with `` | ``, outside text escaped (a ``|`` in a column name stays text)."""
    return " | ".join(md_escape(x) if isinstance(x, UserText) else str(x) for x in items)


def code(text: object, cell: bool = True) -> str:
    """Jinja filter: a safe code span (see ``md_code``)."""
    return md_code(text)
