"""A whole runnable numpy program for a ``Config``: data, initial weights, the loop, the prints.

The loop body is the ``steps`` snippets in order, so the code a lesson shows beside each step is
the code this program runs. It needs numpy only and prints every number in full (shortest
round-trip digits), so its output can be checked against a trace value for value.
"""

from __future__ import annotations

from tracer.config import Config
from tracer.program.steps import activation_code, steps

INDENT = "    "


def print_every(config: Config) -> int:
    """How often the program prints E: the default record spec's step, ``max(1, iterations // 6)``."""
    return max(1, config.train.iterations // 6)


def printed_iterations(config: Config) -> list[int]:
    """The iterations whose E and mean error the program prints (every ``print_every``, and the last)."""
    n, every = config.train.iterations, print_every(config)
    return sorted({*range(0, n, every), n - 1})


def program(config: Config) -> str:
    """The complete numpy script that trains ``config``'s network and prints its numbers.

    It prints ``j E mean_error`` at ``printed_iterations(config)``, then the last iteration's
    output layer (before its update, as recorded) and every parameter after the last update.
    """
    net = config.network
    L = net.depth
    lines = ['"""' + _title(config) + '"""', "import numpy as np", "",
             "np.set_printoptions(floatmode=\"unique\")   # print every digit", ""]
    for name in dict.fromkeys(net.activation):
        lines += _function(name) + [""]
    lines += setup_code(config).splitlines()
    lines += ["", f"for j in range({config.train.iterations}):", INDENT + "l0 = x"]
    for s in steps(config):
        lines += [INDENT + line for line in s.code.splitlines()]
    last = config.train.iterations - 1
    lines += [INDENT + f"if j % {print_every(config)} == 0 or j == {last}:",
              INDENT * 2 + "print(j, E, mean_error)", "",
              f"print(l{L})"]
    for k in range(L):
        lines.append(f"print(w{k})")
        if net.bias != "none":
            lines.append(f"print(b{k})")
    return "\n".join(lines) + "\n"


def setup_code(config: Config) -> str:
    """The lines before the loop: data, learning rate, initial parameters (and the mean's scale)."""
    net = config.network
    x, y = config.data.arrays()
    lines = [f"x = np.array({_rows(x)}, dtype=float)   # {x.shape} inputs, one row per sample",
             f"y = np.array({_rows(y)}, dtype=float)   # {y.shape} targets",
             f"lr = {config.train.lr!r}"]
    if net.reduction == "mean":
        lines.append("scale = 1 / y.size   # E is the mean over all targets")
    values = config.init.values
    if values is None:
        lines.append(f"np.random.seed({config.init.seed})")
    for k in range(net.depth):
        shape = (net.layers[k], net.layers[k + 1])
        if values is None:
            lines.append(f"w{k} = 2 * np.random.random(size={shape}) - 1   # {shape}, uniform in [-1, 1)")
        else:
            lines.append(f"w{k} = np.array({_rows(values[f'w{k}'])}, dtype=float)   # {shape}")
    if net.bias != "none":
        for k in range(net.depth):
            given = values.get(f"b{k}") if values is not None else None
            size = net.layers[k + 1]
            lines.append(f"b{k} = np.array({_row(given)}, dtype=float)" if given is not None
                         else f"b{k} = np.zeros({size})")
    return "\n".join(lines)


def _function(name: str) -> list[str]:
    forward, back = activation_code(name)
    return [f"def {name}(x, back=False):",
            INDENT + "if back:   # the derivative, written with the layer's output x",
            INDENT * 2 + f"return {back}",
            INDENT + f"return {forward}"]


def _title(config: Config) -> str:
    net = config.network
    layers = "-".join(str(n) for n in net.layers)
    return f"A {layers} network ({', '.join(net.activation)}), written out by nntrace."


def _number(v: float) -> str:
    v = float(v)
    return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)


def _row(row) -> str:
    return "[" + ", ".join(_number(v) for v in row) + "]"


def _rows(table) -> str:
    return "[" + ", ".join(_row(r) for r in table) + "]"
