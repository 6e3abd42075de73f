"""The rendering layer shared by every document nntrace writes (lesson, diff report, batch index,
worksheet, answer key): the Jinja environment, numbers, escaping, math, figures and pages.

``render(kind, context, langs=…, formats=…)`` is the one entry point (``tracer.render.document``).
Importing this package is cheap: jinja2, markdown-it, latex2mathml and nh3 load on first use.
"""

from __future__ import annotations

_EXPORTS = {
    "render": "tracer.render.document", "render_one": "tracer.render.document", "Kind": "tracer.render.document",
    "parse_langs": "tracer.render.document", "parse_formats": "tracer.render.document",
    "FORMATS": "tracer.render.document", "DEFAULT_LANGS": "tracer.render.document",
    "Document": "tracer.render.model", "Terms": "tracer.render.model",
    "TemplateError": "tracer.render.environment", "languages": "tracer.render.environment",
    "UserText": "tracer.render.escape", "render_page": "tracer.render.page",
    "markdown_to_html": "tracer.render.page", "to_mathml": "tracer.render.mathml",
    "check_digits": "tracer.render.numbers", "num": "tracer.render.numbers",
}


def __getattr__(name: str):
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'tracer.render' has no attribute {name!r}")


__all__ = sorted(_EXPORTS)
