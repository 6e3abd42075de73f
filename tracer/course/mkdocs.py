"""The MkDocs plugin ``nntrace`` (``pip install 'nntrace[mkdocs]'``): lessons built with the site.

``mkdocs.yml`` lists lessons, each a page generated at build time::

    plugins:
      - nntrace:
          lessons:
            - config: lessons/seed.toml     # relative to mkdocs.yml
              lang: zh                      # zh, en or zh-en
              iteration: 0                  # the iteration walked through (optional)
              sections: [1, 4]              # numbered sections to keep (optional)
              page: seed/index.zh.md        # where the page goes in the site

or a page of the site holds a marker, replaced by the lesson (config relative to the page)::

    <!-- nntrace-lesson config="../lessons/xor.toml" lang="en" sections="4,5" -->

Figures become files of the site beside the page (``<page>.figures/``). ``mkdocs serve`` watches
every config a lesson uses. A bad config or option fails the build with a ``PluginError`` naming
the file and the fix. mkdocs is imported only when MkDocs loads the plugin: the module imports
without it (``NntracePlugin`` is built on first access).
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

MARKER = re.compile(r"<!--\s*nntrace-lesson\b(?P<attrs>.*?)-->", re.S)
ATTRIBUTE = re.compile(r'\s*([\w-]+)\s*=\s*"([^"]*)"\s*')


def parse_marker(attrs: str, where: str) -> dict[str, str]:
    """The ``key="value"`` pairs of a marker.

    >>> parse_marker(' config="a.toml" lang="zh" ', "p.md")
    {'config': 'a.toml', 'lang': 'zh'}
    """
    from tracer.course.lessons import CourseError

    leftover = ATTRIBUTE.sub("", attrs).strip()
    if leftover:
        raise CourseError(f"{where}: cannot read the nntrace-lesson marker at {leftover[:30]!r}; "
                          'write it as <!-- nntrace-lesson config="lesson.toml" lang="en" -->')
    return {m.group(1): m.group(2) for m in ATTRIBUTE.finditer(attrs)}


def inside_page(markdown: str, sections: bool) -> str:
    """A lesson's Markdown for the middle of a page: without its title (the page has one), and
    with chosen ``sections`` also without its introduction.

    >>> inside_page("# T\\n\\nintro\\n\\n## 4. A\\n", True)
    '## 4. A\\n'
    """
    if sections and "\n## " in markdown:
        return markdown[markdown.index("\n## ") + 1:]
    return re.sub(r"\A# [^\n]*\n+", "", markdown)


def figures_folder(page: str) -> str:
    """The site folder of a page's figures, and how the page links it.

    >>> figures_folder("seed/index.zh.md")
    'index.zh.figures'
    """
    return PurePosixPath(page).stem + ".figures"


def _plugin_class():
    from mkdocs.config import base
    from mkdocs.config import config_options as c
    from mkdocs.exceptions import PluginError
    from mkdocs.plugins import BasePlugin
    from mkdocs.structure.files import File

    from tracer.course.lessons import CourseError, make_spec, render_course_lesson, strip_front_matter

    class LessonItem(base.Config):
        config = c.Type(str)
        page = c.Type(str)
        lang = c.Type(str, default="en")
        iteration = c.Optional(c.Type(int))
        sections = c.Optional(c.ListOfItems(c.Type(int)))

    class PluginConfig(base.Config):
        lessons = c.ListOfItems(c.SubConfig(LessonItem), default=[])
        digits = c.Type(int, default=4)

    class NntracePlugin(BasePlugin[PluginConfig]):
        """Render nntrace lessons into the site at build time."""

        def on_config(self, config):
            self.watched: set[str] = set()
            self.inserts: dict[str, str] = {}
            return config

        def on_files(self, files, config):
            site = Path(config.config_file_path or ".").parent
            try:
                for i, item in enumerate(self.config.lessons):
                    options = {k: item[k] for k in ("config", "lang", "iteration", "sections") if item[k] is not None}
                    spec = make_spec(options, site, f"mkdocs.yml: nntrace lessons[{i}]")
                    self._add(files, config, spec, item["page"], page=True)
                for file in list(files.documentation_pages()):
                    self._markers(files, config, file)
            except CourseError as exc:
                raise PluginError(str(exc)) from None
            return files

        def _markers(self, files, config, file) -> None:
            if file.abs_src_path is None:
                return
            text = Path(file.abs_src_path).read_text(encoding="utf-8-sig")
            if "nntrace-lesson" not in text:
                return
            where = f"{Path(config.docs_dir).name}/{file.src_uri}"
            for n, match in enumerate(MARKER.finditer(text)):
                spec = make_spec(parse_marker(match.group("attrs"), where), Path(file.abs_src_path).parent, where)
                stem = PurePosixPath(file.src_uri).with_suffix("").as_posix() + (f"-{n}" if n else "")
                lesson = self._add(files, config, spec, f"{stem}.md", page=False)
                self.inserts[f"{file.src_uri}#{n}"] = inside_page(lesson, spec.sections is not None)

        def _add(self, files, config, spec, path: str, *, page: bool) -> str:
            lesson = render_course_lesson(spec, figures=figures_folder(path), digits=self.config.digits)
            self.watched.add(str(spec.config))
            folder = PurePosixPath(path).parent
            for name, svg in lesson.figures.items():
                files.append(File.generated(config, (folder / name).as_posix(), content=svg))
            if page:
                files.append(File.generated(config, path, content=lesson.markdown))
            return strip_front_matter(lesson.markdown)

        def on_page_markdown(self, markdown, page, config, files):
            if "nntrace-lesson" not in markdown:
                return markdown
            count = iter(range(10 ** 6))

            def insert(match):
                return self.inserts.get(f"{page.file.src_uri}#{next(count)}", match.group(0))

            return MARKER.sub(insert, markdown)

        def on_serve(self, server, config, builder):
            for path in sorted(self.watched):
                server.watch(path)
            return server

    return NntracePlugin


def __getattr__(name: str):
    if name == "NntracePlugin":
        cls = _plugin_class()
        globals()[name] = cls
        return cls
    raise AttributeError(f"module 'tracer.course.mkdocs' has no attribute {name!r}")
