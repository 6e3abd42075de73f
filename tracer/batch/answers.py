"""Answer keys of a class: where they go, which iteration a worksheet asks about, the numbers a
student's lesson already prints, and the machine-readable ``answers.json`` and grading template.

A class folder is handed to the students as it is, so the keys live in a folder of their own
(``--answers DIR``, by default the sibling ``<out>-answers``), and a key folder inside the class
folder is refused. A worksheet asks about another iteration than the one its lesson walks
through, and every question whose answer the lesson prints anyway (at the key's rounding) is
replaced by another element (``choose_questions(..., avoid=printed_numbers(...))``).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import os
import re
from pathlib import Path
from typing import Iterable, Sequence

from tracer.errors import TracerError

#: The worksheet's iteration is drawn from 1 … ``SPREAD`` (less on shorter runs): late enough
#: that its numbers differ from iteration 0's at four digits, early enough to be recognisable.
SPREAD = 60
TEMPLATE = "submissions-template.csv"
KEY_FILE = "answers.json"
RELATIVE = 0.005  # tolerance: 0.5 % of the size of the numbers that make up the answer


def answers_folder(out: str | os.PathLike, answers: str | os.PathLike | None) -> Path:
    """The key folder: ``answers`` or the sibling ``<out>-answers``; refused inside ``out``.

    >>> answers_folder("class", None).name, answers_folder(".", None) == Path.cwd().parent / f"{Path.cwd().name}-answers"
    ('class-answers', True)
    """
    outer = Path(out).resolve()
    folder = Path(answers) if answers is not None else outer.parent / f"{outer.name}-answers"
    inner = folder.resolve()
    if inner == outer or outer in inner.parents:
        raise TracerError(f"--answers {str(folder)!r} is inside the class folder {str(out)!r}, which is handed "
                          f"to students; choose a folder outside it (the default is {outer.name}-answers beside it)")
    return folder


def worksheet_iteration(seed: int, iterations: int, walked: int = 0) -> int:
    """The iteration a seed's worksheet asks about: from the seed's hash, never the one the
    lesson walks through (unless the run has a single iteration).

    >>> worksheet_iteration(1, 60000), worksheet_iteration(1, 1)
    (8, 0)
    """
    top = min(SPREAD, iterations - 1)
    if top < 1:
        return 0
    digest = hashlib.sha256(f"nntrace-worksheet-iteration/{seed}".encode()).digest()
    j = 1 + int.from_bytes(digest[:8], "big") % top
    return j if j != walked else (j % top) + 1


_NUMBER = re.compile(r"(?<![\w.])[-−]?\d+(?:\.\d+)?(?:\s*\\times\s*10\^\{[-−]?\d+\}|e[-+−]?\d+)?")


def printed_numbers(texts: Iterable[str], digits: int) -> frozenset[str]:
    """Every number in ``texts`` (Markdown, LaTeX, HTML, SVG), rounded to ``digits`` significant
    digits as an answer key writes it, sign dropped: what a student can read off the page.

    >>> sorted(printed_numbers(["w = -0.46263 and $1.3 \\\\times 10^{-5}$", "| −2.5e−07 |"], 4))
    ['0.4626', '1.3e-05', '2.5e-07']
    """
    from tracer.render.numbers import num

    out = set()
    for text in texts:
        for token in _NUMBER.findall(text):
            token = token.replace("−", "-").lstrip("-")
            mantissa, _, exponent = re.sub(r"\s*\\times\s*10\^\{", "e", token).rstrip("}").partition("e")
            try:
                value = float(mantissa) * 10.0 ** int(exponent or 0)
            except (ValueError, OverflowError):
                continue
            out.add(num(value, digits))
    return frozenset(out)


def question_id(number: int) -> str:
    """The id of question ``number`` in ``answers.json`` and in the submissions CSV (``q1``)."""
    return f"q{number}"


def tolerance(question, digits: int) -> float:
    """How far a hand-computed answer may be from the exact one and still count.

    Half a unit of the last shown digit of the answer, plus ``RELATIVE`` of the size of the
    numbers it is made of (the products of its sum, the step of a weight update), since every
    given number is itself rounded to ``digits`` digits.
    """
    value = abs(question.answer)
    half_unit = 0.5 * 10.0 ** (math.floor(math.log10(value)) - digits + 1) if value else 10.0 ** -digits
    products = [abs(math.prod(c.value for c in row)) for row in question.table]
    scale = sum(products) if products else value
    if question.kind == "step":
        scale = abs(question.given[1].value) * sum(products)   # η times the gradient: the move
    elif question.kind != "z" and products:
        scale = max(scale, value)
    return float(half_unit + RELATIVE * scale)


def answer_key(questions: Sequence, *, seed: int, iteration: int, digits: int) -> bytes:
    """``answers.json``: per question its id, what it asks, the exact value, the value as the key
    shows it and the tolerance."""
    from tracer.render.numbers import num

    items = [{"id": question_id(q.number), "kind": q.kind, "tensor": q.tensor, "index": list(q.index),
              "value": q.answer, "shown": num(q.answer, digits), "tolerance": tolerance(q, digits)}
             for q in questions]
    key = {"seed": seed, "iteration": iteration, "digits": digits, "questions": items}
    return (json.dumps(key, indent=1, ensure_ascii=False) + "\n").encode()


def template_csv(seeds: Sequence[int], ids: Sequence[str]) -> bytes:
    """The class's submissions template: ``student,seed,q1,…`` and one row per seed to fill in."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["student", "seed", *ids])
    for seed in seeds:
        writer.writerow(["", seed, *([""] * len(ids))])
    return buffer.getvalue().encode()


def class_template(folder: str | os.PathLike, seeds: Sequence[int]) -> bytes | None:
    """The template for ``seeds``, with the question ids of the keys in ``folder`` (every seed
    of a class has the same questions); ``None`` when no key was written."""
    for key in sorted(Path(folder).glob(f"seed-*/{KEY_FILE}")):
        data = json.loads(key.read_text(encoding="utf-8"))
        return template_csv(seeds, [q["id"] for q in data["questions"]])
    return None
