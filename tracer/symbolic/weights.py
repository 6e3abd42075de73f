"""Parameter element names such as ``w0[1,2]`` and ``b1[0]``: parsing and range checks (no sympy)."""

from __future__ import annotations

import re
from typing import Iterable

from tracer.config import Network
from tracer.errors import DerivationError

_WEIGHT = re.compile(r"^\s*([wb])(\d+)\s*\[\s*(-?\d+(?:\s*,\s*-?\d+)*)\s*\]\s*$")


def shapes(network: Network) -> dict[str, tuple[int, ...]]:
    """Every parameter's shape: ``{"w0": (3, 4), "w1": (4, 1)}``, plus ``b0`` … with biases."""
    layers = network.layers
    out: dict[str, tuple[int, ...]] = {f"w{k}": (layers[k], layers[k + 1]) for k in range(network.depth)}
    if network.bias != "none":
        out.update({f"b{k}": (layers[k + 1],) for k in range(network.depth)})
    return out


def element_name(parameter: str, index: tuple[int, ...]) -> str:
    return f"{parameter}[{','.join(str(i) for i in index)}]"


def _valid(network: Network) -> str:
    return ", ".join(f"{name}{list(shape)}" for name, shape in shapes(network).items())


def parse_weight(text: str, network: Network) -> tuple[str, tuple[int, ...]]:
    """``"w0[1,2]"`` → ``("w0", (1, 2))``, checked against the network.

    Raises
    ------
    DerivationError
        For a malformed name, a parameter the network lacks, or an index out of range; the
        message lists the valid parameters and ranges.
    """
    known = shapes(network)
    match = _WEIGHT.match(text) if isinstance(text, str) else None
    if match is None:
        raise DerivationError(
            f"weight {text!r} is not of the form w{{k}}[i,j] or b{{k}}[j]; "
            f"this network has: {_valid(network)} (e.g. --weight w0[0,0])"
        )
    parameter = match.group(1) + str(int(match.group(2)))
    index = tuple(int(v) for v in match.group(3).split(","))
    if parameter not in known:
        hint = " (biases need network.bias = \"trainable\" or \"frozen\")" if parameter[0] == "b" and network.bias == "none" else ""
        raise DerivationError(f"parameter {parameter!r} does not exist{hint}; this network has: {_valid(network)}")
    shape = known[parameter]
    ranges = ", ".join(f"0..{n - 1}" for n in shape)
    if len(index) != len(shape) or any(not 0 <= i < n for i, n in zip(index, shape)):
        raise DerivationError(
            f"{text.strip()!r} is out of range: {parameter} has shape {list(shape)}, so its index runs "
            f"over [{ranges}] (e.g. {element_name(parameter, tuple(0 for _ in shape))})"
        )
    return parameter, index


def select(network: Network, weight: str | Iterable[str] | None) -> list[tuple[str, tuple[int, ...]]]:
    """The elements to derive: the first element of each parameter by default."""
    if weight is None:
        return [(name, tuple(0 for _ in shape)) for name, shape in shapes(network).items()]
    if isinstance(weight, str):
        weight = [weight]
    chosen = [parse_weight(w, network) for w in weight]
    if not chosen:
        raise DerivationError("no weight given; name one such as w0[0,0], or leave it out for every parameter")
    return chosen
