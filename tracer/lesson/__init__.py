"""Lessons: render a trace and its derivations as bilingual Markdown and offline HTML.

The stage is ``render_lesson(trace, ...) -> list[Document]`` followed by
``write_documents(out_dir, documents)``. Heavy libraries (jinja2, markdown-it, latex2mathml, sympy)
load only when a lesson is rendered, never when this package is imported.
"""

from __future__ import annotations

_EXPORTS = {
    "Document": "tracer.lesson.model", "Terms": "tracer.lesson.model",
    "render_lesson": "tracer.lesson.render", "render_markdown": "tracer.lesson.render",
    "draw_figures": "tracer.lesson.render", "parse_langs": "tracer.lesson.render", "parse_formats": "tracer.lesson.render",
    "render_page": "tracer.lesson.page", "markdown_to_html": "tracer.lesson.page",
    "write_documents": "tracer.lesson.write", "lesson": "tracer.lesson.run",
    "Series": "tracer.lesson.figures", "curves": "tracer.lesson.figures", "network": "tracer.lesson.figures",
    "to_mathml": "tracer.lesson.mathml",
}


def __getattr__(name: str):
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'tracer.lesson' has no attribute {name!r}")


__all__ = sorted(_EXPORTS)
