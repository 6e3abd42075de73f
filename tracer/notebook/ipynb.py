"""Write cells as a Jupyter notebook (nbformat v4.5 JSON), byte for byte what ``nbformat.writes`` gives.

The JSON is built here, not through ``nbformat``, because importing nbformat (and its JSON-schema
validator) costs about 0.2 s, twice the whole budget of ``--format ipynb``; the tests check that
``nbformat`` reads every notebook as valid and writes it back to the same bytes. Cell ids come
from the document (``code-forward-z1``), so the same lesson always gives the same file.
``execute`` (``--execute``) runs a notebook with nbclient, imported only then.
"""

from __future__ import annotations

import json
from typing import Sequence

from tracer.errors import TracerError
from tracer.notebook.cells import Cell

KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}
LANGUAGE_INFO = {"codemirror_mode": {"name": "ipython", "version": 3}, "file_extension": ".py",
                 "mimetype": "text/x-python", "name": "python", "nbconvert_exporter": "python",
                 "pygments_lexer": "ipython3"}


def _lines(text: str) -> list[str]:
    # nbformat stores multi-line strings as lists of lines, each keeping its "\n"
    return text.splitlines(keepends=True)


def notebook_json(cells: Sequence[Cell], lang: str) -> dict:
    """The nbformat v4.5 document of ``cells``; ``lang`` is recorded in the metadata."""
    out = []
    for cell in cells:
        raw = {"cell_type": cell.kind, "id": cell.id, "metadata": {}, "source": _lines(cell.source)}
        if cell.kind == "code":
            raw.update(execution_count=None, outputs=[])
        out.append(raw)
    metadata = {"kernelspec": KERNELSPEC, "language_info": LANGUAGE_INFO, "nntrace": {"lang": lang}}
    return {"cells": out, "metadata": metadata, "nbformat": 4, "nbformat_minor": 5}


def dumps(notebook: dict) -> str:
    """nbformat's own serialisation: sorted keys, one-space indent, UTF-8 text, final newline."""
    return json.dumps(notebook, sort_keys=True, indent=1, ensure_ascii=False) + "\n"


def execute(text: str, *, cwd: str | None = None, timeout: int = 600) -> str:
    """Run a notebook in a fresh ``python3`` kernel with nbclient and return it with its outputs.

    Raises ``TracerError`` when nbclient is missing or a cell fails (naming the cell and its error).
    """
    try:
        import nbformat
        from nbclient import NotebookClient
        from nbclient.exceptions import CellExecutionError
    except ImportError:
        raise TracerError("--execute needs nbclient and ipykernel: pip install 'nntrace[notebook]'") from None
    nb = nbformat.reads(text, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", record_timing=False,
                            resources={"metadata": {"path": cwd}} if cwd else {})
    try:
        client.execute()
    except CellExecutionError as exc:
        raise TracerError(f"--execute: a notebook cell failed: {exc.ename}: {exc.evalue}") from None
    except Exception as exc:  # kernel missing or dead: nbclient raises several kinds
        raise TracerError(f"--execute: cannot run the notebook ({type(exc).__name__}: {exc}); "
                          "install a python3 kernel with pip install 'nntrace[notebook]'") from None
    text = nbformat.writes(nb)
    return text if text.endswith("\n") else text + "\n"
