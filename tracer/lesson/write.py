"""Write rendered documents to a folder, all or nothing (through ``tracer.files.write_tree``)."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from tracer.files import write_tree
from tracer.lesson.model import Document


def write_documents(out_dir: str | Path, documents: Iterable[Document]) -> list[Path]:
    """Write each document under ``out_dir``; return the paths written, in order.

    Every file is written into a temporary folder inside ``out_dir`` first and then renamed into
    place, so a failure leaves the previous output whole. Files the previous run wrote and this
    one does not are removed (and no other file). Paths must stay inside ``out_dir``.
    """
    return write_tree(out_dir, ((doc.path, doc.content) for doc in documents))
