"""Configuration: TOML files or dicts, validated and resolved into a frozen ``Config``.

A resolved config is self-contained: its ``as_dict()`` inlines the data and any explicit
initial weights, so ``load_config(config.as_dict())`` gives the same config back. That dict
is what a trace file stores in its manifest.
"""

from __future__ import annotations

import copy
import json
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Mapping

import numpy as np

from tracer.data import PRESETS, as_table, read_csv
from tracer.errors import ConfigError, DataError

ACTIVATIONS = ("sigmoid", "tanh", "relu", "linear")
BIASES = ("none", "trainable", "frozen")
LOSSES = ("half_sse", "bce")
REDUCTIONS = ("sum", "mean")

#: Allowed keys per section; anything else is an error that names the key.
SECTIONS: dict[str, tuple[str, ...]] = {
    "network": ("layers", "activation", "bias", "loss", "reduction"),
    "data": ("preset", "inputs", "targets", "csv", "name", "columns"),
    "init": ("seed", "weights", "values"),
    "train": ("lr", "iterations"),
    "record": ("iterations",),
}
TOP_LEVEL = ("title", *SECTIONS)


@dataclass(frozen=True, slots=True)
class Network:
    """The architecture: everything the symbolic derivation depends on."""

    layers: tuple[int, ...] = (3, 4, 1)
    """Units per layer, inputs first: ``(3, 4, 1)`` is the article's 3-4-1 network."""
    activation: tuple[str, ...] = ("sigmoid", "sigmoid")
    """One activation per weight layer (``len(layers) - 1`` names)."""
    bias: Literal["none", "trainable", "frozen"] = "none"
    """``none``: no biases (the article); ``trainable``: learned; ``frozen``: added but never updated."""
    loss: Literal["half_sse", "bce"] = "half_sse"
    """``half_sse``: ½(a − y)² per element (the article); ``bce``: binary cross-entropy."""
    reduction: Literal["sum", "mean"] = "sum"
    """How per-element losses combine into E: ``sum`` (the article) or ``mean`` over all elements."""

    @property
    def depth(self) -> int:
        """The number of weight layers L."""
        return len(self.layers) - 1

    def as_dict(self) -> dict[str, Any]:
        return {
            "layers": list(self.layers),
            "activation": list(self.activation),
            "bias": self.bias,
            "loss": self.loss,
            "reduction": self.reduction,
        }


@dataclass(frozen=True, slots=True)
class Data:
    """Training samples, resolved to numbers whatever their source."""

    inputs: tuple[tuple[float, ...], ...]
    """One row per sample, ``layers[0]`` columns."""
    targets: tuple[tuple[float, ...], ...]
    """One row per sample, ``layers[-1]`` columns."""
    name: str = "seed"
    """A label for reports: the preset's name, the CSV file's name, or ``inline``."""
    columns: tuple[str, ...] | None = None
    """Column names (inputs then targets) when the source had a header."""

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """``(inputs, targets)`` as fresh float64 arrays."""
        return np.array(self.inputs, dtype=np.float64), np.array(self.targets, dtype=np.float64)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "inputs": _lists(self.inputs), "targets": _lists(self.targets)}
        if self.columns is not None:
            out["columns"] = list(self.columns)
        return out


@dataclass(frozen=True, slots=True)
class Init:
    """Where the initial parameters come from."""

    seed: int = 1
    """``np.random.seed(seed)``, then ``w_k = 2 * np.random.random(shape) - 1`` layer by layer."""
    values: Mapping[str, Any] | None = None
    """Explicit initial parameters (``w0``, ``b0``, …) as nested lists; overrides the seed."""

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"seed": self.seed}
        if self.values is not None:
            out["values"] = copy.deepcopy(dict(self.values))
        return out


@dataclass(frozen=True, slots=True)
class Train:
    """Plain gradient descent settings."""

    lr: float = 0.1
    """Learning rate: ``w -= lr * grad``."""
    iterations: int = 60000
    """Number of steps; the loop variable j runs from 0 to ``iterations - 1``."""


@dataclass(frozen=True, slots=True)
class Config:
    """A complete, validated run description."""

    network: Network = field(default_factory=Network)
    data: Data = field(default_factory=lambda: _preset("seed"))
    init: Init = field(default_factory=Init)
    train: Train = field(default_factory=Train)
    record: str | None = None
    """The record spec (see ``tracer.recordspec``); ``None`` is the default, scaled to the run."""
    title: str | None = None
    """An optional title for lessons and reports."""

    def as_dict(self) -> dict[str, Any]:
        """A JSON- and TOML-friendly dict that ``load_config`` turns back into this config."""
        out: dict[str, Any] = {
            "network": self.network.as_dict(),
            "data": self.data.as_dict(),
            "init": self.init.as_dict(),
            "train": {"lr": self.train.lr, "iterations": self.train.iterations},
        }
        if self.record is not None:
            out["record"] = {"iterations": self.record}
        if self.title is not None:
            out["title"] = self.title
        return out


def load_config(source: str | Path | Mapping[str, Any] | Config | None = None,
                overrides: Mapping[str, Any] | None = None) -> Config:
    """Read, validate and resolve a configuration.

    Parameters
    ----------
    source
        A TOML file path, a dict of the same shape, an existing ``Config``, or ``None`` for the
        article's network.
    overrides
        Dotted keys applied on top, as the command-line flags do: ``{"init.seed": 2,
        "train.lr": 0.5, "network.layers": [2, 3, 1], "data.preset": "xor"}``. Setting any
        ``data.*`` key replaces the whole data section.

    Raises
    ------
    ConfigError, DataError
        With a message naming the bad key or value and how to fix it.

    >>> load_config().network.layers
    (3, 4, 1)
    """
    base = Path(".")
    if source is None:
        raw: dict[str, Any] = {}
    elif isinstance(source, Config):
        raw = source.as_dict()
    elif isinstance(source, Mapping):
        raw = copy.deepcopy(dict(source))
    else:
        path = Path(source)
        base = path.parent
        try:
            with path.open("rb") as fh:
                raw = tomllib.load(fh)
        except FileNotFoundError:
            raise ConfigError(f"config file {str(path)!r} does not exist: check the path") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config file {str(path)!r} is not valid TOML: {exc}") from None
        except OSError as exc:
            raise ConfigError(f"cannot read config file {str(path)!r}: {exc}") from None
    for key, value in (overrides or {}).items():
        section, _, name = key.partition(".")
        if section == "data":
            raw["data"] = {}
        if name:
            raw.setdefault(section, {})
            if not isinstance(raw[section], dict):
                raise ConfigError(f"[{section}] must be a table, not {raw[section]!r}")
            raw[section][name] = value
        else:
            raw[section] = value
    if overrides and "init.seed" in overrides:
        _check_seed_override(raw)
    return _resolve(raw, base)


def _check_seed_override(raw: dict[str, Any]) -> None:
    init = raw.get("init", {})
    if isinstance(init, dict) and ("values" in init or "weights" in init):
        raise ConfigError(
            "a seed has no effect here: the config gives the initial weights explicitly "
            "([init] values or weights); remove them to draw weights from a seed"
        )


def _resolve(raw: dict[str, Any], base: Path) -> Config:
    _check_keys(raw, TOP_LEVEL, "the top level")
    sections = {}
    for name, allowed in SECTIONS.items():
        value = raw.get(name, {})
        if not isinstance(value, dict):
            raise ConfigError(f"[{name}] must be a table of keys, not {value!r}")
        _check_keys(value, allowed, f"[{name}]")
        sections[name] = value
    title = raw.get("title")
    if title is not None and not isinstance(title, str):
        raise ConfigError(f"title must be a string, not {title!r}")

    net = sections["network"]
    data_raw = sections["data"]
    n_out_hint = _int_list(net["layers"], "network.layers")[-1] if "layers" in net else 1
    inputs, targets, name, columns = _data(data_raw, n_out_hint, base)
    if "layers" in net:
        layers = tuple(_int_list(net["layers"], "network.layers"))
    else:
        layers = (inputs.shape[1], 4, targets.shape[1])
    network = _network(net, layers)
    _check_data_fits(network, inputs, targets, name)
    data = Data(_tuples(inputs), _tuples(targets), name, columns)
    init = _init(sections["init"], network, base)
    train = _train(sections["train"])
    record = sections["record"].get("iterations")
    if isinstance(record, list) and all(isinstance(i, int) and not isinstance(i, bool) for i in record):
        record = ",".join(str(i) for i in record)
    if record is not None and not isinstance(record, str):
        raise ConfigError(f"record.iterations must be a spec string such as \"0,1,2,last\", not {record!r}")
    return Config(network, data, init, train, record, title)


def _check_keys(table: Mapping[str, Any], allowed: tuple[str, ...], where: str) -> None:
    for key in table:
        if key not in allowed:
            raise ConfigError(f"unknown key {key!r} in {where}; allowed keys: {', '.join(allowed)}")


def _int_list(value: Any, what: str) -> list[int]:
    if (not isinstance(value, list) or len(value) < 2
            or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in value)):
        raise ConfigError(f"{what} must be a list of at least two positive integers such as [3, 4, 1], not {value!r}")
    return value


def _choice(table: Mapping[str, Any], key: str, allowed: tuple[str, ...], default: str, where: str) -> str:
    value = table.get(key, default)
    if value not in allowed:
        raise ConfigError(f"{where}.{key} = {value!r} is not allowed; choose one of: {', '.join(allowed)}")
    return value


def _network(net: Mapping[str, Any], layers: tuple[int, ...]) -> Network:
    act = net.get("activation", "sigmoid")
    depth = len(layers) - 1
    if isinstance(act, str):
        act = [act] * depth
    if not isinstance(act, list) or len(act) != depth:
        raise ConfigError(
            f"network.activation must be one name or a list of {depth} names (one per weight layer), not {act!r}"
        )
    for a in act:
        if a not in ACTIVATIONS:
            raise ConfigError(f"network.activation {a!r} is not known; choose from: {', '.join(ACTIVATIONS)}")
    loss = _choice(net, "loss", LOSSES, "half_sse", "network")
    if loss == "bce" and act[-1] != "sigmoid":
        raise ConfigError(
            f"loss 'bce' needs a sigmoid output layer, but the last activation is {act[-1]!r}; "
            "set the last network.activation to \"sigmoid\""
        )
    return Network(
        layers=layers,
        activation=tuple(act),
        bias=_choice(net, "bias", BIASES, "none", "network"),
        loss=loss,
        reduction=_choice(net, "reduction", REDUCTIONS, "sum", "network"),
    )


def _data(raw: Mapping[str, Any], n_out: int, base: Path):
    given = [k for k in ("preset", "inputs", "csv") if k in raw]
    if "targets" in raw and "inputs" not in raw:
        raise ConfigError("data.targets needs data.inputs beside it")
    if len(given) > 1:
        raise ConfigError(f"[data] gives {' and '.join(given)}: give only one of preset, inputs + targets, csv")
    columns = raw.get("columns")
    if "csv" in raw:
        if not isinstance(raw["csv"], str):
            raise ConfigError(f"data.csv must be a file path, not {raw['csv']!r}")
        path = base / raw["csv"]
        inputs, targets, header = read_csv(path, n_out)
        return inputs, targets, raw.get("name", path.name), header
    if "inputs" in raw:
        if "targets" not in raw:
            raise ConfigError("data.inputs needs data.targets beside it (one row of targets per sample)")
        inputs = as_table(raw["inputs"], "data.inputs")
        targets = as_table(raw["targets"], "data.targets")
        if len(inputs) != len(targets):
            raise DataError(f"data.inputs has {len(inputs)} rows but data.targets has {len(targets)}: give one target row per sample")
        name = raw.get("name", "inline")
    else:
        preset = raw.get("preset", "seed")
        if preset not in PRESETS:
            raise ConfigError(f"data.preset {preset!r} is not known; choose from: {', '.join(PRESETS)} (or give a CSV file)")
        inputs, targets = (np.array(t, dtype=np.float64) for t in PRESETS[preset])
        name = preset
    if not isinstance(name, str):
        raise ConfigError(f"data.name must be a string, not {name!r}")
    if columns is not None and (not isinstance(columns, list) or not all(isinstance(c, str) for c in columns)):
        raise ConfigError(f"data.columns must be a list of strings, not {columns!r}")
    return inputs, targets, name, tuple(columns) if columns is not None else None


def _check_data_fits(network: Network, inputs: np.ndarray, targets: np.ndarray, name: str) -> None:
    layers = network.layers
    if inputs.shape[1] != layers[0]:
        raise ConfigError(
            f"network.layers[0] is {layers[0]} but the data {name!r} has {inputs.shape[1]} input columns; "
            f"set network.layers to start with {inputs.shape[1]}"
        )
    if targets.shape[1] != layers[-1]:
        raise ConfigError(
            f"network.layers[-1] is {layers[-1]} but the data {name!r} has {targets.shape[1]} target columns; "
            f"set network.layers to end with {targets.shape[1]}"
        )
    if network.loss == "bce" and ((targets < 0) | (targets > 1)).any():
        bad = float(targets[(targets < 0) | (targets > 1)][0])
        raise DataError(f"loss 'bce' needs targets in [0, 1], but the data {name!r} holds {bad!r}; rescale the targets or use loss \"half_sse\"")


def _init(raw: Mapping[str, Any], network: Network, base: Path) -> Init:
    seed = raw.get("seed", 1)
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**32:
        raise ConfigError(f"init.seed must be an integer from 0 to 2**32 - 1, not {seed!r}")
    if "weights" in raw and "values" in raw:
        raise ConfigError("[init] gives both weights (a file) and values: give only one")
    values = raw.get("values")
    if "weights" in raw:
        values = _read_weights(raw["weights"], base)
    if values is None:
        return Init(seed)
    if not isinstance(values, Mapping):
        raise ConfigError(f"init.values must be a table of w0, w1, … (and b0, … with biases), not {values!r}")
    return Init(seed, _check_values(values, network))


def _read_weights(path_value: Any, base: Path) -> dict[str, Any]:
    if not isinstance(path_value, str):
        raise ConfigError(f"init.weights must be the path of a .npz or .json file, not {path_value!r}")
    path = base / path_value
    try:
        if path.suffix == ".json":
            values = json.loads(path.read_text(encoding="utf-8"))
        elif path.suffix == ".npz":
            with np.load(path, allow_pickle=False) as npz:
                values = {k: npz[k].tolist() for k in npz.files}
        else:
            raise ConfigError(f"init.weights {path_value!r} must end in .npz or .json")
    except FileNotFoundError:
        raise ConfigError(f"init.weights file {str(path)!r} does not exist: check the path") from None
    except (OSError, ValueError, EOFError) as exc:
        raise ConfigError(f"cannot read init.weights file {str(path)!r}: {exc}") from None
    if not isinstance(values, dict):
        raise ConfigError(f"init.weights file {str(path)!r} must hold an object of w0, w1, …")
    return values


def _check_values(values: Mapping[str, Any], network: Network) -> dict[str, Any]:
    layers = network.layers
    shapes = {f"w{k}": (layers[k], layers[k + 1]) for k in range(network.depth)}
    if network.bias != "none":
        shapes.update({f"b{k}": (layers[k + 1],) for k in range(network.depth)})
    for key in values:
        if key not in shapes:
            hint = " (biases need network.bias = \"trainable\" or \"frozen\")" if key.startswith("b") else ""
            raise ConfigError(f"unknown initial value {key!r}; allowed: {', '.join(shapes)}{hint}")
    out = {}
    for key, shape in shapes.items():
        if key not in values:
            if key.startswith("b"):
                continue  # biases start at zero unless given
            raise ConfigError(f"init.values lacks {key!r}: give every weight matrix (shape {list(shape)})")
        try:
            arr = np.array(values[key], dtype=np.float64)
        except (TypeError, ValueError):
            raise ConfigError(f"init.values {key!r} must be numbers of shape {list(shape)}") from None
        if arr.shape != shape:
            raise ConfigError(f"init.values {key!r} has shape {list(arr.shape)} but the network needs {list(shape)}")
        if not np.isfinite(arr).all():
            raise ConfigError(f"init.values {key!r} holds a value that is not finite")
        out[key] = arr.tolist()
    return out


def _train(raw: Mapping[str, Any]) -> Train:
    lr = raw.get("lr", 0.1)
    if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not math.isfinite(lr) or lr <= 0:
        raise ConfigError(f"train.lr must be a finite number above 0 such as 0.1, not {lr!r}")
    iterations = raw.get("iterations", 60000)
    if isinstance(iterations, bool) or not isinstance(iterations, int) or iterations < 1:
        raise ConfigError(f"train.iterations must be an integer of at least 1, not {iterations!r}")
    return Train(float(lr), iterations)


def _preset(name: str) -> Data:
    inputs, targets = PRESETS[name]
    return Data(_tuples(inputs), _tuples(targets), name)


def _tuples(table) -> tuple[tuple[float, ...], ...]:
    return tuple(tuple(float(v) for v in row) for row in table)


def _lists(table) -> list[list[float]]:
    return [list(row) for row in table]
