"""Lesson notebooks (``--format ipynb``): the lesson's iteration as runnable numpy cells with checks.

``notebook_document`` is the notebook format of the lesson family: from the lesson's template
variables and prose it builds ``lesson.<lang>.ipynb`` (``zh-en`` holds both languages cell by
cell). Nothing here imports nbformat; ``execute`` (``--execute``) loads nbclient when asked.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence


def notebook_document(trace, iteration: int, variables: Mapping[str, Any], prose: Mapping[str, Any],
                      codes: Sequence[str], *, templates: str | None = None, execute: bool = False):
    """The ``Document`` ``lesson.<lang>.ipynb`` of one language or pair (``codes``).

    Called by the rendering layer as the lesson family's ``ipynb`` format, with the lesson's
    variables and its prose for ``codes``.

    1. build the cells from the trace, the lesson's variables and prose, and the notebook's words;
    2. write them as nbformat v4.5 JSON with ids derived from the document;
    3. with ``execute``, run the notebook with nbclient and keep its outputs.
    """
    from tracer.notebook.build import notebook_cells
    from tracer.notebook.ipynb import dumps, notebook_json
    from tracer.notebook.ipynb import execute as run
    from tracer.render.model import Document

    lang = "-".join(codes)
    cells = notebook_cells(trace, variables, prose, codes, iteration, templates)
    text = dumps(notebook_json(cells, lang))
    if execute:
        text = run(text)
    return Document(f"lesson.{lang}.ipynb", text.encode())


__all__ = ["notebook_document"]
