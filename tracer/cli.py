"""The ``nntrace`` command line: a thin ``main(argv) -> int`` over the Python API.

Each subcommand lives in its own module with ``register(subparsers)``; heavy libraries (sympy,
jinja2, markdown-it) are imported only inside the commands that use them, so ``nntrace trace``
starts fast. Exit codes: 0 done; 1 a finding (``diff`` found differences, ``derive`` a
disagreement, ``batch`` failed seeds); 2 bad input or a refusal; 130 Ctrl-C. Every failure is one
line on stderr, never a traceback (``NNTRACE_DEBUG=1`` shows the traceback of a bug).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from typing import Sequence

from tracer.errors import TracerError

#: Subcommand modules, each with ``register(subparsers)``; a missing one is simply not offered.
COMMANDS = ("tracer.cli_trace", "tracer.symbolic.cli", "tracer.lesson.cli", "tracer.compare.cli", "tracer.batch.cli",
            "tracer.render.cli", "tracer.grade.cli", "tracer.cli_examples")


class UsageError(TracerError):
    """Bad command-line usage."""


class Parser(argparse.ArgumentParser):
    """An ArgumentParser that takes no abbreviations and whose errors are one line and exit code 2
    (through ``UsageError``)."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs["allow_abbrev"] = False   # --iteration must never be taken as --iterations
        super().__init__(*args, **kwargs)

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
    """Run one ``nntrace`` command; return its exit code (0, 1, 2 or 130)."""
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help(sys.stderr)
            return 2
        return int(args.func(args) or 0)
    except TracerError as exc:
        return _fail(str(exc), exc.exit_code)
    except KeyboardInterrupt:
        return _fail("interrupted", 130)
    except BrokenPipeError:
        _silence_stdout()
        return 0
    except (MemoryError, RecursionError) as exc:
        return _fail(f"the input is too large or too deeply nested to process ({type(exc).__name__}); "
                     "give a smaller one", 2)
    except OSError as exc:
        return _fail(f"{exc.strerror or exc}{f': {exc.filename!r}' if exc.filename else ''}", 2)
    except Exception as exc:  # a bug: still one line (the traceback with NNTRACE_DEBUG=1)
        if os.environ.get("NNTRACE_DEBUG"):
            raise
        return _fail(f"internal error ({type(exc).__name__}: {_one_line(str(exc))}); please report it "
                     "with the command that caused it (NNTRACE_DEBUG=1 shows the traceback)", 1)


def _one_line(text: str) -> str:
    """One line, with control characters from files shown as escapes (they never reach the terminal raw)."""
    text = " ".join(text.split())[:500]
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _fail(message: str, code: int) -> int:
    try:
        print(f"nntrace: error: {_one_line(message)}" if code != 130 else "nntrace: interrupted", file=sys.stderr)
    except (OSError, ValueError):
        pass
    return code


def _silence_stdout() -> None:
    """After a closed pipe, point stdout at /dev/null so the exit flush does not complain."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


def console() -> None:
    """Entry point of the ``nntrace`` console script."""
    code = main()
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()
    sys.exit(code)
