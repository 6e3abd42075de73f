"""The ``Trace``: recorded tensors of one training run, and its ``.npz`` file format.

A trace file is a plain (uncompressed) ``.npz`` archive, read by ``tracer.npzread`` (sizes checked
before allocation, never unpickled). It holds one entry per stored array and a ``manifest`` entry: UTF-8 JSON
in a uint8 array, with the schema version, the resolved config, the recorded iterations, and per
tensor its shape, dtype, storage and sha256. Nothing is stored twice: ``l0`` (the inputs, the
same at every step) is stored once, and ``wk_next`` / ``bk_next`` rows are stored only where
iteration j + 1 is not itself recorded (otherwise they equal ``wk`` / ``bk`` of the next row).

This module reads and writes data; it never trains (it imports the config, the schema, errors and
the file helpers).
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

import msgspec

from tracer import schema
from tracer.config import Config, load_config
from tracer.errors import ConfigError, DataError, TraceFileError
from tracer.files import describe, write_file
from tracer.npzread import NpzError, member_names, open_zip, read_member

SCHEMA_VERSION = 1
MANIFEST = "manifest"
MAX_MANIFEST_BYTES = 256 << 20


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
    """Read a trace file, checking its manifest, shapes, dtypes and checksums before trusting it.

    1. open the path only if it is a regular file (never a FIFO or device);
    2. decode the manifest against the declared schema (``tracer.schema.Manifest``);
    3. check the cross-field rules (iterations, shapes against the layers, sizes against limits);
    4. read each array, refusing any whose header disagrees, then check its sha256.

    A trace is self-contained: its config may name no file, and loading never opens one. Raises
    ``TraceFileError`` naming the file and the problem; object arrays are never unpickled.
    """
    where = str(path)
    fd = _open_regular(where)
    with os.fdopen(fd, "rb") as fh:
        magic = fh.read(8)
        if not magic.startswith(b"PK"):
            raise TraceFileError(_not_a_trace(where, magic, fh))
        fh.seek(0)
        try:
            with open_zip(fh) as zf:
                return _unpack(zf, where)
        except NpzError as exc:
            raise TraceFileError(f"{where!r} is not a trace file or it is damaged: {exc}") from None
        except (OSError, EOFError, zipfile.BadZipFile) as exc:
            raise TraceFileError(f"{where!r} is damaged or truncated: {exc}") from None


def _open_regular(where: str) -> int:
    if "\0" in where or where == "-":
        raise TraceFileError(f"trace path {where!r} is not a file path; give the path of a .npz trace")
    try:
        fd = os.open(where, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise TraceFileError(f"trace file {where!r} does not exist: check the path, or make one with `nntrace trace`") from None
    except OSError as exc:
        raise TraceFileError(f"cannot read trace file {where!r}: {exc.strerror or exc}") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise TraceFileError(f"{where!r} is {describe(mode)}, not a trace file; give the path of a .npz trace")
    return fd


def _not_a_trace(where: str, magic: bytes, fh) -> str:
    if magic.startswith(b"\x93NUMPY"):
        return f"{where!r} is a single .npy array, not a trace file (.npz); make one with `nntrace trace`"
    head = magic + fh.read(4096)
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        text = ""
    if text and ("[" in text or "=" in text) and "\0" not in text:
        return (f"{where!r} looks like a config file (TOML), not a trace; give it with --config, "
                "or make a trace with `nntrace trace --config FILE -o TRACE.npz`")
    return f"{where!r} is not a trace file (.npz) or it is truncated; make one with `nntrace trace`"


def _unpack(zf, where: str) -> Trace:
    names = member_names(zf)
    if MANIFEST not in names:
        raise TraceFileError(f"{where!r} has no manifest: it is an .npz file but not a trace (make one with `nntrace trace`)")
    raw = read_member(zf, MANIFEST, MAX_MANIFEST_BYTES)
    if raw.dtype != np.uint8 or raw.ndim != 1:
        raise TraceFileError(f"{where!r} has a manifest that is not JSON bytes: it is not a trace file")
    manifest = schema.decode_manifest(raw.tobytes(), where)
    try:
        config = load_config(msgspec.to_builtins(manifest.config), self_contained=True)
    except (ConfigError, DataError) as exc:
        raise TraceFileError(f"{where!r} has an invalid config in its manifest: {exc}") from None
    net = config.network
    shapes = schema.stored_shapes(manifest, net.layers, net.bias != "none", len(config.data.inputs),
                                  config.train.iterations, repr(where))
    if set(names) != {MANIFEST, *manifest.names}:
        raise TraceFileError(f"{where!r}: its arrays and its manifest's tensors disagree")
    its = np.array(manifest.recorded_iterations, dtype=np.int64)
    follows = np.zeros(len(its), dtype=bool)
    follows[:-1] = its[1:] == its[:-1] + 1
    arrays: dict[str, np.ndarray] = {}
    for name in manifest.names:
        info = manifest.tensors[name]
        stored = read_member(zf, name, schema.MAX_TENSOR_BYTES, shapes[name], info.dtype)
        if hashlib.sha256(stored.data if stored.flags.c_contiguous else stored.tobytes()).hexdigest() != info.sha256:
            raise TraceFileError(f"{where!r}: tensor {name!r} fails its sha256 check: the file is corrupt")
        shape = tuple(info.shape)
        if info.storage == "constant":
            full = np.broadcast_to(stored, (len(its), *stored.shape))
        elif info.storage == "stacked":
            full = stored
        else:
            full = np.empty((len(its), *shape), dtype=stored.dtype)
            full[follows] = arrays[info.storage[8:]][1:][follows[:-1]]
            full[~follows] = stored
        full.flags.writeable = False   # a trace is a record
        arrays[name] = full
    return Trace(config, its, arrays, dict(manifest.versions))


def _summary(its: np.ndarray) -> str:
    if len(its) <= 12:
        return ", ".join(str(i) for i in its)
    return f"{', '.join(str(i) for i in its[:6])}, …, {', '.join(str(i) for i in its[-3:])} ({len(its)} in all)"
