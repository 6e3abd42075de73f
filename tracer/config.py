"""Configuration: TOML files or dicts, validated and resolved into a frozen ``Config``.

Types and ranges come from the declared schema (``tracer.schema.ConfigFile``), which also checks
the config a trace carries; the cross-field rules (data against layers, column names, sizes) run
once the data are read. A config's files (``data.csv``, ``init.weights``) are read relative to the
config, only if they are regular files under a size limit; a trace's config may name no file.

A resolved config is self-contained: its ``as_dict()`` inlines the data and any explicit
initial weights, so ``load_config(config.as_dict())`` gives the same config back. That dict
is what a trace file stores in its manifest.
"""

from __future__ import annotations

import copy
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Mapping

import numpy as np

from tracer import schema
from tracer.data import PRESETS, as_table, read_csv
from tracer.errors import ConfigError, DataError
from tracer.files import read_input
from tracer.schema import ACTIVATIONS, BIASES, LOSSES, REDUCTIONS, SECTIONS, TOP_LEVEL  # noqa: F401 (re-exported)

MAX_CONFIG_BYTES = 16 << 20
MAX_WEIGHTS_BYTES = 256 << 20


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
                overrides: Mapping[str, Any] | None = None, *, self_contained: bool = False) -> Config:
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
    self_contained
        Refuse keys that name files (``data.csv``, ``init.weights``): a trace's config carries
        its numbers and never makes nntrace open a path.

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
        raw, base = _read_toml(source)
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
    checked = schema.convert_config(raw)
    if self_contained and (checked.data.csv is not None or checked.init.weights is not None):
        raise ConfigError("a trace's config must carry its data and weights, not name files "
                          "(data.csv / init.weights): the trace is tampered or foreign")
    return _resolve(checked, raw, base)


def _read_toml(source: str | Path) -> tuple[dict[str, Any], Path]:
    path = Path(source)
    data = read_input(source, "config file", MAX_CONFIG_BYTES, ConfigError)
    if data.lstrip().startswith(b"PK\x03\x04") or data.startswith(b"PK\x03\x04"):
        raise ConfigError(f"{str(path)!r} is a trace file (.npz), not a config; use it as TRACE or --trace")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"config file {str(path)!r} is not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
    try:
        return tomllib.loads(text), path.parent
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {str(path)!r} is not valid TOML: {exc}") from None
    except RecursionError:
        raise ConfigError(f"config file {str(path)!r} is nested too deeply to be a config") from None


def _check_seed_override(raw: dict[str, Any]) -> None:
    init = raw.get("init", {})
    if isinstance(init, dict) and ("values" in init or "weights" in init):
        raise ConfigError(
            "a seed has no effect here: the config gives the initial weights explicitly "
            "([init] values or weights); remove them to draw weights from a seed"
        )


def _resolve(cf: schema.ConfigFile, raw: dict[str, Any], base: Path) -> Config:
    net = cf.network
    n_out_hint = net.layers[-1] if net.layers is not None else 1
    inputs, targets, name, columns = _data(cf.data, n_out_hint, base)
    layers = tuple(net.layers) if net.layers is not None else (inputs.shape[1], 4, targets.shape[1])
    network = _network(net, layers)
    schema.check_network_data(layers, len(inputs), inputs.shape[1], targets.shape[1], columns, name)
    if network.loss == "bce" and ((targets < 0) | (targets > 1)).any():
        bad = float(targets[(targets < 0) | (targets > 1)][0])
        raise DataError(f"loss 'bce' needs targets in [0, 1], but the data {name!r} holds {bad!r}; "
                        "rescale the targets or use loss \"half_sse\"")
    data = Data(_tuples(inputs), _tuples(targets), name, columns)
    init = _init(cf.init, network, base)
    record = cf.record.iterations
    if isinstance(record, list):
        record = ",".join(str(i) for i in record)
    return Config(network, data, init, Train(cf.train.lr, cf.train.iterations), record, cf.title)


def _network(net: schema.NetworkSection, layers: tuple[int, ...]) -> Network:
    act = net.activation
    depth = len(layers) - 1
    if isinstance(act, str):
        act = [act] * depth
    if len(act) != depth:
        raise ConfigError(
            f"network.activation must be one name or a list of {depth} names (one per weight layer), not {act!r}"
        )
    if net.loss == "bce" and act[-1] != "sigmoid":
        raise ConfigError(
            f"loss 'bce' needs a sigmoid output layer, but the last activation is {act[-1]!r}; "
            "set the last network.activation to \"sigmoid\""
        )
    return Network(layers=layers, activation=tuple(act), bias=net.bias, loss=net.loss, reduction=net.reduction)


def _data(raw: schema.DataSection, n_out: int, base: Path):
    given = [k for k in ("preset", "inputs", "csv") if getattr(raw, k) is not None]
    if raw.targets is not None and raw.inputs is None:
        raise ConfigError("data.targets needs data.inputs beside it")
    if len(given) > 1:
        raise ConfigError(f"[data] gives {' and '.join(given)}: give only one of preset, inputs + targets, csv")
    columns = tuple(raw.columns) if raw.columns is not None else None
    if raw.csv is not None:
        if raw.csv == "-":
            raise ConfigError("data.csv '-' would be standard input; give the path of a CSV file")
        path = base / raw.csv
        inputs, targets, header = read_csv(path, n_out)
        return inputs, targets, raw.name if raw.name is not None else path.name, columns or header
    if raw.inputs is not None:
        if raw.targets is None:
            raise ConfigError("data.inputs needs data.targets beside it (one row of targets per sample)")
        inputs = as_table(raw.inputs, "data.inputs")
        targets = as_table(raw.targets, "data.targets")
        if len(inputs) != len(targets):
            raise DataError(f"data.inputs has {len(inputs)} rows but data.targets has {len(targets)}: give one target row per sample")
        name = raw.name if raw.name is not None else "inline"
    else:
        preset = raw.preset if raw.preset is not None else "seed"
        if preset not in PRESETS:
            raise ConfigError(f"data.preset {preset!r} is not known; choose from: {', '.join(PRESETS)} (or give a CSV file)")
        inputs, targets = (np.array(t, dtype=np.float64) for t in PRESETS[preset])
        name = raw.name if raw.name is not None else preset
    return inputs, targets, name, columns


def _init(raw: schema.InitSection, network: Network, base: Path) -> Init:
    if raw.weights is not None and raw.values is not None:
        raise ConfigError("[init] gives both weights (a file) and values: give only one")
    values: Mapping[str, Any] | None = raw.values
    if raw.weights is not None:
        values = _read_weights(raw.weights, base)
    if values is None:
        return Init(raw.seed)
    return Init(raw.seed, _check_values(values, network))


def _read_weights(path_value: str, base: Path) -> dict[str, Any]:
    if path_value == "-":
        raise ConfigError("init.weights '-' would be standard input; give the path of a .npz or .json file")
    path = base / path_value
    if path.suffix not in (".npz", ".json"):
        raise ConfigError(f"init.weights {path_value!r} must end in .npz or .json")
    data = read_input(path, "init.weights file", MAX_WEIGHTS_BYTES, ConfigError)
    try:
        if path.suffix == ".json":
            values = json.loads(data.decode("utf-8"))
        else:
            from tracer.npzread import read_npz

            values = {k: v.tolist() for k, v in read_npz(data, f"init.weights file {str(path)!r}", ConfigError).items()}
    except (ValueError, RecursionError) as exc:
        raise ConfigError(f"cannot read init.weights file {str(path)!r}: {_one_line(exc)}") from None
    if not isinstance(values, dict):
        raise ConfigError(f"init.weights file {str(path)!r} must hold an object of w0, w1, …")
    try:
        return schema.msgspec.convert(values, dict[str, schema.Table])
    except schema.msgspec.ValidationError as exc:
        raise ConfigError(f"init.weights file {str(path)!r} must hold lists of numbers: {_one_line(exc)}") from None


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200]


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


def _preset(name: str) -> Data:
    inputs, targets = PRESETS[name]
    return Data(_tuples(inputs), _tuples(targets), name)


def _tuples(table) -> tuple[tuple[float, ...], ...]:
    return tuple(tuple(float(v) for v in row) for row in table)


def _lists(table) -> list[list[float]]:
    return [list(row) for row in table]
