"""A lesson's Markdown as docutils nodes, for the Sphinx extension (``tracer.sphinx``).

The lesson is parsed with markdown-it (CommonMark, GFM tables, ``$…$``/``$$…$$`` math, front
matter) and each block becomes the node Sphinx expects: headings nest as sections, math becomes
``math`` / ``math_block`` nodes (rendered by the site's MathJax or KaTeX), tables become docutils
tables, and figures are inlined as SVG (``raw`` HTML, so nothing is written into the source tree).
It works the same from reStructuredText and from MyST. docutils is imported on first use.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Callable, Mapping


@lru_cache(maxsize=1)
def _parser():
    from markdown_it import MarkdownIt
    from mdit_py_plugins.dollarmath import dollarmath_plugin
    from mdit_py_plugins.front_matter import front_matter_plugin

    md = MarkdownIt("commonmark", {"html": False, "typographer": False}).enable("table")
    return md.use(dollarmath_plugin, double_inline=False, allow_digits=False).use(front_matter_plugin)


def lesson_nodes(markdown: str, figures: Mapping[str, bytes], docname: str,
                 note_target: Callable | None = None) -> list:
    """The docutils nodes of ``markdown``: top-level blocks, then one section per heading (nested
    by level). ``figures`` maps image paths to SVG; ``note_target(section)`` registers each
    section's id with the document."""
    from docutils import nodes
    from markdown_it.tree import SyntaxTreeNode

    tree = SyntaxTreeNode(_parser().parse(markdown))
    out: list = []
    stack: list[tuple[int, object]] = []   # (heading level, section)
    for block in tree.children:
        if block.type == "heading":
            level = int(block.tag[1])
            while stack and stack[-1][0] >= level:
                stack.pop()
            title = nodes.title("", "", *_inlines(block.children[0].children if block.children else [], figures))
            section = nodes.section("", title, ids=[], names=[nodes.fully_normalize_name(title.astext())])
            if note_target is not None:   # gives the section a unique id, as a title in the page would get
                note_target(section)
            (stack[-1][1].append(section) if stack else out.append(section))
            stack.append((level, section))
            continue
        converted = _block(block, figures, docname)
        if converted is None:
            continue
        (stack[-1][1].extend(converted) if stack else out.extend(converted))
    return out


def _block(node, figures, docname) -> list | None:
    from docutils import nodes

    kind = node.type
    if kind == "front_matter" or kind == "hr":
        return None
    if kind == "paragraph":
        children = node.children[0].children if node.children else []
        if len(children) == 1 and children[0].type == "image":
            return [_figure(children[0], figures)]
        return [nodes.paragraph("", "", *_inlines(children, figures))]
    if kind == "math_block":
        latex = node.content.strip()
        return [nodes.math_block(latex, latex, nowrap=False, number=None, label=None, docname=docname)]
    if kind in ("fence", "code_block"):
        text = node.content.rstrip("\n")
        block = nodes.literal_block(text, text)
        if kind == "fence" and node.info.strip():
            block["language"] = node.info.strip().split()[0]
        return [block]
    if kind in ("bullet_list", "ordered_list"):
        lst = nodes.bullet_list(bullet="-") if kind == "bullet_list" else nodes.enumerated_list(enumtype="arabic")
        for item in node.children:
            entry = nodes.list_item()
            for child in item.children:
                entry.extend(_block(child, figures, docname) or [])
            lst.append(entry)
        return [lst]
    if kind == "blockquote":
        quote = nodes.block_quote()
        for child in node.children:
            quote.extend(_block(child, figures, docname) or [])
        return [quote]
    if kind == "table":
        return [_table(node, figures)]
    text = node.content if hasattr(node, "content") else ""
    return [nodes.paragraph(text, text)] if text.strip() else None


def _inlines(children, figures) -> list:
    from docutils import nodes

    out: list = []
    for child in children:
        kind = child.type
        if kind == "text":
            out.append(nodes.Text(child.content))
        elif kind in ("softbreak", "hardbreak"):
            out.append(nodes.Text(" " if kind == "softbreak" else "\n"))
        elif kind == "math_inline":
            out.append(nodes.math(child.content, child.content))
        elif kind == "code_inline":
            out.append(nodes.literal(child.content, child.content))
        elif kind in ("strong", "em"):
            cls = nodes.strong if kind == "strong" else nodes.emphasis
            out.append(cls("", "", *_inlines(child.children, figures)))
        elif kind == "link":
            href = str(child.attrs.get("href", ""))
            out.append(nodes.reference("", "", *_inlines(child.children, figures), refuri=href))
        elif kind == "image":
            out.append(_figure(child, figures))
        else:
            text = getattr(child, "content", "")
            if text:
                out.append(nodes.Text(text))
    return out


def _figure(image, figures):
    """An SVG figure inlined as HTML, its alt text kept as the accessible label and caption."""
    from docutils import nodes

    src = str(image.attrs.get("src", ""))
    alt = "".join(c.content for c in image.children if c.type == "text") or str(image.attrs.get("alt", ""))
    svg = figures.get(src)
    if svg is None:
        from tracer.course.lessons import CourseError

        raise CourseError(f"figure {src!r} is referenced by the lesson but was not rendered")
    text = svg.decode("utf-8")
    if text.startswith("<?xml"):
        text = text.split("\n", 1)[1]
    figure = nodes.container("", classes=["nntrace-figure"])
    figure.append(nodes.raw("", f'<div role="img" aria-label="{_attr(alt)}">{text}</div>', format="html"))
    figure.append(nodes.paragraph(alt, alt, classes=["nntrace-caption"]))
    return figure


def _attr(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


def _table(node, figures):
    from docutils import nodes

    rows = [(section.type == "thead", row) for section in node.children for row in section.children]
    width = max(len(row.children) for _, row in rows)
    table = nodes.table(classes=["nntrace-table"])
    group = nodes.tgroup(cols=width)
    table.append(group)
    group.extend(nodes.colspec(colwidth=1) for _ in range(width))
    head, body = nodes.thead(), nodes.tbody()
    for is_head, row in rows:
        line = nodes.row()
        for cell in row.children:
            inline = cell.children[0].children if cell.children else []
            line.append(nodes.entry("", nodes.paragraph("", "", *_inlines(inline, figures))))
        (head if is_head else body).append(line)
    if len(head):
        group.append(head)
    group.append(body)
    return table
