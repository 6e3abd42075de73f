"""A lesson as a Python object: ``tracer.make_lesson(config, lang="en")``, shown inline in Jupyter.

The object holds the trace and the rendering options; its documents are rendered on demand by the
lesson renderer (the same bytes ``nntrace lesson`` writes) and kept once rendered. In a notebook it
shows itself as the HTML fragment of its language (``_repr_html_``) or as Markdown with the figures
inlined (``_repr_markdown_``).
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence


@dataclass
class Lesson:
    """One lesson of a traced run, in one language (or a pair such as ``"zh-en"``)."""

    trace: Any
    """The ``Trace`` the lesson reads its numbers from."""
    lang: str = "en"
    """The language shown inline: ``"zh"``, ``"en"`` or a pair such as ``"zh-en"``."""
    digits: int = 4
    """Significant digits of the numbers shown."""
    table_iterations: tuple[int, ...] | None = None
    """Iterations listed in the training table (``None``: every recorded one)."""
    templates: str | None = None
    """A folder of templates overriding the packaged ones."""
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    def documents(self, formats: Sequence[str] = ("md", "html"), *, fragment: bool = False) -> list:
        """The rendered ``Document`` list of this language, as ``render_lesson`` returns it."""
        from tracer.lesson.render import render_lesson

        key = (tuple(formats), fragment)
        if key not in self._cache:
            self._cache[key] = render_lesson(self.trace, langs=(self.lang,), formats=tuple(formats),
                                             fragment=fragment, digits=self.digits, templates=self.templates,
                                             table_iterations=self.table_iterations)
        return self._cache[key]

    def html(self, *, fragment: bool = True) -> str:
        """The lesson as HTML: an embeddable ``<article>`` by default, or a whole page."""
        return _text(self.documents(("html",), fragment=fragment), ".html")

    def markdown(self) -> str:
        """The lesson as Markdown, figures referenced as ``figures/*.svg`` (as written to disk)."""
        return _text(self.documents(("md",)), ".md")

    def write(self, out: str | Path, formats: Sequence[str] = ("md", "html")) -> list[Path]:
        """Write this language's documents (and figures) under ``out``; return the paths."""
        from tracer.lesson.write import write_documents

        return write_documents(out, self.documents(formats))

    def _repr_html_(self) -> str:
        from tracer.render.page import inline_fragment  # notebooks insert HTML by script: no shadow root

        return inline_fragment(self.html(fragment=True))

    def _repr_markdown_(self) -> str:
        svgs = {d.path: d.content for d in self.documents(("md",)) if d.path.endswith(".svg")}

        def inline(match: re.Match) -> str:
            data = svgs.get(match.group(2))
            if data is None:
                return match.group(0)
            return f"]({'data:image/svg+xml;base64,' + base64.b64encode(data).decode()})"

        text = re.sub(r"\A---\n.*?\n---\n+", "", self.markdown(), flags=re.S)  # front matter is for site builders
        return re.sub(r"\]\(((figures/[^)\s]+\.svg))\)", inline, text)

    def __repr__(self) -> str:
        cfg = self.trace.config
        return (f"<Lesson {self.lang} of a {'-'.join(map(str, cfg.network.layers))} network, "
                f"{cfg.train.iterations} iterations>")


def _text(documents, suffix: str) -> str:
    for doc in documents:
        if doc.path.startswith("lesson.") and doc.path.endswith(suffix):
            return doc.content.decode()
    raise LookupError(f"no {suffix} document rendered")  # pragma: no cover - render_lesson always makes one


def make_lesson(config=None, *, lang: str = "en", digits: int = 4, templates: str | None = None) -> Lesson:
    """Trace ``config`` for a lesson and return it as a ``Lesson`` shown inline in ``lang``.

    Parameters
    ----------
    config
        A ``Trace`` (rendered as it is), or anything ``tracer.load_config`` reads: ``None`` for the
        article's network, a TOML path, a dict or a ``Config``.
    lang
        ``"zh"``, ``"en"`` or a side-by-side pair such as ``"zh-en"``.
    digits
        Significant digits of the numbers shown (1 to 17).

    Examples
    --------
    >>> lesson = make_lesson({"train": {"iterations": 30}}, lang="en")
    >>> lesson._repr_html_().startswith('<article class="nntrace-lesson" lang="en">')
    True
    """
    from tracer.errors import TracerError
    from tracer.lesson.render import parse_langs
    from tracer.trace import Trace

    (lang,) = parse_langs([lang], templates) if isinstance(lang, str) and "," not in lang else (None,)
    if lang is None:
        raise TracerError("lang must name one language or one pair, such as 'en' or 'zh-en'")
    if digits < 1 or digits > 17:
        raise TracerError(f"digits={digits} must be between 1 and 17")
    if isinstance(config, Trace):
        return Lesson(config, lang, digits, None, templates)
    from tracer.config import load_config
    from tracer.lesson.run import trace_for_lesson

    trace, table = trace_for_lesson(load_config(config))
    return Lesson(trace, lang, digits, table, templates)
