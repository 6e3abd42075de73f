"""``nntrace diff``: compare two trace files, or two seeds traced in memory."""

from __future__ import annotations

import argparse
import json
import os
import sys

from tracer.cli_trace import add_trace_options, config_from_args
from tracer.errors import TracerError


def register(sub) -> None:
    p = sub.add_parser("diff", help="compare two traces (or two seeds), tensor by tensor",
                       description="Compare two traces: config, every shared tensor at every shared iteration, "
                                   "the first divergence, final loss and predictions. Exit 0 equal, 1 different, 2 bad input.")
    p.add_argument("traces", nargs="*", metavar="TRACE", help="two trace files (or use --seeds)")
    p.add_argument("--seeds", nargs=2, type=int, metavar=("A", "B"), help="trace these two seeds in memory and compare them")
    p.add_argument("--atol", type=float, default=0.0, metavar="X", help="absolute tolerance (default 0: any difference counts)")
    p.add_argument("--rtol", type=float, default=0.0, metavar="X", help="relative tolerance (default 0)")
    p.add_argument("--align", action="store_true", help="match B's hidden units to A's before comparing")
    p.add_argument("--json", action="store_true", help="write the whole comparison as JSON on stdout")
    p.add_argument("--out", metavar="DIR", help="also write a bilingual report (Markdown and HTML) to DIR")
    p.add_argument("--lang", default="zh,en,zh-en", help="report languages (with --out)")
    p.add_argument("--format", default="md,html", help="report formats (with --out)")
    p.add_argument("--fragment", action="store_true", help="HTML report as an embeddable fragment (with --out)")
    p.add_argument("--templates", metavar="DIR", help="a folder of templates that override the packaged ones (with --out)")
    p.add_argument("--digits", type=int, default=4, metavar="N", help="significant digits in the report (default 4)")
    add_trace_options(p)
    p.set_defaults(func=cmd_diff)


def load_pair(args: argparse.Namespace):
    """The two traces the arguments name: files, or two seeds of one config traced in memory."""
    import tracer

    if args.seeds is not None:
        if args.traces:
            raise TracerError("give two trace files or --seeds A B, not both")
        config = config_from_args(args)
        if args.record is None:   # the default iterations plus ~200 evenly spaced ones, as a lesson records
            from tracer.lesson.run import lesson_recording

            config = lesson_recording(config)[0]
        # with two cores, each seed trains in its own process (quicker than one stack of two)
        jobs = min(2, os.cpu_count() or 1)
        return tuple(tracer.run_many(config, args.seeds, force=args.force, jobs=jobs))
    if len(args.traces) != 2:
        raise TracerError(f"diff needs two trace files (got {len(args.traces)}) or --seeds A B")
    return tracer.load_trace(args.traces[0]), tracer.load_trace(args.traces[1])


def cmd_diff(args: argparse.Namespace) -> int:
    from tracer.compare import diff
    from tracer.compare.text import render_text

    if args.out is not None:
        from tracer.render.numbers import check_digits

        check_digits(args.digits)
    for flag in ("atol", "rtol"):
        value = getattr(args, flag)
        if not value >= 0:
            raise TracerError(f"--{flag} {value!r} must be a number ≥ 0")
    if args.out is not None:
        from pathlib import Path

        from tracer.files import check_dir_target

        check_dir_target(Path(args.out))
    a, b = load_pair(args)
    result = diff(a, b, atol=args.atol, rtol=args.rtol, align_units=args.align)
    if args.out is not None:
        from tracer.compare.report import write_report

        write_report(result, a, b, args.out, langs=args.lang, formats=args.format, fragment=args.fragment,
                     templates=args.templates, digits=args.digits)
    if args.json:
        sys.stdout.write(json.dumps(result.as_dict()) + "\n")   # one write: json.dump writes piece by piece
    else:
        from tracer.cli_trace import terminal_text

        print(terminal_text(render_text(result)))
    return 0 if result.equal else 1
