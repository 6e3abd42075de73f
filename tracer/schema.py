"""The one declared schema of what nntrace reads: config files and trace manifests.

Types and ranges are declared per field as ``msgspec`` Structs with constraints (``ConfigFile``
for a TOML config and for the config a trace carries, ``Manifest`` for a trace's manifest); a
value of the wrong type, out of range, or too large is refused before anything is allocated. The
rules that relate fields to each other (shapes against layers, column counts, increasing recorded
iterations, array sizes against a limit) are in ``check_network_data`` and ``check_manifest``,
beside the schema. ``schema_error`` turns a msgspec error into one line that names the key, the
value and what is allowed.

This module imports nothing else from the package but errors.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any, Literal, Union

import msgspec
from msgspec import Meta, Struct

from tracer.errors import ConfigError, TraceFileError

MAX_UNITS = 100_000
"""Units in one layer."""
MAX_LAYERS = 33
"""Entries of ``network.layers`` (32 weight layers)."""
MAX_PARAMETERS = 10_000_000
"""Weights and biases of a whole network (80 MB per copy; the trainer keeps several)."""
MAX_CELLS = 10_000_000
"""Numbers in the training data, and per-sample activations of the widest layer × samples."""
MAX_SAMPLES = 1_000_000
MAX_ITERATIONS = 10**9
MAX_RECORDED = 10_000_000
MAX_TEXT = 1_000
"""Characters of a title, data name or column name."""
MAX_TENSOR_BYTES = 2 << 30
"""Bytes one stored tensor of a trace may declare."""
MAX_TRACE_BYTES = 4 << 30
"""Bytes all stored tensors of a trace may declare together."""

ACTIVATIONS = ("sigmoid", "tanh", "relu", "linear")
BIASES = ("none", "trainable", "frozen")
LOSSES = ("half_sse", "bce")
REDUCTIONS = ("sum", "mean")
DTYPES = ("float64",)

Activation = Literal["sigmoid", "tanh", "relu", "linear"]
Units = Annotated[int, Meta(ge=1, le=MAX_UNITS)]
Text = Annotated[str, Meta(max_length=MAX_TEXT)]
Path_ = Annotated[str, Meta(min_length=1, max_length=4096)]
Row = Annotated[list[float], Meta(max_length=MAX_UNITS)]
Table = Annotated[list[Union[float, Row]], Meta(max_length=MAX_SAMPLES)]
Iteration = Annotated[int, Meta(ge=0, lt=MAX_ITERATIONS)]


class NetworkSection(Struct, forbid_unknown_fields=True, omit_defaults=True):
    """``[network]``: the architecture."""

    layers: Union[Annotated[list[Units], Meta(min_length=2, max_length=MAX_LAYERS)], None] = None
    activation: Union[Activation, Annotated[list[Activation], Meta(min_length=1, max_length=MAX_LAYERS)]] = "sigmoid"
    bias: Literal["none", "trainable", "frozen"] = "none"
    loss: Literal["half_sse", "bce"] = "half_sse"
    reduction: Literal["sum", "mean"] = "sum"


class DataSection(Struct, forbid_unknown_fields=True, omit_defaults=True):
    """``[data]``: a preset, inline tables, or a CSV file (never in a trace: it carries the numbers)."""

    preset: Union[Annotated[str, Meta(max_length=64)], None] = None
    inputs: Union[Table, None] = None
    targets: Union[Table, None] = None
    csv: Union[Path_, None] = None
    name: Union[Text, None] = None
    columns: Union[Annotated[list[Text], Meta(max_length=2 * MAX_UNITS)], None] = None


class InitSection(Struct, forbid_unknown_fields=True, omit_defaults=True):
    """``[init]``: the seed, or explicit initial values (inline, or a file: never in a trace)."""

    seed: Annotated[int, Meta(ge=0, lt=2**32)] = 1
    weights: Union[Path_, None] = None
    values: Union[dict[Annotated[str, Meta(max_length=16)], Table], None] = None


class TrainSection(Struct, forbid_unknown_fields=True, omit_defaults=True):
    """``[train]``: plain gradient descent."""

    lr: Annotated[float, Meta(gt=0, le=1e300)] = 0.1
    iterations: Annotated[int, Meta(ge=1, le=MAX_ITERATIONS)] = 60000


class RecordSection(Struct, forbid_unknown_fields=True, omit_defaults=True):
    """``[record]``: which iterations a trace keeps."""

    iterations: Union[Annotated[str, Meta(max_length=10_000)],
                      Annotated[list[Iteration], Meta(max_length=100_000)], None] = None


class ConfigFile(Struct, forbid_unknown_fields=True, omit_defaults=True):
    """A whole config file (TOML), or the config a trace manifest carries."""

    title: Union[Text, None] = None
    network: NetworkSection = msgspec.field(default_factory=NetworkSection)
    data: DataSection = msgspec.field(default_factory=DataSection)
    init: InitSection = msgspec.field(default_factory=InitSection)
    train: TrainSection = msgspec.field(default_factory=TrainSection)
    record: RecordSection = msgspec.field(default_factory=RecordSection)


TensorName = Annotated[str, Meta(pattern=r"^[a-z][a-z0-9_]{0,31}$")]


class TensorInfo(Struct, forbid_unknown_fields=True):
    """One stored tensor of a trace."""

    shape: Annotated[list[Annotated[int, Meta(ge=0, le=MAX_UNITS * 10)]], Meta(max_length=4)]
    dtype: Literal["float64"]
    storage: Annotated[str, Meta(pattern=r"^(constant|stacked|next_of:[a-z][a-z0-9_]{0,31})$")]
    sha256: Annotated[str, Meta(pattern=r"^[0-9a-f]{64}$")]


class Manifest(Struct, forbid_unknown_fields=True):
    """A trace file's manifest (schema 1)."""

    schema: Literal[1]
    config: ConfigFile
    recorded_iterations: Annotated[list[Iteration], Meta(min_length=1, max_length=MAX_RECORDED)]
    names: Annotated[list[TensorName], Meta(max_length=200)]
    tensors: Annotated[dict[TensorName, TensorInfo], Meta(max_length=200)]
    versions: Annotated[dict[Annotated[str, Meta(max_length=64)], Annotated[str, Meta(max_length=64)]],
                        Meta(max_length=16)] = msgspec.field(default_factory=dict)


#: What each key must be, for error messages (``{key} must be {hint}, not {value!r}``).
HINTS = {
    "title": "a string", "network": "a table of keys", "data": "a table of keys", "init": "a table of keys",
    "train": "a table of keys", "record": "a table of keys",
    "network.layers": f"a list of at least two positive integers such as [3, 4, 1] (at most {MAX_LAYERS} "
                      f"entries of at most {MAX_UNITS} units)",
    "network.activation": f"one of {', '.join(ACTIVATIONS)}, or a list of them with one per weight layer",
    "network.bias": f"one of {', '.join(BIASES)}",
    "network.loss": f"one of {', '.join(LOSSES)}",
    "network.reduction": f"one of {', '.join(REDUCTIONS)}",
    "data.preset": "the name of a preset such as \"seed\" or \"xor\"",
    "data.inputs": "a non-empty list of rows of finite numbers",
    "data.targets": "a non-empty list of rows of finite numbers (a flat list is one column)",
    "data.csv": "the path of a CSV file, relative to the config",
    "data.name": f"a string of at most {MAX_TEXT} characters",
    "data.columns": f"a list of strings of at most {MAX_TEXT} characters",
    "init.seed": "an integer from 0 to 2**32 - 1",
    "init.weights": "the path of a .npz or .json file, relative to the config",
    "init.values": "a table of w0, w1, … (and b0, … with biases) holding lists of numbers",
    "train.lr": "a finite number above 0 such as 0.1",
    "train.iterations": f"an integer of at least 1 (at most {MAX_ITERATIONS})",
    "record.iterations": "a spec string such as \"0,1,2,last\" (or a list of iterations)",
}


def _fields(struct: type) -> list[str]:
    return [f.encode_name for f in msgspec.structs.fields(struct)]


SECTIONS = {name: _fields(t) for name, t in (("network", NetworkSection), ("data", DataSection),
                                              ("init", InitSection), ("train", TrainSection),
                                              ("record", RecordSection))}
TOP_LEVEL = _fields(ConfigFile)


def _lookup(raw: Any, parts: list[str | int]) -> Any:
    for part in parts:
        try:
            raw = raw[part]
        except (KeyError, IndexError, TypeError):
            return None
    return raw


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def schema_error(exc: msgspec.ValidationError, raw: Any, error: type[Exception] = ConfigError,
                 prefix: str = "") -> Exception:
    """One line for a msgspec error: the dotted key, what it must be and the value found."""
    message = str(exc)
    where = re.search(r" - at `\$(.*)`$", message)
    path = where.group(1) if where else ""
    parts: list[str | int] = [key if key else int(index) for key, index in re.findall(r"\.([^.\[]+)|\[(\d+)\]", path)]
    unknown = re.match(r"Object contains unknown field `([^`]*)`", message)
    if unknown:
        section = ".".join(str(p) for p in parts)
        allowed = SECTIONS.get(section, TOP_LEVEL) if section in SECTIONS or not section else None
        where_text = f"[{section}]" if section else "the top level"
        hint = f"; allowed keys: {', '.join(allowed)}" if allowed else ""
        return error(f"{prefix}unknown key {unknown.group(1)!r} in {where_text}{hint}")
    dotted = ".".join(str(p) for p in parts if isinstance(p, str))
    key = dotted + "".join(f"[{p}]" for p in parts if isinstance(p, int))
    hint = HINTS.get(dotted)
    detail = message.split(" - at ")[0]
    value = _lookup(raw, parts)
    if hint is None:
        return error(f"{prefix}{key or 'the config'}: {detail}")
    if key == dotted:
        return error(f"{prefix}{dotted} must be {hint}, not {_short(value)}")
    return error(f"{prefix}{dotted} must be {hint}; {key} is {_short(value)}")


def convert_config(raw: Any, error: type[Exception] = ConfigError, prefix: str = "") -> ConfigFile:
    """Check a config dict against ``ConfigFile`` (types and ranges only)."""
    if not isinstance(raw, dict):
        raise error(f"{prefix}a config must be a table of sections, not {_short(raw)}")
    try:
        return msgspec.convert(raw, ConfigFile)
    except msgspec.ValidationError as exc:
        raise schema_error(exc, raw, error, prefix) from None


def check_network_data(layers: tuple[int, ...], n_samples: int, n_inputs: int, n_targets: int,
                       columns: tuple[str, ...] | None, name: str) -> None:
    """Cross-field rules of a config: data against layers, column names, sizes against the limits."""
    if n_inputs != layers[0]:
        raise ConfigError(f"network.layers[0] is {layers[0]} but the data {name!r} has {n_inputs} input columns; "
                          f"set network.layers to start with {n_inputs}")
    if n_targets != layers[-1]:
        raise ConfigError(f"network.layers[-1] is {layers[-1]} but the data {name!r} has {n_targets} target columns; "
                          f"set network.layers to end with {n_targets}")
    if columns is not None and len(columns) != n_inputs + n_targets:
        raise ConfigError(f"data.columns has {len(columns)} names but the data {name!r} has {n_inputs + n_targets} "
                          f"columns ({n_inputs} inputs, {n_targets} targets): give one name per column")
    parameters = sum(a * b + b for a, b in zip(layers, layers[1:]))
    if parameters > MAX_PARAMETERS:
        raise ConfigError(f"network.layers {list(layers)} has {parameters} parameters, over the limit of "
                          f"{MAX_PARAMETERS}; use fewer units")
    if n_samples * max(layers) > MAX_CELLS:
        raise ConfigError(f"{n_samples} samples × {max(layers)} units is over the limit of {MAX_CELLS} "
                          "activations per layer; use fewer samples or units")


def tensor_shapes(layers: tuple[int, ...], biased: bool, n_samples: int) -> dict[str, tuple[int, ...]]:
    """Every tensor a trace records, with its per-iteration shape (as ``tracer.train`` records them)."""
    depth = len(layers) - 1
    shapes: dict[str, tuple[int, ...]] = {"l0": (n_samples, layers[0])}
    for k in range(1, depth + 1):
        shapes[f"z{k}"] = shapes[f"l{k}"] = (n_samples, layers[k])
    shapes[f"l{depth}_error"] = (n_samples, layers[-1])
    shapes["loss"] = shapes["mean_error"] = ()
    for k in range(depth, 0, -1):
        shapes[f"l{k}_delta"] = (n_samples, layers[k])
        if k > 1:
            shapes[f"l{k - 1}_error"] = (n_samples, layers[k - 1])
    for k in range(depth):
        for suffix in ("", "_grad", "_next"):
            shapes[f"w{k}{suffix}"] = (layers[k], layers[k + 1])
            if biased:
                shapes[f"b{k}{suffix}"] = (layers[k + 1],)
    return shapes


def stored_shapes(manifest: Manifest, layers: tuple[int, ...], biased: bool, n_samples: int,
                  iterations: int, where: str) -> dict[str, tuple[int, ...]]:
    """Cross-field rules of a trace manifest; returns the shape each tensor must have as stored.

    Recorded iterations strictly increasing and within the run; tensor names, shapes and dtypes
    as the config's network records them; storage kinds consistent; sizes against the limits.
    """
    its = manifest.recorded_iterations
    if any(b <= a for a, b in zip(its, its[1:])):
        raise TraceFileError(f"{where}: recorded_iterations are not strictly increasing: the manifest is tampered")
    if its[-1] >= iterations:
        raise TraceFileError(f"{where}: recorded iteration {its[-1]} is outside the run of {iterations} iterations")
    if len(set(manifest.names)) != len(manifest.names) or set(manifest.names) != set(manifest.tensors):
        raise TraceFileError(f"{where}: the manifest's names and tensors disagree")
    expected = tensor_shapes(layers, biased, n_samples)
    follows = sum(1 for a, b in zip(its, its[1:]) if b == a + 1)
    out: dict[str, tuple[int, ...]] = {}
    total = 0
    for name in manifest.names:
        info = manifest.tensors[name]
        if name not in expected:
            raise TraceFileError(f"{where}: tensor {name!r} is not one this network records")
        if tuple(info.shape) != expected[name]:
            raise TraceFileError(f"{where}: tensor {name!r} has shape {info.shape}, but the network "
                                 f"{list(layers)} with {n_samples} samples gives {list(expected[name])}")
        storage = info.storage
        if storage == "constant" and name == "l0":
            rows = None
        elif storage == "stacked":
            rows = len(its)
        elif storage == f"next_of:{name[:-5]}" and name.endswith("_next") and name[:-5] in out:
            rows = len(its) - follows
        else:
            raise TraceFileError(f"{where}: tensor {name!r} has storage {storage!r}, which does not fit it")
        shape = expected[name] if rows is None else (rows, *expected[name])
        size = math.prod(shape) * 8
        if size > MAX_TENSOR_BYTES:
            raise TraceFileError(f"{where}: tensor {name!r} declares {size} bytes, over the limit of {MAX_TENSOR_BYTES}")
        total += size
        out[name] = shape
    if total > MAX_TRACE_BYTES:
        raise TraceFileError(f"{where}: the tensors declare {total} bytes, over the limit of {MAX_TRACE_BYTES}")
    return out


def decode_manifest(data: bytes, where: str) -> Manifest:
    """Decode and type-check a manifest (JSON bytes); refuses another schema with its number."""
    try:
        head = msgspec.json.decode(data, type=_Head)
    except (msgspec.DecodeError, msgspec.ValidationError):
        head = None
    if head is None or head.schema != 1:
        found = None if head is None else head.schema
        if head is not None:
            raise TraceFileError(f"{where!r} has trace schema {found!r} but this nntrace reads schema 1; "
                                 "re-create it with `nntrace trace`")
    try:
        return msgspec.json.decode(data, type=Manifest)
    except msgspec.ValidationError as exc:
        inner = re.search(r" - at `\$\.config(.*)`$", str(exc))
        if inner is not None:   # name the config key as a config file's error would
            try:
                raw = msgspec.json.decode(data)["config"]
            except Exception:  # noqa: BLE001 - only for a nicer message
                raw = None
            moved = msgspec.ValidationError(str(exc).replace("`$.config", "`$", 1))
            raise schema_error(moved, raw, TraceFileError, f"{where!r} has an invalid config in its manifest: ") from None
        raise TraceFileError(f"{where!r} has an invalid manifest: {_one_line(str(exc))}") from None
    except msgspec.DecodeError as exc:
        raise TraceFileError(f"{where!r} has an unreadable manifest: {_one_line(str(exc))}") from None


class _Head(Struct):
    schema: Union[int, str, None] = None


def _one_line(text: str) -> str:
    return " ".join(text.split())[:300]
