"""Write rendered documents to a folder, each file replaced atomically (temp file, then rename)."""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Iterable

from tracer.errors import TracerError
from tracer.lesson.model import Document
from tracer.trace import atomic_write


def write_documents(out_dir: str | Path, documents: Iterable[Document]) -> list[Path]:
    """Write each document under ``out_dir``; return the paths written, in order.

    A reader never sees a half-written file: each one is written beside its final name and then
    renamed over it. Paths must stay inside ``out_dir``.
    """
    root = Path(out_dir)
    written = []
    for doc in documents:
        rel = PurePosixPath(doc.path)
        if rel.is_absolute() or ".." in rel.parts:
            raise TracerError(f"document path {doc.path!r} must be relative and stay inside {str(root)!r}")
        target = root.joinpath(*rel.parts)
        try:
            atomic_write(target, lambda fh, data=doc.content: fh.write(data))
        except OSError as exc:
            raise TracerError(f"cannot write {str(target)!r}: {exc.strerror}; check --out") from None
        written.append(target)
    return written
