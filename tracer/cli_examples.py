"""``nntrace examples``: list the shipped example configs, or copy chosen ones into a folder."""

from __future__ import annotations

import argparse


def register(sub) -> None:
    p = sub.add_parser("examples", help="list the example configs, or copy some into a folder",
                       description="Without names, list the example configs shipped with nntrace. With names, "
                                   "copy those configs (and the CSV files they read) into --out, ready for "
                                   "`nntrace lesson --config NAME.toml`.")
    p.add_argument("names", nargs="*", metavar="NAME", help="examples to copy, e.g. deep_tanh_bias")
    p.add_argument("--out", default=".", metavar="DIR", help="the folder to copy into (default: the current one)")
    p.add_argument("--force", action="store_true", help="replace files of the same names in --out")
    p.set_defaults(func=cmd_examples)


def cmd_examples(args: argparse.Namespace) -> int:
    from tracer.shipped import copy_examples, examples

    if not args.names:
        shown = examples()
        width = max(len(e.name) for e in shown)
        for e in shown:
            print(f"{e.name:<{width}}  {e.title}")
        return 0
    for path in copy_examples(args.names, args.out, force=args.force):
        print(path)
    return 0
