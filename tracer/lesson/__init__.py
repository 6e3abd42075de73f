"""Lessons: render a trace and its derivations as bilingual Markdown and offline HTML.

The stage is ``render_lesson(trace, ...) -> list[Document]`` followed by
``write_documents(out_dir, documents)``. The lesson's own parts are its template variables
(``context``), its figures and its pipeline (``run``); the rendering machinery is shared with every
document family in ``tracer.render``. Heavy libraries (jinja2, markdown-it, latex2mathml, sympy)
load only when a lesson is rendered, never when this package is imported.
"""

from __future__ import annotations

_EXPORTS = {
    "Document": "tracer.render.model", "Terms": "tracer.render.model",
    "render_lesson": "tracer.lesson.render", "draw_figures": "tracer.lesson.render",
    "parse_langs": "tracer.render.document", "parse_formats": "tracer.render.document",
    "render_page": "tracer.render.page", "markdown_to_html": "tracer.render.page",
    "write_documents": "tracer.lesson.write", "lesson": "tracer.lesson.run",
    "Series": "tracer.render.figures", "curves": "tracer.render.figures", "network": "tracer.render.figures",
    "to_mathml": "tracer.render.mathml",
}


def __getattr__(name: str):
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'tracer.lesson' has no attribute {name!r}")


__all__ = sorted(_EXPORTS)
