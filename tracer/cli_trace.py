"""``nntrace trace`` and ``nntrace show``, and the trace-override flags other commands share."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

import numpy as np

from tracer.errors import TracerError


def add_trace_options(parser: argparse.ArgumentParser) -> None:
    """The flags that build or override a config (shared by trace, lesson, diff and batch)."""
    group = parser.add_argument_group("configuration (flags override the config file)")
    group.add_argument("--config", metavar="F", help="a TOML config file (default: the article's network)")
    group.add_argument("--seed", type=int, metavar="N", help="init.seed: the random seed of the initial weights")
    group.add_argument("--lr", type=float, metavar="X", help="train.lr: the learning rate")
    group.add_argument("--iterations", type=int, metavar="N", help="train.iterations: the number of steps")
    group.add_argument("--layers", metavar="3,4,1", help="network.layers: units per layer, inputs first")
    group.add_argument("--activation", metavar="A", help="network.activation: one name, or one per weight layer (sigmoid,tanh)")
    group.add_argument("--bias", metavar="none|trainable|frozen", help="network.bias: no biases, learned ones, or fixed ones")
    group.add_argument("--loss", metavar="half_sse|bce", help="network.loss: half the squared error, or binary cross-entropy")
    group.add_argument("--reduction", metavar="sum|mean", help="network.reduction: how per-element losses combine into E")
    group.add_argument("--data", metavar="PRESET|FILE.csv", help="a data preset (seed, xor, and, or, trask) or a CSV file")
    group.add_argument("--record", metavar="SPEC", help="record.iterations, e.g. '0,1,2,10000:60000:10000,last' or 'all'")
    group.add_argument("--force", action="store_true", help="allow a trace larger than about 1 GiB")


#: The flags that change the run (``--trace`` and a TRACE argument cannot be combined with them).
OVERRIDE_FLAGS = ("config", "seed", "lr", "iterations", "layers", "activation", "bias", "loss", "reduction",
                  "data", "record")


def given_overrides(args: argparse.Namespace) -> list[str]:
    """The run-changing flags given on the command line, as ``--name``."""
    return [f"--{name}" for name in OVERRIDE_FLAGS if getattr(args, name, None) is not None]


def config_from_args(args: argparse.Namespace):
    """The resolved ``Config`` of ``--config`` plus the override flags."""
    from tracer.config import load_config

    overrides: dict[str, Any] = {}
    if args.seed is not None:
        overrides["init.seed"] = args.seed
    if args.lr is not None:
        overrides["train.lr"] = args.lr
    if args.iterations is not None:
        overrides["train.iterations"] = args.iterations
    if args.layers is not None:
        try:
            overrides["network.layers"] = [int(v) for v in args.layers.split(",")]
        except ValueError:
            raise TracerError(f"--layers {args.layers!r} must be integers separated by commas, such as 3,4,1") from None
    if args.activation is not None:
        names = args.activation.split(",")
        overrides["network.activation"] = names[0] if len(names) == 1 else names
    for name in ("bias", "loss", "reduction"):
        if getattr(args, name) is not None:
            overrides[f"network.{name}"] = getattr(args, name)
    if args.data is not None:
        key = "data.csv" if args.data.endswith(".csv") else "data.preset"
        value = args.data
        if key == "data.csv":
            from pathlib import Path

            value = str(Path(value).resolve())
        overrides[key] = value
    if args.record is not None:
        overrides["record.iterations"] = args.record
    return load_config(args.config, overrides)


def expected_seconds(config) -> float:
    """A rough estimate of a run's duration: ~20 µs of numpy calls per iteration plus ~1 ns per
    multiply-add (forward, backward and gradients: about 3 × samples × weights)."""
    layers = config.network.layers
    weights = sum(a * b for a, b in zip(layers, layers[1:]))
    return config.train.iterations * (20e-6 + 3e-9 * len(config.data.inputs) * weights)


def progress_bar(total: int, enabled: bool | None = None, seconds: float | None = None):
    """A tqdm bar on stderr when stderr is a terminal and the work takes more than about a second
    (``seconds``, the expected duration); else ``None``.

    Returns ``(update_callable_or_None, close_callable)``.
    """
    if enabled is None:
        enabled = sys.stderr.isatty() and (seconds if seconds is not None else total * 20e-6) > 1.0
    if not enabled:
        return None, lambda: None
    from tqdm import tqdm

    bar = tqdm(total=total, unit="it", file=sys.stderr, leave=False)
    return bar.update, bar.close


def register(sub) -> None:
    trace = sub.add_parser("trace", help="train a network and record its tensors to a trace file",
                           description="Train the configured network and record every tensor at the chosen iterations.")
    add_trace_options(trace)
    trace.add_argument("-o", "--output", required=True, metavar="TRACE.npz", help="where to write the trace")
    trace.set_defaults(func=cmd_trace)

    show = sub.add_parser("show", help="summarise a trace file, or print one tensor",
                          description="Summarise a trace; with --iteration and --tensor print one tensor.")
    show.add_argument("trace", metavar="TRACE", help="a trace file written by `nntrace trace`")
    show.add_argument("--iteration", type=int, metavar="I", help="a recorded iteration (negative counts from the end)")
    show.add_argument("--tensor", metavar="NAME", help="a tensor name such as l1_delta or w0_grad")
    show.add_argument("--json", action="store_true", help="print the tensor as JSON (floats read back exactly)")
    show.set_defaults(func=cmd_show)


def cmd_trace(args: argparse.Namespace) -> int:
    from pathlib import Path

    from tracer.files import check_file_target
    from tracer.train import run

    check_file_target(Path(args.output))   # refuse a folder, FIFO, device or symlink before training
    config = config_from_args(args)
    update, close = progress_bar(config.train.iterations, seconds=expected_seconds(config))
    try:
        trace = run(config, force=args.force, progress=update)
    finally:
        close()
    trace.save(args.output)
    print(f"wrote {args.output}: {len(trace.recorded_iterations)} recorded iterations, "
          f"final mean error {float(trace.stack('mean_error')[-1]):.6g}")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from tracer.trace import load_trace

    trace = load_trace(args.trace)
    if (args.iteration is None) != (args.tensor is None):
        raise TracerError("give --iteration and --tensor together to print one tensor, or neither for a summary")
    if args.tensor is not None:
        value = np.asarray(trace.get(args.tensor, args.iteration))
        iteration = int(trace.recorded_iterations[trace.index(args.iteration)])
        if args.json:
            print(json.dumps({"iteration": iteration, "tensor": args.tensor, "shape": list(value.shape),
                              "dtype": str(value.dtype), "value": value.tolist()}))
        else:
            with np.printoptions(precision=17, suppress=False, linewidth=120):
                print(f"{args.tensor} at iteration {iteration}, shape {list(value.shape)}:\n{value!r}")
        return 0
    print(terminal_text(summary(trace)))
    return 0


def terminal_text(text: str) -> str:
    """``text`` with control characters (other than newline) shown as escapes such as ``\\x1b``, so
    strings from a file cannot move the cursor, retitle the terminal or clear the screen."""
    return "".join(c if c == "\n" or (c.isprintable() and c not in "\x7f") else repr(c)[1:-1] for c in text)


def summary(trace) -> str:
    """A human-readable summary of a trace: config, iterations, tensors, loss per iteration."""
    cfg = trace.config
    net = cfg.network
    lines = [f"title       {cfg.title}"] if cfg.title is not None else []
    lines += [
        f"network     layers {list(net.layers)}, activation {', '.join(net.activation)}, bias {net.bias}, "
        f"loss {net.loss} ({net.reduction})",
        f"data        {cfg.data.name}: {len(cfg.data.inputs)} samples",
        "init        " + ("explicit values" if cfg.init.values is not None else f"seed {cfg.init.seed}"),
        f"train       lr {cfg.train.lr}, {cfg.train.iterations} iterations",
        f"recorded    {len(trace.recorded_iterations)} iterations",
        "tensors     " + ", ".join(f"{n} {list(trace.arrays[n].shape[1:])}" for n in trace.names),
        "",
        f"{'iteration':>10}  {'loss':>24}  {'mean_error':>24}",
    ]
    loss, mean = trace.stack("loss"), trace.stack("mean_error")
    for row, j in enumerate(trace.recorded_iterations):
        if len(trace.recorded_iterations) > 40 and 20 <= row < len(trace.recorded_iterations) - 20:
            if row == 20:
                lines.append(f"{'…':>10}")
            continue
        lines.append(f"{int(j):>10}  {float(loss[row])!r:>24}  {float(mean[row])!r:>24}")
    return "\n".join(lines)
