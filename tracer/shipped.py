"""The example configs shipped inside the package (``examples/*.toml`` and the CSV files they read).

``nntrace examples`` lists them and copies chosen ones into a folder, so the commands a lesson
suggests (``nntrace lesson --config deep_tanh_bias.toml``) work after a plain ``pip install``.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from tracer.errors import TracerError


@dataclass(frozen=True, slots=True)
class Example:
    """One shipped example config."""

    name: str
    """The file name without ``.toml``: ``deep_tanh_bias``."""
    title: str
    """The config's ``title`` (empty when it has none)."""
    files: tuple[str, ...]
    """The file names to copy: the ``.toml`` first, then any CSV it reads."""


def examples_dir() -> Path:
    """The folder holding the shipped examples (the package's ``tracer/examples``, or the checkout's ``examples/``)."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "examples", here.parent / "examples"):
        if candidate.is_dir() and any(candidate.glob("*.toml")):
            return candidate
    try:
        from importlib.resources import files

        found = Path(str(files("tracer.examples")))
        if found.is_dir():
            return found
    except (ModuleNotFoundError, TypeError):
        pass
    raise TracerError("nntrace's examples are missing: reinstall the package (pip install nntrace)")


def examples() -> list[Example]:
    """Every shipped example, by name."""
    root = examples_dir()
    out = []
    for path in sorted(root.glob("*.toml")):
        with path.open("rb") as fh:
            raw = tomllib.load(fh)
        data = raw.get("data", {})
        files = [path.name]
        if isinstance(data, dict) and isinstance(data.get("csv"), str):
            files.append(data["csv"])
        out.append(Example(path.stem, str(raw.get("title", "")), tuple(files)))
    return out


def copy_examples(names: list[str], out: str | Path, *, force: bool = False) -> list[Path]:
    """Copy the named examples (and the CSV files they read) into ``out``; return the paths written.

    Refuses to replace an existing file unless ``force``. Each file is written atomically.
    """
    from tracer.files import make_dirs, write_file

    known = {e.name: e for e in examples()}
    chosen = []
    for name in names:
        stem = re.sub(r"\.toml$", "", name)
        if stem not in known:
            raise TracerError(f"no example {name!r}; the examples are: {', '.join(known)}")
        chosen.append(known[stem])
    files = list(dict.fromkeys(f for e in chosen for f in e.files))
    target = Path(out)
    if not force:
        clash = [f for f in files if (target / f).exists() or (target / f).is_symlink()]
        if clash:
            raise TracerError(f"{str(target / clash[0])!r} already exists: choose another --out, or pass --force")
    root = examples_dir()
    make_dirs(target)
    # file by file, no manifest: the folder is the user's, and a later copy must not remove these
    return [write_file(target / f, (root / f).read_bytes()) for f in files]
