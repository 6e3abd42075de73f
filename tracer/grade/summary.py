"""The teacher's summary of a graded class (``summary.<lang>.md`` / ``.html``) and ``grades.csv``.

Rendered by the shared layer (``tracer.render.render``) from the ``grade/`` template family, one
prose file per language.
"""

from __future__ import annotations

from typing import Sequence

from tracer.grade.grade import FEEDBACK, Graded, grades_csv
from tracer.render.document import Kind
from tracer.render.model import Document

SUMMARY = Kind("grade", "summary", {"md": "grade/summary.md.j2", "html": "grade/summary.md.j2"})


def context(graded: Sequence[Graded], ids: Sequence[str]) -> dict:
    """The summary's template variables: counts per question and feedback, submissions per
    score, bad rows. Its size does not grow with the class (each student's row is in
    ``grades.csv``), so a class of 1000 renders as fast as one of 10."""
    from collections import Counter

    from tracer.render.escape import UserText
    from tracer.render.numbers import num

    good = [g for g in graded if g.error is None]
    counts = {qid: dict.fromkeys(FEEDBACK, 0) for qid in ids}
    for g in good:
        for qid, word in zip(ids, g.feedback):
            counts[qid][word] += 1
    top = max((g.max or 0 for g in good), default=len(ids))
    mean = sum(g.score or 0 for g in good) / len(good) if good else 0.0
    tally = Counter(g.score for g in good)
    scores = [{"score": f"{n} / {top}", "count": str(tally[n])} for n in range(top, -1, -1) if tally[n]]
    return {"n_rows": str(len(graded)), "n_graded": str(len(good)), "n_bad": len(graded) - len(good),
            "mean": num(mean, 3), "max": str(top), "feedback": list(FEEDBACK),
            "questions": [{"id": qid, "counts": {w: str(n) for w, n in counts[qid].items()}} for qid in ids],
            "scores": scores, "bad": [UserText(g.error) for g in graded if g.error is not None]}


def render_grades(graded: Sequence[Graded], ids: Sequence[str], *, langs: Sequence[str] = ("zh", "en", "zh-en"),
                  formats: Sequence[str] = ("md", "html"), templates: str | None = None) -> list[Document]:
    """``grades.csv`` and the summary page in every language × format."""
    from tracer.render.document import render

    docs = [Document("grades.csv", grades_csv(graded, ids))]
    return docs + render(SUMMARY, context(graded, ids), langs=langs, formats=formats, templates=templates)
