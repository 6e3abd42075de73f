"""``nntrace batch``: a lesson (and worksheet) per seed for a whole class, with an index page."""

from __future__ import annotations

import argparse


def register(sub) -> None:
    from tracer.cli_trace import add_trace_options

    p = sub.add_parser("batch", help="render a lesson for every seed of a class, with an index page",
                       description="Trace and render one lesson per seed (DIR/seed-001/ …) in worker processes, "
                                   "and an index listing each seed's final mean error. Exit 1 if any seed failed.")
    p.add_argument("--seeds", required=True, metavar="1-30", help="seeds and ranges: 1-30, 1,5,9, 1-10,20")
    p.add_argument("--jobs", type=int, metavar="N", help="worker processes (default: the number of CPUs)")
    p.add_argument("--out", default="batch", metavar="DIR", help="output folder (default: ./batch)")
    p.add_argument("--lang", default="zh,en,zh-en", metavar="zh,en,zh-en", help="languages (default: all three)")
    p.add_argument("--format", default="md,html", metavar="md,html", help="formats (default: both)")
    p.add_argument("--fragment", action="store_true", help="HTML as embeddable fragments")
    p.add_argument("--templates", metavar="DIR", help="a folder of templates that override the packaged ones")
    p.add_argument("--digits", type=int, default=4, metavar="N", help="significant digits shown (default 4)")
    p.add_argument("--exercises", action="store_true",
                   help="also a worksheet per seed, with answer keys in --answers (never in the students' folder)")
    p.add_argument("--answers", metavar="DIR",
                   help="folder of the answer keys (default: DIR-answers beside --out; refused inside --out)")
    add_trace_options(p)
    p.set_defaults(func=cmd_batch)


def cmd_batch(args: argparse.Namespace) -> int:
    import sys

    from tracer.batch.index import render_index
    from tracer.batch.run import Job, batch
    from tracer.batch.seeds import parse_seeds
    from tracer.cli_trace import config_from_args, progress_bar
    from tracer.errors import TracerError
    from tracer.render.document import parse_formats, parse_langs
    from tracer.lesson.write import write_documents

    from tracer.render.numbers import check_digits

    check_digits(args.digits)

    from pathlib import Path

    from tracer.files import check_dir_target

    check_dir_target(Path(args.out))   # a file or FIFO named by --out is refused before any work
    seeds = parse_seeds(args.seeds, force=args.force)
    if args.seed is not None:
        raise TracerError("batch takes its seeds from --seeds; remove --seed")
    if args.record is not None:
        raise TracerError("batch records what each lesson needs; remove --record")
    config = config_from_args(args)
    if config.init.values is not None:
        raise TracerError("the config gives the initial weights explicitly, so every seed would be the same; "
                          "remove [init] values/weights to batch over seeds")
    families = ("lesson", "index") + (("worksheet",) if args.exercises else ())
    answers = None
    if args.exercises:
        from tracer.batch.answers import answers_folder

        answers = str(answers_folder(args.out, args.answers))
        check_dir_target(Path(answers))
    elif args.answers is not None:
        raise TracerError("--answers needs --exercises: without worksheets there are no answer keys")
    job = Job(config, args.out, parse_langs(args.lang, args.templates, families), parse_formats(args.format),
              args.fragment, args.digits, args.templates, args.exercises, answers=answers)
    update, close = progress_bar(len(seeds), enabled=sys.stderr.isatty())
    try:
        results = batch(job, seeds, jobs=args.jobs, progress=update)
    finally:
        close()
    write_documents(args.out, render_index(job, results))
    if answers is not None:
        from tracer.batch.answers import TEMPLATE, class_template
        from tracer.render.model import Document

        template = class_template(answers, seeds)
        if template is not None:
            write_documents(answers, [Document(TEMPLATE, template)])
    failed = [r for r in results if r.error is not None]
    for r in failed:
        print(f"seed {r.seed} failed: {r.error}", file=sys.stderr)
    learned = sum(bool(r.learned) for r in results)
    print(f"wrote {len(results)} seed folders and the index to {str(Path(args.out).resolve())!r}: "
          f"{learned} learned the task, {len(failed)} failed"
          + (f"; answer keys and {TEMPLATE} in {answers!r}" if answers is not None else ""))
    return 1 if failed else 0
