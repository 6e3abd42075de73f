"""The Jinja environment: sandboxed, StrictUndefined, packaged templates behind a course's own.

One environment per template search path, built once per process, so every template is compiled
once whatever the number of documents (the batch command renders hundreds).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from tracer.errors import TracerError
from tracer.lesson.numbers import UserText, md_escape

#: Template names that Jinja escapes for HTML (``*.html.j2`` too, or ``page.html.j2`` would not be).
AUTOESCAPE = ("html", "htm", "xml", "svg", "html.j2", "htm.j2", "xml.j2", "svg.j2")


class TemplateError(TracerError):
    """A template is missing, malformed or refers to a variable the lesson does not define."""


def _finalize(value):
    # every piece of user text is escaped for Markdown on output, whichever template prints it
    if isinstance(value, UserText):
        return md_escape(value)
    return value


@lru_cache(maxsize=8)
def environment(templates: str | None = None):
    """The sandboxed environment searching ``templates`` (a course's folder) before the packaged one."""
    import jinja2
    from jinja2.sandbox import SandboxedEnvironment

    from tracer.resources import templates_dir

    loaders = [jinja2.FileSystemLoader(str(templates_dir()))]
    if templates is not None:
        if not Path(templates).is_dir():
            raise TemplateError(f"--templates {templates!r} is not a folder: give a folder of .j2 templates")
        loaders.insert(0, jinja2.FileSystemLoader(str(templates)))

    def autoescape(name: str | None) -> bool:
        return name is not None and name.endswith(AUTOESCAPE)

    env = SandboxedEnvironment(
        loader=jinja2.ChoiceLoader(loaders), undefined=jinja2.StrictUndefined, autoescape=autoescape,
        finalize=_finalize, keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True,
        auto_reload=False, cache_size=-1,
    )
    env.filters["row"] = row
    return env


def row(items) -> str:
    """Table cells joined with `` | ``, user text escaped (a ``|`` in a column name stays text)."""
    return " | ".join(md_escape(x) if isinstance(x, UserText) else str(x) for x in items)


def get_template(name: str, templates: str | None = None):
    """A compiled template, with errors turned into ``TemplateError``."""
    import jinja2

    try:
        return environment(templates).get_template(name)
    except jinja2.TemplateNotFound:
        raise TemplateError(f"template {name!r} not found in {templates or 'the packaged templates'}") from None
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(f"template {exc.filename or name!r} line {exc.lineno}: {exc.message}") from None


def languages(templates: str | None = None) -> list[str]:
    """Language codes with a prose file (``lesson/prose/<code>.md.j2``), sorted."""
    from tracer.resources import templates_dir

    found = set()
    for folder in [templates_dir()] + ([Path(templates)] if templates else []):
        for path in (Path(folder) / "lesson" / "prose").glob("*.md.j2"):
            found.add(path.name[: -len(".md.j2")])
    return sorted(found)
