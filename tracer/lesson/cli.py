"""``nntrace lesson``: render the bilingual lesson (Markdown and offline HTML) for a config or trace.

Importing this module is cheap (argparse only); jinja2, markdown-it, latex2mathml and sympy load
when the command runs.
"""

from __future__ import annotations

import argparse


def register(sub) -> None:
    from tracer.cli_trace import add_trace_options

    p = sub.add_parser("lesson", help="render the lesson: zh, en and zh-en in Markdown and HTML",
                       description="Trace the network (or read --trace) and render the lesson with its real "
                                   "numbers, in Chinese, English and side by side, as Markdown and offline HTML.")
    add_trace_options(p)
    p.add_argument("--trace", metavar="TRACE", help="render this trace file instead of running the config")
    p.add_argument("--lang", default="zh,en,zh-en", metavar="zh,en,zh-en", help="languages (default: all three)")
    p.add_argument("--format", default="md,html,ipynb", metavar="md,html,ipynb", help="formats (default: all three)")
    p.add_argument("--execute", action="store_true", help="run the notebooks with nbclient and keep their outputs")
    p.add_argument("--fragment", action="store_true",
                   help="HTML as an embeddable <article class=\"nntrace-lesson\"> fragment")
    p.add_argument("--out", default="output", metavar="DIR", help="output folder (default: ./output)")
    p.add_argument("--templates", metavar="DIR", help="a folder of templates that override the packaged ones")
    p.add_argument("--digits", type=int, default=4, metavar="N", help="significant digits shown (default 4)")
    p.add_argument("--iteration", type=int, metavar="J",
                   help="the iteration the lesson walks through (default: the first recorded; recorded "
                        "automatically; negative counts from the end)")
    p.set_defaults(func=cmd_lesson)


def cmd_lesson(args: argparse.Namespace) -> int:
    from tracer.errors import TracerError
    from tracer.render.document import parse_formats, parse_langs
    from tracer.lesson.render import LESSON_FORMATS
    from tracer.lesson.run import lesson

    from tracer.render.numbers import check_digits

    check_digits(args.digits)

    from pathlib import Path

    from tracer.files import check_dir_target

    check_dir_target(Path(args.out))   # refuse a file, FIFO or symlink before tracing
    langs = parse_langs(args.lang, args.templates)
    formats = parse_formats(args.format, LESSON_FORMATS)
    from tracer.cli_trace import given_overrides

    overrides = given_overrides(args)
    if args.trace is not None and overrides:
        raise TracerError(f"--trace cannot be combined with {overrides[0]}: the trace already fixes the run")
    config = None
    if args.trace is None:
        from tracer.cli_trace import config_from_args

        config = config_from_args(args)
    written = lesson(config, trace_path=args.trace, out=args.out, langs=langs, formats=formats,
                     fragment=args.fragment, digits=args.digits, templates=args.templates,
                     execute=args.execute, iteration=args.iteration,
                     source=args.config if args.trace is None else None,
                     data_path=args.data if args.trace is None and args.config is None else None)
    print(f"wrote {len(written)} files to {str(Path(args.out).resolve())!r}")
    return 0
