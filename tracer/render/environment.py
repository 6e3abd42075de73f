"""The Jinja environment: sandboxed, StrictUndefined, packaged templates behind a course's own.

A course folder (``--templates DIR``) may hold only the files it changes; every other name falls
back to the packaged templates. Names resolve inside the folder only: no absolute paths, no
``..``, and no symbolic link anywhere on the way. Templates run in Jinja's sandbox with a budget
of loop iterations and a cap on string sizes and output, and every failure (syntax, undefined
name, sandbox refusal, missing include, a runtime error, recursion) becomes one ``TemplateError``
naming the template file and line.

One environment per template folder, built once per process, so every template is compiled once
whatever the number of documents (the batch command renders hundreds).
"""

from __future__ import annotations

import os
import stat
import sys
from functools import lru_cache
from pathlib import Path
from typing import Callable

from tracer.errors import TracerError

#: Template names that Jinja escapes for HTML (``*.html.j2`` too, or ``page.html.j2`` would not be).
AUTOESCAPE = ("html", "htm", "xml", "svg", "html.j2", "htm.j2", "xml.j2", "svg.j2")
#: Prefix that names a packaged template even when the course folder holds one of the same name.
PACKAGED = "packaged:"
MAX_TEMPLATE_BYTES = 1 << 20      # a template file larger than this is refused
MAX_LOOP_ITEMS = 2_000_000        # loop iterations per document, all loops together
MAX_TEXT = 16 << 20               # characters of one string built in a template, and of a document


class TemplateError(TracerError):
    """A template is missing, malformed, refused by the sandbox or fails while rendering."""


class _Budget:
    """Loop iterations left for the document being rendered (reset by ``reset_budget``)."""

    left = MAX_LOOP_ITEMS


_BUDGET = _Budget()


def reset_budget() -> None:
    _BUDGET.left = MAX_LOOP_ITEMS


def _loop(iterable):
    """Every ``{% for %}`` iterates through this: each item spends one unit of the budget."""
    for item in iterable:
        _BUDGET.left -= 1
        if _BUDGET.left < 0:
            from jinja2.exceptions import SecurityError

            raise SecurityError(f"loops ran more than {MAX_LOOP_ITEMS} iterations")
        yield item


def _resolve(root: Path, name: str) -> Path | None:
    """``root/name`` if it is a regular file reached without symbolic links, else ``None``.

    Raises ``TemplateError`` for a name that tries to leave ``root`` or for a symbolic link.
    """
    parts = name.split("/")
    if name.startswith("/") or "\\" in name or "\0" in name or any(p in ("", ".", "..") for p in parts):
        raise TemplateError(f"template name {name!r} must stay inside the templates folder")
    path = root
    for part in parts:
        path = path / part
        try:
            mode = os.lstat(path).st_mode
        except OSError:
            return None
        if stat.S_ISLNK(mode):
            raise TemplateError(f"template {str(path)!r} is a symbolic link; templates are read from "
                                "regular files inside the folder only: copy the file instead")
    if not stat.S_ISREG(mode):
        return None
    return path


class Loader:
    """Course folder first, then the packaged templates; ``packaged:NAME`` skips the course folder."""

    def __init__(self, course: Path | None, packaged: Path):
        self.course, self.packaged = course, packaged

    def locate(self, name: str) -> Path | None:
        if name.startswith(PACKAGED):
            return _resolve(self.packaged, name[len(PACKAGED):])
        if self.course is not None:
            found = _resolve(self.course, name)
            if found is not None:
                return found
        return _resolve(self.packaged, name)

    def in_course(self, name: str) -> bool:
        return self.course is not None and _resolve(self.course, name) is not None

    def jinja_loader(self):
        import jinja2

        locate = self.locate

        class _JinjaLoader(jinja2.BaseLoader):
            def get_source(self, environment, template):
                path = locate(template)
                if path is None:
                    raise jinja2.TemplateNotFound(template)
                if path.stat().st_size > MAX_TEMPLATE_BYTES:
                    raise TemplateError(f"template {str(path)!r} is larger than {MAX_TEMPLATE_BYTES} bytes")
                try:
                    source = path.read_text(encoding="utf-8")
                except UnicodeDecodeError:
                    raise TemplateError(f"template {str(path)!r} is not UTF-8 text") from None
                return source, str(path), lambda: True

        return _JinjaLoader()


def _environment_class():
    from jinja2 import nodes
    from jinja2.exceptions import SecurityError
    from jinja2.sandbox import SandboxedEnvironment

    class Environment(SandboxedEnvironment):
        """The sandbox plus a loop budget and size caps on ``*``, ``**`` and padding filters."""

        intercepted_binops = frozenset(["*", "**"])

        def _parse(self, source, name, filename):
            tree = super()._parse(source, name, filename)
            for loop in tree.find_all(nodes.For):
                loop.iter = nodes.Call(nodes.Name("_nntrace_loop", "load"), [loop.iter], [], None, None,
                                       lineno=loop.lineno)
            return tree

        def call_binop(self, context, operator, left, right):
            if operator == "**" and isinstance(right, (int, float)) and abs(right) > 1024:
                raise SecurityError(f"exponent {right!r} is too large for a template")
            if operator == "*":
                for seq, n in ((left, right), (right, left)):
                    if isinstance(seq, (str, list, tuple)) and isinstance(n, int) and len(seq) * n > MAX_TEXT:
                        raise SecurityError(f"a template may not build a value of more than {MAX_TEXT} items")
            return super().call_binop(context, operator, left, right)

    return Environment


def _capped(name: str, func: Callable) -> Callable:
    def filter_(value, width=80, *args, **kwargs):
        if isinstance(width, int) and width > 10_000:
            from jinja2.exceptions import SecurityError

            raise SecurityError(f"filter {name!r}: width {width} is too large")
        return func(value, width, *args, **kwargs)
    return filter_


@lru_cache(maxsize=8)
def environment(templates: str | None = None):
    """The sandboxed environment searching ``templates`` (a course's folder) before the packaged one."""
    import jinja2

    from tracer.render.bytecode import packaged_cache
    from tracer.render.escape import code, finalize, row, tex_text
    from tracer.resources import templates_dir

    course = None
    if templates is not None:
        course = Path(templates)
        try:
            is_link = course.is_symlink()
        except OSError:
            is_link = False
        if is_link or not course.is_dir():
            raise TemplateError(f"--templates {templates!r} is not a folder: give a folder of .j2 templates "
                                "(nntrace templates export DIR writes the packaged ones)")
        course = course.resolve()
    loader = Loader(course, templates_dir())

    def autoescape(name: str | None) -> bool:
        return name is not None and name.endswith(AUTOESCAPE)

    env = _environment_class()(
        loader=loader.jinja_loader(), undefined=jinja2.StrictUndefined, autoescape=autoescape,
        finalize=finalize, keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True,
        auto_reload=False, cache_size=-1, bytecode_cache=packaged_cache(templates_dir()),
    )
    env.globals["_nntrace_loop"] = _loop
    env.filters["row"] = row
    env.filters["code"] = code
    env.filters["tex"] = tex_text
    for name in ("center", "indent", "wordwrap", "truncate"):
        env.filters[name] = _capped(name, env.filters[name])
    env.nntrace_loader = loader
    return env


def get_template(name: str, templates: str | None = None):
    """A compiled template, with every error turned into ``TemplateError``."""
    with template_errors(name):
        return environment(templates).get_template(name)


def has_template(name: str, templates: str | None = None) -> bool:
    return environment(templates).nntrace_loader.locate(name) is not None


class template_errors:
    """Context manager: any error raised while loading or running templates becomes one
    ``TemplateError`` naming the template file and line (``what`` names it when no frame does)."""

    def __init__(self, what: str):
        self.what = what

    def __enter__(self):
        return self

    def __exit__(self, kind, exc, tb):
        if exc is None or isinstance(exc, TracerError) or not isinstance(exc, Exception):
            return False
        raise TemplateError(describe(exc, self.what)) from None


def describe(exc: BaseException, what: str) -> str:
    """``template 'x.md.j2' line 3: message`` for a template failure."""
    import jinja2

    if isinstance(exc, jinja2.TemplateSyntaxError):
        where, line = exc.filename or exc.name or what, exc.lineno
    else:
        where, line = _template_frame(exc)
        where = where or what
    if isinstance(exc, jinja2.TemplateNotFound):
        message = f"no template named {exc.name!r} (neither in the --templates folder nor packaged)"
    elif isinstance(exc, RecursionError):
        message = "recursion too deep (a macro or include calls itself without end)"
    elif isinstance(exc, jinja2.TemplateError):
        message = exc.message or type(exc).__name__
    else:
        message = f"{type(exc).__name__}: {exc}"
    message = " ".join(str(message).split())
    at = f" line {line}" if line else ""
    return f"template {where!r}{at}: {message}"


def _template_frame(exc: BaseException) -> tuple[str | None, int | None]:
    """The innermost template file and line of ``exc``'s traceback (template frames carry the
    template's globals, which map compiled lines back to template lines)."""
    where = line = None
    tb = exc.__traceback__
    limit = sys.getrecursionlimit() * 2
    while tb is not None and limit:
        frame = tb.tb_frame
        template = frame.f_globals.get("__jinja_template__")
        if template is not None:
            where, line = template.filename or template.name, template.get_corresponding_lineno(tb.tb_lineno)
        elif frame.f_code.co_filename.endswith(".j2"):   # a traceback already rewritten by Jinja
            where, line = frame.f_code.co_filename, tb.tb_lineno
        tb = tb.tb_next
        limit -= 1
    return where, line


def languages(family: str = "lesson", templates: str | None = None) -> list[str]:
    """Language codes with a prose file for ``family`` (``<family>/prose/<code>.md.j2``), sorted:
    packaged ones and those of the course folder."""
    from tracer.resources import templates_dir

    found = set()
    folders = [templates_dir()] + ([Path(templates)] if templates else [])
    for folder in folders:
        prose = Path(folder) / family / "prose"
        if prose.is_dir() and not prose.is_symlink():
            for path in prose.glob("*.md.j2"):
                code = path.name[: -len(".md.j2")]
                if code and not path.is_symlink() and code.replace("_", "").isalnum():
                    found.add(code)
    return sorted(found)


def template_names(root: Path) -> list[str]:
    """Every template file under ``root`` (relative names with ``/``), sorted."""
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts)

