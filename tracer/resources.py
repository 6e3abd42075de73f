"""Where nntrace's files live: the packaged Jinja templates, and its cache folder.

In a wheel the templates are installed as the ``tracer.templates`` package; in an editable install
or a plain checkout they are read from the repository's ``templates/`` folder. The cache (checked
derivations, compiled packaged templates) is ``$NNTRACE_CACHE_DIR``, else
``$XDG_CACHE_HOME/nntrace``, else ``~/.cache/nntrace``.
"""

from __future__ import annotations

import os
from pathlib import Path

CACHE_ENV = "NNTRACE_CACHE_DIR"


def cache_dir() -> Path:
    """``$NNTRACE_CACHE_DIR``, else ``$XDG_CACHE_HOME/nntrace``, else ``~/.cache/nntrace``."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "nntrace"


def templates_dir() -> Path:
    """The folder holding the packaged templates."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "templates", here.parent / "templates"):
        if candidate.is_dir():
            return candidate
    try:
        from importlib.resources import files

        found = Path(str(files("tracer.templates")))
        if found.is_dir():
            return found
    except (ModuleNotFoundError, TypeError):
        pass
    raise FileNotFoundError("nntrace's templates are missing: reinstall the package (pip install nntrace)")
