"""The Sphinx extension (``pip install 'nntrace[sphinx]'``): ``extensions = ["tracer.sphinx"]``.

It adds the directive ``nntrace-lesson``, from reStructuredText::

    .. nntrace-lesson:: lessons/seed.toml
       :language: zh
       :iteration: 0
       :sections: 1, 4

or from MyST (``myst_parser``, or Jupyter Book 1 with ``sphinx: extra_extensions: [tracer.sphinx]``)::

    ```{nntrace-lesson} lessons/seed.toml
    :language: en
    ```

The config path is relative to the page; ``language`` defaults to the project's language (zh for
``zh_CN``, else en). The lesson is rendered at build time by ``tracer.course.lessons`` and turned
into docutils nodes by ``tracer.course.nodes``: math goes through Sphinx's math nodes, so the
site's MathJax or KaTeX renders it. A page is read again when a config it uses changes
(``env.note_dependency``). A bad config or an unknown option is one error line naming the config
and the fix, at the directive's place; the build then exits 1 and the page holds no lesson (and no
traceback). Sphinx is imported only in ``setup``.
"""

from __future__ import annotations

import os
from pathlib import Path

from tracer import __version__

#: The directive's options: the site's word (``language``) → the lesson spec's (``lang``).
OPTIONS = {"language": "lang", "iteration": "iteration", "sections": "sections"}


class _AnyOption(dict):
    """Accept every option name at parse time, so that an unknown one reaches ``run`` and fails
    the build with the config's path, instead of leaving an error box in the page."""

    def __getitem__(self, name):
        return _text

    def get(self, name, default=None):
        return _text

    def __contains__(self, name) -> bool:
        return True

    def __bool__(self) -> bool:
        return True


def _text(value):
    return (value or "").strip()


def _directive_class(app):
    from sphinx.util import logging
    from sphinx.util.docutils import SphinxDirective

    from tracer.course.lessons import CourseError, make_spec, render_course_lesson
    from tracer.course.nodes import lesson_nodes

    logger = logging.getLogger(__name__)

    class LessonDirective(SphinxDirective):
        """``nntrace-lesson CONFIG`` with ``:language:``, ``:iteration:``, ``:sections:``."""

        required_arguments = 1
        final_argument_whitespace = False
        has_content = False
        option_spec = _AnyOption()

        def run(self):
            try:
                return self._lesson()
            except CourseError as exc:
                # one clean line at the directive's place; the build fails (exit 1), the page has no lesson
                logger.error(str(exc), location=(self.env.docname, self.lineno), type="nntrace")
                app.statuscode = 1
                return []

        def _lesson(self):
            source, _ = self.get_source_info()
            where = "nntrace-lesson"
            unknown = sorted(set(self.options) - set(OPTIONS))
            if unknown:
                raise CourseError(f"{where} {self.arguments[0]!r}: unknown option :{unknown[0]}:; "
                                  f"the options are {', '.join(f':{o}:' for o in OPTIONS)}")
            options = {"config": self.arguments[0]}
            options.update({OPTIONS[name]: value for name, value in self.options.items()})
            if "lang" not in options:
                options["lang"] = "zh" if str(self.config.language or "").startswith("zh") else "en"
            spec = make_spec(options, Path(source).parent, where)
            self.env.note_dependency(str(spec.config.resolve()))
            if not spec.config.is_file():
                raise CourseError(f"{where}: lesson config {os.path.normpath(spec.config)!r} does not exist; "
                                  "give its path relative to this page")
            lesson = render_course_lesson(spec)
            return lesson_nodes(lesson.markdown, lesson.figures, self.env.docname,
                                note_target=self.state.document.note_implicit_target)

    return LessonDirective


def setup(app) -> dict:
    """Register the ``nntrace-lesson`` directive."""
    app.add_directive("nntrace-lesson", _directive_class(app))
    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True}
