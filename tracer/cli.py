"""The ``nntrace`` command line: a thin ``main(argv) -> int`` over the Python API.

Each subcommand lives in its own module with ``register(subparsers)``; heavy libraries (sympy,
jinja2, markdown-it) are imported only inside the commands that use them, so ``nntrace trace``
starts fast. Exit codes: 0 success, 1 unexpected failure (or "differs" for diff), 2 bad input.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Sequence

from tracer.errors import TracerError

#: Subcommand modules, each with ``register(subparsers)``; a missing one is simply not offered.
COMMANDS = ("tracer.cli_trace", "tracer.symbolic.cli", "tracer.lesson.cli", "tracer.compare.cli", "tracer.batch.cli",
            "tracer.render.cli")


class UsageError(TracerError):
    """Bad command-line usage."""


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line and exit code 2 (through ``UsageError``)."""

    def error(self, message: str):  # noqa: D102 - argparse's hook
        raise UsageError(f"{message} (see `{self.prog} --help`)")


def build_parser() -> Parser:
    parser = Parser(prog="nntrace", description="Trace, derive and teach how a small neural network learns.")
    from tracer import __version__

    parser.add_argument("--version", action="version", version=f"nntrace {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for name in COMMANDS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name is not None and name.startswith(exc.name):
                continue
            raise
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one ``nntrace`` command; return its exit code."""
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help(sys.stderr)
            return 2
        return int(args.func(args) or 0)
    except TracerError as exc:
        print(f"nntrace: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("nntrace: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


def console() -> None:
    """Entry point of the ``nntrace`` console script."""
    sys.exit(main())
