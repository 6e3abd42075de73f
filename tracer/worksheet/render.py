"""Render a seed's worksheet and answer key: questions → derivations → variables → documents."""

from __future__ import annotations

from typing import Sequence

from tracer.batch.questions import Question, choose_questions
from tracer.render.document import DEFAULT_LANGS, FORMATS, Kind, render
from tracer.render.model import Document
from tracer.render.numbers import check_digits
from tracer.worksheet.context import build

SHEET = Kind("worksheet", "exercises", {"md": "worksheet/sheet.md.j2", "html": "worksheet/sheet.md.j2"})
KEY = Kind("worksheet", "answers", {"md": "worksheet/answers.md.j2", "html": "worksheet/answers.md.j2"})


def render_exercises(trace, *, langs: Sequence[str] = DEFAULT_LANGS, formats: Sequence[str] = FORMATS,
                     fragment: bool = False, digits: int = 4, templates: str | None = None,
                     iteration: int = 0, derivations: dict | None = None,
                     avoid: frozenset[str] = frozenset()) -> tuple[list[Document], list[Document]]:
    """The worksheets and the answer keys of ``trace``'s seed, in every language × format.

    1. choose the questions from the seed (``choose_questions``);
    2. derive the chain rule for each gradient question (unless ``derivations`` are given,
       ``{"w1[2,0]": Derivation}``);
    3. build the template variables;
    4. render sheet and key in each language and format (``tracer.render.render``).

    Returns ``(sheets, answers)``: documents named ``exercises.<lang>.md`` / ``.html`` (or
    ``.fragment.html``) and ``answers.<lang>.md`` / ``.html``.
    """
    check_digits(digits)
    questions = choose_questions(trace, iteration, digits, avoid)   # avoid: numbers the lesson prints
    if derivations is None:
        derivations = derive_questions(trace, questions, iteration, digits)
    context = build(trace, questions, derivations, digits, iteration)
    out = []
    for kind, name in ((SHEET, "sheet"), (KEY, "answers")):
        out.append(render(kind, {**context, "kind": name}, langs=langs, formats=formats, fragment=fragment,
                          templates=templates))
    return out[0], out[1]


def derive_questions(trace, questions: Sequence[Question], iteration: int, digits: int = 4) -> dict:
    """The lesson's chain-rule derivation (``tracer.symbolic.derive``) for each question about a
    parameter, by element (``{"w1[2,0]": Derivation}``)."""
    weights = [q.weight for q in questions if q.weight is not None]
    if not weights:
        return {}
    from tracer.symbolic import derive

    return dict(zip(weights, derive(trace, weights, iteration, digits=digits)))
