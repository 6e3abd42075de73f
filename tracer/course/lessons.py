"""Lessons inside a course site's build: one lesson spec → Markdown and figures, in memory.

The MkDocs plugin (``tracer.course.mkdocs``) and the Sphinx extension (``tracer.sphinx``) are thin
layers over ``render_course_lesson``: it loads the config, traces it (once per config, iteration
and file version, however many pages and languages use it), renders one language with the shared
``tracer.lesson.render.render_lesson`` and keeps the sections asked for. Every problem becomes a
``CourseError`` naming the config file and the fix, which the site builders turn into a failed
build, never into a page.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Mapping

from tracer.errors import TracerError

OPTIONS = ("config", "lang", "iteration", "sections")
_TRACES: dict[tuple, tuple[Any, tuple[int, ...]]] = {}


class CourseError(TracerError):
    """A lesson of a course site cannot be built (missing or bad config, unknown option)."""


@dataclass(frozen=True, slots=True)
class LessonSpec:
    """One lesson as a course site asks for it."""

    config: Path
    """The lesson's TOML config (absolute, or relative to the process's folder)."""
    lang: str = "en"
    """One language (``zh``, ``en``) or a pair (``zh-en``)."""
    iteration: int | None = None
    """The iteration the lesson walks through (``None``: the first recorded one, iteration 0)."""
    sections: tuple[int, ...] | None = None
    """The numbered sections to keep (``## 4. …`` is section 4); ``None`` keeps them all."""
    where: str = ""
    """Where the spec was written (``mkdocs.yml``, ``docs/intro.md``), for error messages."""


@dataclass(frozen=True, slots=True)
class CourseLesson:
    """A rendered lesson: Markdown with front matter, and its figures."""

    markdown: str
    figures: dict[str, bytes]
    """``{"<figures>/loss.en.svg": svg}``: paths as the Markdown links them."""
    title: str


def make_spec(options: Mapping[str, Any], base: Path, where: str) -> LessonSpec:
    """A ``LessonSpec`` from a site's options (strings or native values), checked.

    >>> make_spec({"config": "a.toml", "lang": "zh", "sections": "1, 4"}, Path("/site"), "x").sections
    (1, 4)
    """
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise CourseError(f"{where}: unknown nntrace lesson option {unknown[0]!r}; the options are "
                          f"{', '.join(OPTIONS)}")
    if not options.get("config"):
        raise CourseError(f"{where}: an nntrace lesson needs a config, e.g. config: lessons/seed.toml")
    path = Path(str(options["config"]))
    path = Path(os.path.normpath(path if path.is_absolute() else base / path))
    lang = str(options.get("lang") or "en").strip()
    iteration = _integer(options.get("iteration"), "iteration", where, path)
    sections = options.get("sections")
    if sections is not None and not isinstance(sections, (list, tuple)):
        sections = [s for s in re.split(r"[,\s]+", str(sections)) if s]
    if sections is not None:
        sections = tuple(_integer(s, "sections", where, path) for s in sections)
    return LessonSpec(path, lang, iteration, sections, where)


def _integer(value, name: str, where: str, path: Path) -> int | None:
    if value is None or value == "":
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        raise CourseError(f"{where}: lesson {str(path)!r}: {name} {value!r} must be a whole number, "
                          f"e.g. {name}: 0") from None
    if number < 0:
        raise CourseError(f"{where}: lesson {str(path)!r}: {name} {number} must be 0 or more")
    return number


def render_course_lesson(spec: LessonSpec, *, figures: str = "figures", digits: int = 4) -> CourseLesson:
    """Render ``spec``'s lesson as Markdown; figure links point into the folder ``figures``
    (relative to the page), so two lessons beside each other keep their figures apart."""
    from tracer.lesson.render import parse_langs, render_lesson

    where = f"{spec.where}: lesson {str(spec.config)!r}"
    try:
        langs = parse_langs(spec.lang)
    except TracerError as exc:
        raise CourseError(f"{where}: {str(exc).replace('--lang', 'lang')}") from None
    if len(langs) != 1:
        raise CourseError(f"{where}: lang {spec.lang!r} must be one language or one pair (zh, en or zh-en)")
    trace, table = _trace(spec, where)
    try:
        docs = render_lesson(trace, langs=langs, formats=("md",), digits=digits, iteration=spec.iteration,
                             table_iterations=table, source=spec.config.name)   # its commands keep --config
    except TracerError as exc:
        raise CourseError(f"{where}: {exc}") from None
    markdown = docs[0].content.decode("utf-8")
    if spec.sections is not None:
        markdown = keep_sections(markdown, spec.sections, where)
    out: dict[str, bytes] = {}
    for doc in docs[1:]:
        name = doc.path.split("/", 1)[1]
        link = f"figures/{name}"
        if f"({link})" in markdown:
            out[f"{figures}/{name}"] = doc.content
            markdown = markdown.replace(f"]({link})", f"]({figures}/{name})")
    title = re.search(r"^# (.+)$", markdown, re.M)
    return CourseLesson(markdown, out, title.group(1).strip() if title else "")


def _trace(spec: LessonSpec, where: str):
    """The lesson's trace and table iterations, from a small cache keyed by the config file's
    path, size and modification time and the iteration walked."""
    from tracer.config import load_config
    from tracer.lesson.run import trace_for_lesson
    from tracer.recordspec import parse_spec

    try:
        stat = spec.config.stat()
    except OSError as exc:
        raise CourseError(f"{where} cannot be read ({exc.strerror}); fix the path: it is relative to "
                          f"{'the page' if spec.where.endswith('.md') else 'the site configuration'}") from None
    key = (str(spec.config.resolve()), stat.st_mtime_ns, stat.st_size, spec.iteration)
    if key in _TRACES:
        return _TRACES[key]
    try:
        config = load_config(spec.config)
        n = config.train.iterations
        if spec.iteration is not None:
            if spec.iteration >= n:
                raise CourseError(f"iteration {spec.iteration} is beyond the run's {n} iterations; "
                                  f"choose 0 to {n - 1}")
            table = [int(i) for i in parse_spec(config.record, n)]
            if spec.iteration not in table:
                config = replace(config, record=",".join(map(str, sorted({*table, spec.iteration}))))
        result = trace_for_lesson(config)
    except TracerError as exc:
        raise CourseError(f"{where}: {exc}") from None
    if len(_TRACES) > 16:
        _TRACES.clear()
    _TRACES[key] = result
    return result


_SECTION = re.compile(r"^## (\d+)\.", re.M)


def keep_sections(markdown: str, sections: tuple[int, ...], where: str = "") -> str:
    """The front matter, title and introduction of ``markdown``, then only the numbered ``##``
    sections listed (in the lesson's order).

    >>> keep_sections("# T\\n\\nintro\\n\\n## 1. A\\n\\na\\n\\n## 2. B\\n\\nb\\n", (2,))
    '# T\\n\\nintro\\n\\n## 2. B\\n\\nb\\n'
    """
    starts = [(m.start(), int(m.group(1))) for m in _SECTION.finditer(markdown)]
    present = [n for _, n in starts]
    missing = [n for n in sections if n not in present]
    if missing:
        raise CourseError(f"{where}: the lesson has no section {missing[0]}; its sections are "
                          f"{', '.join(map(str, present))}")
    head = markdown[:starts[0][0]] if starts else markdown
    parts = [head]
    for (start, number), (end, _) in zip(starts, [*starts[1:], (len(markdown), 0)]):
        if number in sections:
            parts.append(markdown[start:end])
    return "".join(parts).rstrip("\n") + "\n"


def strip_front_matter(markdown: str) -> str:
    """``markdown`` without its leading ``---`` YAML block.

    >>> strip_front_matter('---\\ntitle: "x"\\n---\\n\\n# x\\n')
    '# x\\n'
    """
    if markdown.startswith("---\n"):
        end = markdown.find("\n---\n", 4)
        if end != -1:
            return markdown[end + 5:].lstrip("\n")
    return markdown
