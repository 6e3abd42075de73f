"""``nntrace grade``: grade a CSV of worksheet answers against a class's answer keys."""

from __future__ import annotations

import argparse


def register(sub) -> None:
    p = sub.add_parser("grade", help="grade worksheet answers against the class's answer keys",
                       description="Read a CSV of answers (a seed column, one column per question id, an optional "
                                   "student column) and write GRADES/grades.csv and a summary page for the teacher. "
                                   "Exit 1 if some rows could not be graded (each is named; the rest are graded).")
    p.add_argument("submissions", metavar="SUBMISSIONS.csv", help="the students' answers")
    p.add_argument("--answers", required=True, metavar="DIR", help="the answer keys (nntrace batch --exercises)")
    p.add_argument("--out", default="grades", metavar="GRADES", help="output folder (default: ./grades)")
    p.add_argument("--lang", default="zh,en,zh-en", metavar="zh,en,zh-en", help="languages of the summary")
    p.add_argument("--format", default="md,html", metavar="md,html", help="formats of the summary")
    p.add_argument("--templates", metavar="DIR", help="a folder of templates that override the packaged ones")
    p.set_defaults(func=cmd_grade)


def cmd_grade(args: argparse.Namespace) -> int:
    import sys

    from tracer.grade.grade import grade, load_keys, question_ids, read_submissions
    from tracer.grade.summary import render_grades
    from tracer.render.document import parse_formats, parse_langs
    from tracer.lesson.write import write_documents

    langs, formats = parse_langs(args.lang, args.templates, ("grade",)), parse_formats(args.format)
    keys = load_keys(args.answers)
    header, rows = read_submissions(args.submissions)
    graded = grade(keys, header, rows)
    ids = question_ids(keys)
    docs = render_grades(graded, ids, langs=langs, formats=formats, templates=args.templates)
    write_documents(args.out, docs)
    bad = [g for g in graded if g.error is not None]
    for g in bad:
        print(f"nntrace grade: {g.error}", file=sys.stderr)
    print(f"graded {len(graded) - len(bad)} of {len(graded)} submissions; wrote grades.csv and the summary to {args.out}")
    return 1 if bad else 0
