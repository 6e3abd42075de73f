"""Every file nntrace writes goes through here: atomic, umask-respecting, and only where it belongs.

- ``write_file(path, data)`` replaces one file atomically (a temporary file beside it, then a
  rename). It refuses a target that is a FIFO, device, socket, symbolic link or folder, keeps the
  mode of a file it replaces, and gives a new file the user's umask.
- ``write_tree(folder, files)`` writes a document folder all or nothing: every file is first
  written into a hidden temporary folder inside the target (same file system), then each one is
  renamed into place. A small manifest (``.nntrace-manifest.json``) lists what nntrace wrote, so
  the next run removes its own stale files and never a file it did not write.
- ``read_input(path, what, limit)`` reads a file the user named (config, CSV, weights, trace
  header) only if it is a regular file under a size limit: never a FIFO, device or stdin.

Temporary names start with ``.nntrace-tmp-<pid>-``; the next write into a folder removes those
whose process is gone (a killed run). This module imports nothing else from the package but errors.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import stat
import tempfile
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Callable, Iterable

from tracer.errors import InputError, OutputError

MANIFEST_NAME = ".nntrace-manifest.json"
"""The file in an output folder that lists what nntrace wrote there."""
TMP_PREFIX = ".nntrace-tmp-"
MAX_MANIFEST_BYTES = 4 << 20

Writer = Callable[[BinaryIO], object]


def describe(mode: int) -> str:
    """What kind of file system object ``mode`` (from ``lstat``) is, in words."""
    kinds = [(stat.S_ISLNK, "a symbolic link"), (stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
             (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket")]
    for test, name in kinds:
        if test(mode):
            return name
    return "a regular file" if stat.S_ISREG(mode) else "not a regular file"


def current_umask() -> int:
    """The process umask (read by setting it and putting it back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _lstat(path: Path) -> os.stat_result | None:
    try:
        return os.lstat(path)
    except FileNotFoundError:
        return None
    except NotADirectoryError:
        raise OutputError(f"cannot write {str(path)!r}: a part of the path is a file, not a folder") from None
    except OSError as exc:
        raise os_error(exc, path) from None


def check_file_target(path: Path) -> int | None:
    """Refuse ``path`` unless it is absent or a regular file; return the mode of an existing file."""
    st = _lstat(path)
    if st is None:
        return None
    if stat.S_ISREG(st.st_mode):
        return stat.S_IMODE(st.st_mode)
    if stat.S_ISDIR(st.st_mode):
        raise OutputError(f"{str(path)!r} is a folder, but a file is expected here; give a file name")
    raise OutputError(f"{str(path)!r} is {describe(st.st_mode)}, not a regular file: nntrace writes only "
                      "regular files it can replace safely; choose another path")


def check_dir_target(path: Path) -> bool:
    """Refuse ``path`` unless it is absent or a real folder; return whether it exists."""
    st = _lstat(path)
    if st is None:
        return False
    if stat.S_ISDIR(st.st_mode):
        return True
    if stat.S_ISREG(st.st_mode):
        raise OutputError(f"{str(path)!r} is a file, but a folder is expected here; give a folder name")
    raise OutputError(f"{str(path)!r} is {describe(st.st_mode)}, not a folder: nntrace writes only into "
                      "real folders; choose another path")


def os_error(exc: OSError, path: Path | str, action: str = "write") -> OutputError:
    """One clear line for an ``OSError`` met while writing ``path``."""
    reasons = {
        errno.ENOSPC: "the disk is full", errno.EDQUOT: "the disk quota is exceeded",
        errno.EACCES: "permission denied", errno.EPERM: "operation not permitted",
        errno.EROFS: "the file system is read-only", errno.ENOTDIR: "a part of the path is a file, not a folder",
        errno.EISDIR: "it is a folder", errno.ENAMETOOLONG: "the name is too long",
        errno.EEXIST: "a file of that name is in the way", errno.ELOOP: "too many symbolic links",
    }
    reason = reasons.get(exc.errno or 0, exc.strerror or str(exc))
    return OutputError(f"cannot {action} {str(path)!r}: {reason}; choose another output path or free the problem")


def make_dirs(path: Path) -> None:
    """Create ``path`` and its missing parents (modes follow the umask); refuse files in the way."""
    if path.is_dir():
        return
    try:
        path.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise OutputError(f"cannot create folder {str(path)!r}: a file of that name (or a part of the path) is "
                          "in the way; choose another path") from None
    except OSError as exc:
        raise os_error(exc, path, "create folder") from None


def _new_mode(existing: int | None, umask: int) -> int:
    return existing if existing is not None else 0o666 & ~umask


def _write_temp(folder: Path, data: bytes | Writer, mode: int) -> str:
    """Write ``data`` to a new temporary file in ``folder`` with ``mode``; return its path."""
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f"{TMP_PREFIX}{os.getpid()}-")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as fh:
            if isinstance(data, (bytes, bytearray, memoryview)):
                fh.write(data)
            else:
                data(fh)
    except BaseException:
        os.unlink(tmp)
        raise
    return tmp


def write_file(path: str | Path, data: bytes | Writer) -> Path:
    """Replace the file ``path`` atomically with ``data`` (bytes, or a function writing to a binary file).

    A reader never sees a half-written file, and a failure leaves the old file as it was.
    """
    path = Path(path)
    existing = check_file_target(path)
    make_dirs(path.parent)
    sweep(path.parent)
    try:
        tmp = _write_temp(path.parent, data, _new_mode(existing, current_umask()))
        try:
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError as exc:
        raise os_error(exc, path) from None
    return path


def _relative(name: str, root: Path) -> PurePosixPath:
    rel = PurePosixPath(name)
    if (rel.is_absolute() or not rel.parts or ".." in rel.parts or "\\" in name or "\0" in name
            or rel.parts[0] in (MANIFEST_NAME,) or rel.parts[0].startswith(TMP_PREFIX)):
        raise OutputError(f"document path {name!r} must be relative and stay inside {str(root)!r}")
    return rel


def _check_tree_targets(root: Path, rels: list[PurePosixPath]) -> list[int | None]:
    """Check every target (and every folder on its way) before anything is written."""
    modes = []
    folders: set[PurePosixPath] = set()
    for rel in rels:
        for parent in list(rel.parents)[:-1]:
            if parent not in folders:
                folders.add(parent)
                check_dir_target(root.joinpath(*parent.parts))
        modes.append(check_file_target(root.joinpath(*rel.parts)))
    return modes


def write_tree(root: str | Path, files: Iterable[tuple[str, bytes]]) -> list[Path]:
    """Write ``files`` (relative POSIX path, bytes) under the folder ``root``, all or nothing.

    1. check the folder and every target (no FIFOs, devices, symlinks, folders where files go);
    2. write every file into a hidden temporary folder inside ``root``;
    3. rename each file into place;
    4. remove the files the previous run's manifest lists and this run no longer writes;
    5. write the new manifest.

    Returns the paths written, in the order given.
    """
    root = Path(root)
    items = list(files)
    rels = [_relative(name, root) for name, _ in items]
    existed = check_dir_target(root)
    modes = _check_tree_targets(root, rels)
    make_dirs(root)
    sweep(root)
    umask = current_umask()
    try:
        staging = Path(tempfile.mkdtemp(dir=root, prefix=f"{TMP_PREFIX}{os.getpid()}-"))
    except OSError as exc:
        _remove_if_empty(root, existed)
        raise os_error(exc, root) from None
    try:
        staged = [_write_temp(staging, data, _new_mode(mode, umask)) for (_, data), mode in zip(items, modes)]
        manifest = json.dumps({"nntrace": 1, "files": sorted({str(r) for r in rels})}, indent=1) + "\n"
        staged_manifest = _write_temp(staging, manifest.encode(), _new_mode(check_file_target(root / MANIFEST_NAME), umask))
        written = []
        for rel, tmp in zip(rels, staged):
            target = root.joinpath(*rel.parts)
            make_dirs(target.parent)
            os.replace(tmp, target)
            written.append(target)
        _remove_stale(root, {str(r) for r in rels})
        os.replace(staged_manifest, root / MANIFEST_NAME)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        _remove_if_empty(root, existed)
        raise os_error(exc, root) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return written


def previous_files(root: Path) -> list[str]:
    """The relative paths the manifest in ``root`` lists (empty if it is missing or not ours)."""
    path = root / MANIFEST_NAME
    try:
        st = os.lstat(path)
        if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_MANIFEST_BYTES:
            return []
        listed = json.loads(path.read_bytes()).get("files", [])
    except (OSError, ValueError, AttributeError):
        return []
    if not isinstance(listed, list):
        return []
    out = []
    for name in listed:
        try:
            if isinstance(name, str):
                out.append(str(_relative(name, root)))
        except OutputError:
            continue
    return out


def _remove_stale(root: Path, keep: set[str]) -> None:
    """Remove regular files the previous manifest lists and ``keep`` lacks, then their empty folders."""
    for name in previous_files(root):
        if name in keep:
            continue
        target = root.joinpath(*PurePosixPath(name).parts)
        try:
            if stat.S_ISREG(os.lstat(target).st_mode):
                target.unlink()
            for parent in target.relative_to(root).parents:
                if str(parent) != ".":
                    try:
                        (root / parent).rmdir()
                    except OSError:
                        break
        except OSError:
            continue


def _remove_if_empty(root: Path, existed: bool) -> None:
    if not existed:
        try:
            root.rmdir()
        except OSError:
            pass


def sweep(folder: Path) -> None:
    """Remove temporary files and folders that a killed nntrace process left in ``folder``."""
    try:
        names = [n for n in os.listdir(folder) if n.startswith(TMP_PREFIX)]
    except OSError:
        return
    for name in names:
        pid_text = name[len(TMP_PREFIX):].partition("-")[0]
        if not pid_text.isdigit() or _alive(int(pid_text)):
            continue
        path = folder / name
        try:
            if stat.S_ISDIR(os.lstat(path).st_mode):
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink()
        except OSError:
            continue


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True
    return True


def read_input(path: str | Path, what: str, limit: int, error: type[Exception] = InputError) -> bytes:
    """The bytes of the file ``path`` names, if it is a regular file of at most ``limit`` bytes.

    FIFOs, devices, sockets, folders and stdin (``-``) are refused without blocking on them.
    """
    text = str(path)
    if "\0" in text:
        raise error(f"{what} path {text!r} holds a NUL character; give a plain file path")
    if text == "-" or text.startswith("/dev/fd/") or text.startswith("/proc/self/fd"):
        raise error(f"{what} {text!r} is standard input or a file descriptor; give the path of a regular file")
    try:
        fd = os.open(text, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise error(f"{what} {text!r} does not exist: check the path") from None
    except OSError as exc:
        raise error(f"cannot read {what} {text!r}: {exc.strerror or exc}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise error(f"{what} {text!r} is {describe(st.st_mode)}, not a regular file; give the path of a file")
        if st.st_size > limit:
            raise error(f"{what} {text!r} is {st.st_size} bytes, over the limit of {limit} bytes")
        with os.fdopen(fd, "rb", closefd=False) as fh:
            data = fh.read(limit + 1)
    except OSError as exc:
        raise error(f"cannot read {what} {text!r}: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    if len(data) > limit:
        raise error(f"{what} {text!r} grew past the limit of {limit} bytes while being read")
    return data
