"""Markdown to an offline HTML page or embeddable fragment: markdown-it-py, MathML, inline SVG.

Any document (a lesson, a diff report, an index, a worksheet) goes through ``render_page``:
CommonMark + GFM tables + ``$…$``/``$$…$$`` math, raw HTML off (so user text can never become
markup), math converted to MathML, figures referenced as ``figures/NAME.svg`` inlined, and the
``page.html.j2`` shell around it. Three Markdown extensions are understood for HTML only:
``::: lang CODE`` (a block in one language), ``:::: pair`` (side-by-side languages),
``::: figure``, ``:::: beside`` (a table and its figure side by side on a wide screen) and
``{#nntrace-id}`` lines before headings and display formulas (link targets).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Mapping
from xml.sax.saxutils import quoteattr

from tracer.errors import TracerError
from tracer.render.mathml import display_html, formula_html
from tracer.render.sanitize import safe_formula  # every formula passes the MathML allowlist
from tracer.render.mathwidth import min_text_width


@lru_cache(maxsize=1)
def _parser():
    from markdown_it import MarkdownIt
    from mdit_py_plugins.attrs import attrs_block_plugin
    from mdit_py_plugins.container import container_plugin
    from mdit_py_plugins.dollarmath import dollarmath_plugin

    md = MarkdownIt("commonmark", {"html": False, "typographer": False}).enable("table")
    md.use(dollarmath_plugin, double_inline=False, allow_digits=False)
    md.use(attrs_block_plugin)
    for name, tag, css in (("pair", "div", "nntrace-pair"), ("lang", "div", "nntrace-lang"),
                           ("figure", "figure", "nntrace-figure"), ("beside", "div", "nntrace-beside")):
        md.use(container_plugin, name=name, render=_container(tag, css))
    md.add_render_rule("math_inline", lambda self, tokens, idx, options, env: safe_formula(formula_html(tokens[idx].content)))
    md.add_render_rule("math_block", _math_block)
    md.add_render_rule("image", _image)
    md.core.ruler.push("nntrace_cell_labels", _label_cells)
    md.core.ruler.push("nntrace_id_prefix", _prefix_ids)
    md.core.ruler.push("nntrace_questions", _question_sections)
    md.add_render_rule("table_open", _table_open)
    md.add_render_rule("table_close", lambda self, tokens, idx, options, env: "</table></div>\n")
    return md


#: Widths (em) at which a table is shown as cards: the smallest one not below its estimated width.
STACK_WIDTHS = (24, 28, 32, 36, 42, 48, 56, 64)
#: A table that needs at most this many em is never turned into cards (it fits a 360 px phone).
FITS_ANYWHERE = 20.0


def _label_cells(state) -> None:
    """Give each body cell its column's heading as ``data-label`` (plain text) and each table the
    width it needs (``nntrace-stack-W``), so that in a narrower column the CSS shows the table row
    by row as cards of labelled cells instead of letting it run past the page."""
    labels: list[str] = []
    widths: list[float] = []
    column = 0
    for i, token in enumerate(state.tokens):
        if token.type == "table_open":
            labels, widths, table = [], [], token
        elif token.type in ("th_open", "td_open"):
            inline = state.tokens[i + 1]
            text = _plain(state.md.renderer.renderInline(inline.children or [], state.md.options, state.env))
            if token.type == "th_open":
                labels.append(text)
            elif column < len(labels) and labels[column]:
                token.attrSet("data-label", labels[column])
            if column >= len(widths):
                widths.append(0.0)
            widths[column] = max(widths[column], min_text_width(text))
            column += 1
        elif token.type == "tr_open":
            column = 0
        elif token.type == "table_close":
            table.meta = {"needs": TABLE_SCALE * sum(w + CELL_PADDING for w in widths)}


#: The table's type size (page.css) and the horizontal padding of a cell, in em of that type.
TABLE_SCALE = 0.92
CELL_PADDING = 1.3


def _plain(html_text: str) -> str:
    import html

    return " ".join(html.unescape(re.sub(r"<[^>]*>", "", html_text)).split())


def _table_open(self, tokens, idx, options, env) -> str:
    needs = tokens[idx].meta.get("needs", 0.0)
    stack = next((w for w in STACK_WIDTHS if w >= needs), STACK_WIDTHS[-1]) if needs > FITS_ANYWHERE else None
    return f'<div class="nntrace-table{f" nntrace-stack-{stack}" if stack else ""}"><table>\n'


_QUESTION_ID = re.compile(r"(^|-)q\d+$")


def _question_sections(state) -> None:
    """Wrap each question of a worksheet or answer key (a level-2 heading whose id ends in
    ``q<number>``, up to the next heading of level 1 or 2) in ``<section class="nntrace-question">``,
    so that print keeps a question on one page."""
    from markdown_it.token import Token

    def html(text: str) -> Token:
        return Token("html_block", "", 0, content=text, block=True)

    out: list = []
    open_ = False
    for token in state.tokens:
        if token.type == "heading_open" and token.level == 0 and token.tag in ("h1", "h2"):
            if open_:
                out.append(html("</section>\n"))
            open_ = token.tag == "h2" and bool(_QUESTION_ID.search(str(token.attrGet("id") or "")))
            if open_:
                out.append(html('<section class="nntrace-question">\n'))
        out.append(token)
    if open_:
        out.append(html("</section>\n"))
    state.tokens = out


def _math_block(self, tokens, idx, options, env) -> str:
    """A display formula; a ``{#nntrace-…}`` line before it gives it an id (a link target)."""
    token = tokens[idx]
    html = safe_formula(display_html(token.content.strip()))
    anchor = token.attrGet("id")
    if isinstance(anchor, str) and re.fullmatch(r"[\w-]+", anchor):
        html = html.replace('<div class="nntrace-math"', f'<div class="nntrace-math" id={quoteattr(anchor)}', 1)
    return html


def _container(tag: str, css: str):
    def render(self, tokens, idx, options, env):
        token = tokens[idx]
        if token.nesting != 1:
            return f"</{tag}>\n"
        words = token.info.split()
        lang = f" lang={quoteattr(words[1])}" if css == "nntrace-lang" and len(words) > 1 else ""
        return f'<{tag} class="{css}"{lang}>\n'
    return render


def _image(self, tokens, idx, options, env):
    token = tokens[idx]
    src = str(token.attrGet("src") or "")
    figures = env.get("figures", {})
    if src in figures:
        return figures[src].split("\n", 1)[1] if figures[src].startswith("<?xml") else figures[src]
    raise TracerError(f"figure {src!r} is referenced but was not rendered; known: {', '.join(sorted(figures))}")


def markdown_to_html(source: str, figures: Mapping[str, str] | None = None, id_prefix: str = "") -> str:
    """The HTML body of ``source``; images whose path is a key of ``figures`` become inline SVG.

    With ``id_prefix``, every ``nntrace-…`` id (and ``#nntrace-…`` link) becomes
    ``<id_prefix>-…``, so that several documents can share one page.
    """
    return _parser().render(source, {"figures": dict(figures or {}), "id_prefix": id_prefix})


def document_id(markdown: str, lang: str) -> str:
    """A fragment's own id prefix, from its content: ``nntrace-`` and 8 hex digits (the same
    document always gets the same one)."""
    import hashlib

    return "nntrace-" + hashlib.sha256(f"{lang}\n{markdown}".encode()).hexdigest()[:8]


def _prefix_ids(state) -> None:
    prefix = state.env.get("id_prefix")
    if not prefix:
        return
    stack = list(state.tokens)
    while stack:
        token = stack.pop()
        stack.extend(token.children or [])
        for name, mark in (("id", ""), ("href", "#")):
            value = token.attrGet(name)
            if isinstance(value, str) and value.startswith(mark + "nntrace-"):
                token.attrSet(name, f"{mark}{prefix}-{value[len(mark) + len('nntrace-'):]}")


def render_page(markdown: str, *, title: str, lang: str, description: str = "", fragment: bool = False,
                figures: Mapping[str, str] | None = None, templates: str | None = None) -> str:
    """A whole offline page (``<!DOCTYPE html>…``) or, with ``fragment``, one ``<article>`` whose
    content is a declarative shadow root (isolated from the host page's CSS, no script) and whose
    ids all start with the document's own prefix (``document_id``).

    Parameters
    ----------
    markdown
        The document, as written to the ``.md`` file but with the HTML-only extensions allowed.
    title, description
        Plain text (escaped by the template).
    lang
        The page's BCP 47 language, ``zh-CN`` or ``en``.
    figures
        ``{"figures/loss.en.svg": "<svg…>"}``: the SVG to inline for each image path.
    templates
        A folder whose ``page.html.j2`` / ``page.css`` replace the packaged ones.
    """
    from markupsafe import Markup

    from tracer.render.environment import get_template

    prefix = document_id(markdown, lang) if fragment else ""
    body = Markup(markdown_to_html(markdown, figures, prefix))
    return get_template("page.html.j2", templates).render(
        title=title, description=description, lang=lang, fragment=fragment, body=body, id=prefix,
        stack_widths=STACK_WIDTHS)


_SHADOW = re.compile(r'<article class="nntrace-lesson" id="[^"]*" lang="([^"]*)">\s*<template shadowrootmode="open">\s*'
                     r'(<style>.*?</style>)\s*<div class="nntrace-lesson" lang="[^"]*">(.*)</div>\s*</template>(.*)</article>',
                     re.S)


def inline_fragment(fragment_html: str) -> str:
    """A fragment without its shadow root: ``<article class="nntrace-lesson" lang=…>`` holding the
    style and the body, for hosts that insert HTML by script (Jupyter's ``innerHTML``), where a
    declarative shadow root never attaches. The CSS stays scoped under ``.nntrace-lesson``, but
    the host's CSS can reach in. A fragment of another shape (a course's page.html.j2) is
    returned as it is."""
    match = _SHADOW.fullmatch(fragment_html.strip())
    if not match:
        return fragment_html
    lang, style, body, after = match.groups()
    return f'<article class="nntrace-lesson" lang="{lang}">\n{style}\n{body}{after.strip()}</article>\n'

