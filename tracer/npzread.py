"""A guarded ``.npz`` reader: every size is checked before anything is allocated.

``numpy.load`` trusts the archive: it allocates what a member's header declares and inflates a
compressed member as far as it goes. Here each member's declared size is checked against a limit
(and against the shape the caller expects), a compressed member may not claim more than deflate
can produce, only plain numeric dtypes are read (never objects, never unpickled), and a member is
never read past its declared size (``zipfile`` stops there and checks the CRC).
"""

from __future__ import annotations

import io
import zipfile
import zlib
from typing import IO, Mapping

import numpy as np

MAX_MEMBERS = 512
MAX_HEADER = 10_000
DEFLATE_RATIO = 1100     # deflate cannot expand past ~1032:1
NUMERIC_KINDS = "fiub"


class NpzError(ValueError):
    """The archive is not a plain numeric .npz within the limits (the message says why)."""


def open_zip(source: bytes | IO[bytes]) -> zipfile.ZipFile:
    """The archive's directory, with the member count and compression checked."""
    fh = io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else source
    try:
        zf = zipfile.ZipFile(fh)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
        raise NpzError(f"not a .npz (zip) archive or truncated: {exc}") from None
    infos = zf.infolist()
    if len(infos) > MAX_MEMBERS:
        raise NpzError(f"{len(infos)} archive members, over the limit of {MAX_MEMBERS}")
    for info in infos:
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise NpzError(f"member {info.filename!r} uses an unsupported compression")
        if info.flag_bits & (0x1 | 0x20 | 0x40):   # encrypted, patched data, strong encryption
            raise NpzError(f"member {info.filename!r} is encrypted or patched: not a plain .npz")
        if info.compress_type == zipfile.ZIP_STORED and info.file_size != info.compress_size:
            raise NpzError(f"member {info.filename!r} declares {info.file_size} bytes but stores {info.compress_size}")
        if info.file_size > info.compress_size * DEFLATE_RATIO + 1024:
            raise NpzError(f"member {info.filename!r} claims to expand {info.compress_size} bytes to "
                           f"{info.file_size}: refused")
    return zf


def member_names(zf: zipfile.ZipFile) -> list[str]:
    """Array names (member names without ``.npy``); anything else is refused."""
    names = []
    for info in zf.infolist():
        if not info.filename.endswith(".npy") or "/" in info.filename:
            raise NpzError(f"member {info.filename!r} is not a .npy array")
        names.append(info.filename[:-4])
    return names


def read_member(zf: zipfile.ZipFile, name: str, max_bytes: int,
                shape: tuple[int, ...] | None = None, dtype: str | None = None) -> np.ndarray:
    """Read array ``name``; its header must declare ``shape``/``dtype`` (when given) and at most
    ``max_bytes`` of data, matching the member's declared size exactly."""
    info = zf.getinfo(f"{name}.npy")
    if info.file_size > max_bytes + MAX_HEADER:
        raise NpzError(f"member {name!r} declares {info.file_size} bytes, over the limit of {max_bytes}")
    try:
        return _read(zf, info, name, max_bytes, shape, dtype)
    except NpzError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, RuntimeError, NotImplementedError) as exc:
        raise NpzError(f"member {name!r} is damaged: {' '.join(str(exc).split())[:200]}") from None


def _read(zf: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, max_bytes: int,
          shape: tuple[int, ...] | None, dtype: str | None) -> np.ndarray:
    with zf.open(info) as fh:
        try:
            version = np.lib.format.read_magic(fh)
            if version == (1, 0):
                got_shape, fortran, got_dtype = np.lib.format.read_array_header_1_0(fh, max_header_size=MAX_HEADER)
            elif version in ((2, 0), (3, 0)):
                got_shape, fortran, got_dtype = np.lib.format.read_array_header_2_0(fh, max_header_size=MAX_HEADER)
            else:
                raise NpzError(f"member {name!r} has .npy version {version}")
        except (ValueError, EOFError, OSError, SyntaxError) as exc:
            raise NpzError(f"member {name!r} has an unreadable .npy header: {' '.join(str(exc).split())[:200]}") from None
        if got_dtype.hasobject or got_dtype.kind not in NUMERIC_KINDS or got_dtype.fields is not None:
            raise NpzError(f"member {name!r} holds {got_dtype} values; only plain numbers are read (never objects)")
        if dtype is not None and got_dtype != np.dtype(dtype):
            raise NpzError(f"member {name!r} has dtype {got_dtype}, expected {dtype}")
        if shape is not None and tuple(got_shape) != tuple(shape):
            raise NpzError(f"member {name!r} has shape {list(got_shape)}, expected {list(shape)}")
        count = 1
        for n in got_shape:
            count *= int(n)
        nbytes = count * got_dtype.itemsize
        if nbytes > max_bytes:
            raise NpzError(f"member {name!r} declares {nbytes} bytes of data, over the limit of {max_bytes}")
        if fh.tell() + nbytes != info.file_size:
            raise NpzError(f"member {name!r} declares {info.file_size} bytes but its header implies "
                           f"{fh.tell() + nbytes}")
        out = np.empty(got_shape, dtype=got_dtype, order="F" if fortran else "C")
        view = memoryview(out.reshape(-1, order="A")).cast("B") if nbytes else memoryview(b"")
        try:
            got = fh.readinto(view) if nbytes else 0
        except (zipfile.BadZipFile, EOFError, OSError) as exc:
            raise NpzError(f"member {name!r} is damaged: {exc}") from None
        if got != nbytes:
            raise NpzError(f"member {name!r} is truncated ({got} of {nbytes} bytes)")
    return out


def read_npz(data: bytes, where: str, error: type[Exception], max_bytes: int = 256 << 20) -> Mapping[str, np.ndarray]:
    """Every array of a small .npz held in memory (``init.weights`` files), or ``error``."""
    try:
        with open_zip(data) as zf:
            return {name: read_member(zf, name, max_bytes) for name in member_names(zf)}
    except NpzError as exc:
        raise error(f"{where} is not a plain numeric .npz: {exc}") from None
