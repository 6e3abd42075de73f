"""The batch index page: its template variables, rendered by the shared layer (``tracer.render``)
into Markdown and HTML per language, plus ``index.json`` for scripts."""

from __future__ import annotations

import json
from typing import Sequence

from tracer.batch.run import Job, SeedResult, summary
from tracer.render.document import Kind
from tracer.render.model import Document

INDEX = Kind("index", "index", {"md": "index/index.md.j2", "html": "index/index.md.j2"})


def render_index(job: Job, results: Sequence[SeedResult]) -> list[Document]:
    """``index.<lang>.md`` / ``index.<lang>.html`` for every language and format, and ``index.json``."""
    from tracer.render.document import render
    from tracer.render.escape import UserText
    from tracer.render.numbers import num

    cfg = job.config
    seeds = [{"seed": r.seed, "folder": r.folder, "learned": r.learned,
              "mean_error": num(r.mean_error, job.digits) if r.mean_error is not None else None,
              "error": UserText(r.error) if r.error is not None else None} for r in results]
    context = {
        "seeds": seeds, "columns": ["seed", "mean_error", "learned", "links"], "exercises": job.exercises,
        "layers": "-".join(map(str, cfg.network.layers)), "lr": num(cfg.train.lr, job.digits),
        "iterations": str(cfg.train.iterations), "n_seeds": len(results),
        "n_learned": sum(bool(r.learned) for r in results), "n_failed": sum(r.error is not None for r in results),
        "custom_title": UserText(cfg.title) if cfg.title else "",
    }

    def files(lang: str, form: str) -> dict[str, str]:
        ext = "md" if form == "md" else ("fragment.html" if job.fragment else "html")
        return {"lesson_file": f"lesson.{lang}.{ext}", "exercise_file": f"exercises.{lang}.{ext}"}

    docs = render(INDEX, context, langs=job.langs, formats=job.formats, fragment=job.fragment,
                  templates=job.templates, extra=files)
    docs.append(Document("index.json", (json.dumps(summary(results), indent=1, sort_keys=True) + "\n").encode()))
    return docs
