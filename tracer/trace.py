"""The ``Trace``: recorded tensors of one training run, and its ``.npz`` file format.

A trace file is a plain (uncompressed) ``.npz`` archive, always read with
``allow_pickle=False``. It holds one entry per stored array and a ``manifest`` entry: UTF-8 JSON
in a uint8 array, with the schema version, the resolved config, the recorded iterations, and per
tensor its shape, dtype, storage and sha256. Nothing is stored twice: ``l0`` (the inputs, the
same at every step) is stored once, and ``wk_next`` / ``bk_next`` rows are stored only where
iteration j + 1 is not itself recorded (otherwise they equal ``wk`` / ``bk`` of the next row).

This module reads and writes data; it never trains (it imports only the config and errors).
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from tracer.config import Config, load_config
from tracer.errors import ConfigError, DataError, TraceFileError
from tracer.files import write_file

SCHEMA_VERSION = 1
MANIFEST = "manifest"


@dataclass
class Trace:
    """Every recorded tensor of one run, stacked over the recorded iterations."""

    config: Config
    """The resolved configuration that produced the trace."""
    recorded_iterations: np.ndarray
    """Sorted int64 array of the recorded iterations (0-based, like the article's ``j``)."""
    arrays: dict[str, np.ndarray]
    """Tensor name -> array of shape ``(len(recorded_iterations), *tensor_shape)``."""
    versions: dict[str, str] = field(default_factory=dict)
    """Versions of Python packages that produced the trace (``numpy``, ``nntrace``)."""

    @property
    def names(self) -> list[str]:
        """Tensor names in recording order."""
        return list(self.arrays)

    def index(self, iteration: int) -> int:
        """Row of ``iteration`` in the stacks; negative counts from the end of the run."""
        total = self.config.train.iterations
        j = iteration + total if iteration < 0 else iteration
        row = int(np.searchsorted(self.recorded_iterations, j))
        if row >= len(self.recorded_iterations) or self.recorded_iterations[row] != j:
            raise TraceFileError(
                f"iteration {iteration} was not recorded; recorded: {_summary(self.recorded_iterations)} "
                "(record it with --record)"
            )
        return row

    def stack(self, name: str) -> np.ndarray:
        """The whole stack of tensor ``name``, shape ``(n_recorded, ...)``."""
        try:
            return self.arrays[name]
        except KeyError:
            raise TraceFileError(f"no tensor {name!r} in this trace; tensors: {', '.join(self.arrays)}") from None

    def get(self, name: str, iteration: int) -> np.ndarray:
        """Tensor ``name`` at ``iteration`` (a view; copy it before changing it)."""
        return self.stack(name)[self.index(iteration)]

    def save(self, path: str | Path) -> None:
        """Write the trace to ``path`` atomically (a temporary file in the same folder, then rename)."""
        entries, tensors = _pack(self)
        manifest = {
            "schema": SCHEMA_VERSION,
            "config": self.config.as_dict(),
            "recorded_iterations": self.recorded_iterations.tolist(),
            "names": list(tensors),
            "tensors": tensors,
            "versions": self.versions,
        }
        entries[MANIFEST] = np.frombuffer(json.dumps(manifest, sort_keys=True).encode(), dtype=np.uint8)
        write_file(Path(path), lambda fh: np.savez(fh, **entries))

    # rich display in Jupyter (tracer/display.py, imported only when a notebook asks)
    def _repr_html_(self) -> str:
        from tracer.display import trace_html

        return trace_html(self)

    def _repr_markdown_(self) -> str:
        from tracer.display import trace_markdown

        return trace_markdown(self)

    def _repr_latex_(self) -> str:
        from tracer.display import trace_latex

        return trace_latex(self)


def atomic_write(path: Path, write) -> None:
    """Call ``write(binary_file)`` on a temporary file beside ``path``, then rename it over ``path``
    (kept for callers of earlier versions; ``tracer.files.write_file`` does the work)."""
    write_file(path, write)


def _next_of(name: str) -> str | None:
    """``'w0'`` for ``'w0_next'``; ``None`` for tensors that are not a parameter's next value."""
    if name.endswith("_next"):
        return name[: -len("_next")]
    return None


def _pack(trace: Trace) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    its = trace.recorded_iterations
    follows = np.zeros(len(its), dtype=bool)  # row i's next iteration is row i + 1
    follows[:-1] = its[1:] == its[:-1] + 1
    entries: dict[str, np.ndarray] = {}
    tensors: dict[str, Any] = {}
    for name, stack in trace.arrays.items():
        source = _next_of(name)
        if name == "l0":
            stored, storage = np.ascontiguousarray(stack[0]), "constant"
        elif source is not None and source in trace.arrays:
            stored, storage = np.ascontiguousarray(stack[~follows]), f"next_of:{source}"
        else:
            stored, storage = np.ascontiguousarray(stack), "stacked"
        entries[name] = stored
        tensors[name] = {
            "shape": list(stack.shape[1:]),
            "dtype": str(stack.dtype),
            "storage": storage,
            "sha256": hashlib.sha256(stored.tobytes()).hexdigest(),
        }
    return entries, tensors


def load_trace(path: str | Path) -> Trace:
    """Read a trace file, checking its schema, shapes, dtypes and checksums.

    Raises ``TraceFileError`` naming the file and the problem; object arrays are refused, never
    unpickled.
    """
    path = Path(path)
    where = str(path)
    try:
        npz = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise TraceFileError(f"trace file {where!r} does not exist: check the path, or make one with `nntrace trace`") from None
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise TraceFileError(f"{where!r} is not a trace file (.npz) or it is truncated: {exc}") from None
    if not isinstance(npz, np.lib.npyio.NpzFile):
        raise TraceFileError(f"{where!r} is a single .npy array, not a trace file (.npz); make one with `nntrace trace`")
    with npz:
        try:
            return _unpack(npz, where)
        except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile) as exc:
            if "allow_pickle" in str(exc) or "Object arrays" in str(exc):
                raise TraceFileError(f"{where!r} holds object arrays, which are never unpickled: it is not a trace file") from None
            raise TraceFileError(f"{where!r} is damaged or truncated: {exc}") from None


def _unpack(npz, where: str) -> Trace:
    if MANIFEST not in npz.files:
        raise TraceFileError(f"{where!r} has no manifest: it is an .npz file but not a trace (make one with `nntrace trace`)")
    raw = npz[MANIFEST]
    if not isinstance(raw, np.ndarray) or raw.dtype != np.uint8:
        raise TraceFileError(f"{where!r} has a manifest that is not JSON bytes: it is not a trace file")
    try:
        manifest = json.loads(raw.tobytes().decode())
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TraceFileError(f"{where!r} has an unreadable manifest: {exc}") from None
    schema = manifest.get("schema") if isinstance(manifest, dict) else None
    if schema != SCHEMA_VERSION:
        raise TraceFileError(
            f"{where!r} has trace schema {schema!r} but this nntrace reads schema {SCHEMA_VERSION}; "
            "re-create it with `nntrace trace`"
        )
    try:
        config = load_config(manifest["config"])
        its = np.array(manifest["recorded_iterations"], dtype=np.int64)
        tensors = manifest["tensors"]
        names = manifest["names"]
        if sorted(names) != sorted(tensors):
            raise ValueError("names and tensors disagree")
    except (ConfigError, DataError, KeyError, TypeError, ValueError) as exc:
        raise TraceFileError(f"{where!r} has an invalid manifest: {exc}") from None
    follows = np.zeros(len(its), dtype=bool)
    follows[:-1] = its[1:] == its[:-1] + 1
    arrays: dict[str, np.ndarray] = {}
    for name in names:
        info = tensors[name]
        stored = npz[name]
        if not isinstance(stored, np.ndarray):
            raise TraceFileError(f"{where!r}: entry {name!r} is not an array: it is not a trace file")
        if stored.dtype.kind not in "fiu" or str(stored.dtype) != info["dtype"]:
            raise TraceFileError(f"{where!r}: tensor {name!r} has dtype {stored.dtype}, expected {info['dtype']}")
        if hashlib.sha256(np.ascontiguousarray(stored).tobytes()).hexdigest() != info["sha256"]:
            raise TraceFileError(f"{where!r}: tensor {name!r} fails its sha256 check: the file is corrupt")
        shape = tuple(info["shape"])
        storage = info["storage"]
        if storage == "constant":
            full = np.broadcast_to(stored, (len(its), *stored.shape))
        elif storage == "stacked":
            full = stored
        elif storage.startswith("next_of:") and storage[8:] in arrays:
            full = np.empty((len(its), *shape), dtype=stored.dtype)
            full[follows] = arrays[storage[8:]][1:][follows[:-1]]
            full[~follows] = stored
        else:
            raise TraceFileError(f"{where!r}: tensor {name!r} has unknown storage {storage!r}")
        if full.shape != (len(its), *shape):
            raise TraceFileError(f"{where!r}: tensor {name!r} has shape {full.shape[1:]}, expected {shape}")
        full.flags.writeable = False   # a trace is a record
        arrays[name] = full
    return Trace(config, its, arrays, dict(manifest.get("versions", {})))


def _summary(its: np.ndarray) -> str:
    if len(its) <= 12:
        return ", ".join(str(i) for i in its)
    return f"{', '.join(str(i) for i in its[:6])}, …, {', '.join(str(i) for i in its[-3:])} ({len(its)} in all)"
