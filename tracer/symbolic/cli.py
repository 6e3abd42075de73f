"""``nntrace derive``: the chain rule for chosen parameters, checked against a trace.

Importing this module is cheap (the parser is built for every command); sympy is imported only
on a derivation-cache miss.
"""

from __future__ import annotations

import argparse
import json

from tracer.cli_trace import add_trace_options, config_from_args
from tracer.errors import TracerError

from tracer.cli_trace import OVERRIDE_FLAGS as _OVERRIDES  # noqa: E402


def register(sub) -> None:
    """Add ``derive`` to the ``nntrace`` subcommands."""
    derive = sub.add_parser(
        "derive", help="derive the chain rule with sympy and check it against the numbers",
        description="Derive ∂E/∂(parameter) by the chain rule with sympy, substitute a recorded iteration's "
                    "numbers, and check them against numpy's gradient and a finite difference.")
    derive.add_argument("trace", nargs="?", metavar="TRACE", help="a trace file (or give --config to run one)")
    add_trace_options(derive)
    derive.add_argument("--weight", action="append", metavar="W",
                        help="an element such as w0[1,2] or b1[0] (repeatable; default: the first element of each parameter)")
    derive.add_argument("--iteration", type=int, metavar="I", help="the iteration whose numbers are used (default 0)")
    derive.add_argument("--json", action="store_true", help="print a JSON list, one object per parameter element")
    derive.add_argument("--digits", type=int, default=6, metavar="N", help="significant digits in the substituted LaTeX (default 6)")
    derive.set_defaults(func=cmd_derive)


def cmd_derive(args: argparse.Namespace) -> int:
    if args.digits < 1 or args.digits > 17:
        raise TracerError(f"--digits {args.digits} must be from 1 to 17")
    if args.trace is not None:
        given = [f"--{name}" for name in _OVERRIDES if getattr(args, name) is not None]
        if given:
            raise TracerError(f"{', '.join(given)} cannot change an existing trace {args.trace!r}; "
                              "give either TRACE or --config with its flags")
        from tracer.trace import load_trace

        source = load_trace(args.trace)
    else:
        source = config_from_args(args)
    from tracer.symbolic import derive

    derivations = derive(source, args.weight, args.iteration, digits=args.digits)
    if args.json:
        print(json.dumps([d.as_dict() for d in derivations], indent=1))
        return 0
    for d in derivations:
        print(text_report(d))
    return 0


def text_report(d) -> str:
    """A derivation as terminal text: the general form, the factors and the three values."""
    lines = [f"∂E/∂{d.weight} at iteration {d.iteration}", "", d.text, ""]
    for factor in d.factors:
        shown = ", ".join(f"{v:.6g}" for v in factor.values[:6]) + (", …" if len(factor.values) > 6 else "")
        lines.append(f"  {factor.name:<16} [{shown}]")
    proof = {True: "yes", False: "no", None: "not attempted (network too large)"}[d.proved]
    lines += [
        "",
        f"  derived            {d.value!r}",
        f"  numpy              {d.numpy_value!r}",
        f"  finite difference  {d.finite_difference!r}",
        f"  agree              {'yes' if d.agree else 'NO'};  symbolic proof: {proof}",
        "",
    ]
    return "\n".join(lines)
