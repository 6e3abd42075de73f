"""Where packaged files live: the Jinja templates, top-level ``templates/`` in the repository.

In a wheel they are installed as the ``tracer.templates`` package; in an editable install or a
plain checkout they are read from the repository's ``templates/`` folder.
"""

from __future__ import annotations

from pathlib import Path


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
