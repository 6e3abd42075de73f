"""The batch index page: Markdown and HTML per language, plus ``index.json`` for scripts."""

from __future__ import annotations

import json
from typing import Sequence

from tracer.batch.run import Job, SeedResult, summary
from tracer.lesson.model import Document


def render_index(job: Job, results: Sequence[SeedResult]) -> list[Document]:
    """``index.<lang>.md`` / ``index.<lang>.html`` for every language and format, and ``index.json``."""
    from tracer.lesson.numbers import UserText, num
    from tracer.lesson.page import render_page
    from tracer.lesson.render import prose_modules, render_markdown

    cfg = job.config
    seeds = [{"seed": r.seed, "folder": r.folder, "learned": r.learned,
              "mean_error": num(r.mean_error, job.digits) if r.mean_error is not None else None,
              "error": UserText(r.error) if r.error is not None else None} for r in results]
    base = {
        "seeds": seeds, "columns": ["seed", "mean_error", "learned", "links"], "exercises": job.exercises,
        "layers": "-".join(map(str, cfg.network.layers)), "lr": num(cfg.train.lr, job.digits),
        "iterations": str(cfg.train.iterations), "n_seeds": len(results),
        "n_learned": sum(bool(r.learned) for r in results), "n_failed": sum(r.error is not None for r in results),
        "custom_title": UserText(cfg.title) if cfg.title else "",
    }
    docs = []
    for lang in job.langs:
        codes = lang.split("-")
        for form in job.formats:
            if form == "md":
                ext = "md"
            else:
                ext = "fragment.html" if job.fragment else "html"
            context = {**base, "with_front_matter": form == "md", "lesson_file": f"lesson.{lang}.{ext}",
                       "exercise_file": f"exercises.{lang}.{ext}"}
            text = render_markdown("batch/index.md.j2", context, codes, job.templates)
            if form == "md":
                docs.append(Document(f"index.{lang}.md", text.encode()))
                continue
            prose = prose_modules(codes, context, job.templates, family="batch")
            title = str(cfg.title) if cfg.title else " · ".join(str(prose[c].title) for c in codes)
            description = " · ".join(str(prose[c].description) for c in codes)
            html = render_page(text, title=title, description=description, lang=str(prose[codes[0]].html_lang),
                               fragment=job.fragment, templates=job.templates)
            docs.append(Document(f"index.{lang}.{ext}", html.encode()))
    docs.append(Document("index.json", (json.dumps(summary(results), indent=1, sort_keys=True) + "\n").encode()))
    return docs
