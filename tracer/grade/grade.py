"""Grade a class's worksheets: read the answer keys and a CSV of submissions, judge every answer.

Numbers only: ``grade(keys, path)`` returns one ``Graded`` row per submission, in input order,
with one feedback word per question; ``tracer.grade.summary`` writes them out. A row that cannot
be graded (no seed, a seed without a key, an answer that is not a number) keeps its place with its
row number and the reason, and every other row is still graded.

Feedback, checked in this order (``v`` the key's exact value, ``t`` its tolerance):

=============  ==========================================================================
``correct``    within half a unit of the key's last shown digit
``tolerance``  within ``t`` (hand rounding of the given numbers)
``sign``       ``-v`` within ``t``: the right size with the wrong sign
``factor``     ``f·v`` within ``f·t`` for ``f`` in 10, 100, 1000, ½, 2 (or their inverses)
``missing``    the cell is empty (or the column is absent)
``wrong``      anything else
=============  ==========================================================================

``correct`` and ``tolerance`` score one point each.
"""

from __future__ import annotations

import csv
import json
import math
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from tracer.errors import TracerError

FEEDBACK = ("correct", "tolerance", "sign", "factor", "missing", "wrong")
SCORED = frozenset({"correct", "tolerance"})
FACTORS = (10.0, 100.0, 1000.0, 0.1, 0.01, 0.001, 2.0, 0.5)
COLUMNS = ("student", "seed", "score", "max")


class GradeError(TracerError):
    """The answer keys or the submissions file cannot be used."""


@dataclass(frozen=True, slots=True)
class Key:
    """One seed's answers, from its ``answers.json``."""

    seed: int
    ids: tuple[str, ...]
    values: tuple[float, ...]
    tolerances: tuple[float, ...]
    halves: tuple[float, ...]
    """Half a unit of the last digit each answer is shown with."""


@dataclass(frozen=True, slots=True)
class Graded:
    """One submission: its row number in the file (the header is row 1), and its grade."""

    row: int
    student: str
    seed: str
    score: int | None = None
    max: int | None = None
    feedback: tuple[str, ...] = ()
    error: str | None = None
    """Why the row could not be graded, or ``None``."""


def load_keys(folder: str | Path) -> dict[int, Key]:
    """Every ``seed-*/answers.json`` under ``folder``, by seed."""
    root = Path(folder)
    if not root.is_dir():
        raise GradeError(f"--answers {str(folder)!r} is not a folder; give the answer-key folder that "
                         "`nntrace batch --exercises` wrote (by default <class>-answers)")
    keys: dict[int, Key] = {}
    for path in sorted(root.glob("seed-*/answers.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            items = data["questions"]
            digits = int(data["digits"])
            values = tuple(float(q["value"]) for q in items)
            key = Key(int(data["seed"]), tuple(str(q["id"]) for q in items), values,
                      tuple(float(q["tolerance"]) for q in items), tuple(_half_unit(v, digits) for v in values))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise GradeError(f"answer key {str(path)!r} is unreadable ({type(exc).__name__}: {exc}); "
                             "write it again with `nntrace batch --exercises`") from None
        keys[key.seed] = key
    if not keys:
        raise GradeError(f"--answers {str(folder)!r} holds no seed-*/answers.json; give the folder that "
                         "`nntrace batch --exercises` wrote the keys to")
    return keys


def _half_unit(value: float, digits: int) -> float:
    if value == 0 or not math.isfinite(value):
        return 0.5 * 10.0 ** -digits
    return 0.5 * 10.0 ** (math.floor(math.log10(abs(value))) - digits + 1)


def question_ids(keys: dict[int, Key]) -> tuple[str, ...]:
    """The question ids of the class, in sheet order (every seed of a class has the same ones)."""
    ids: dict[str, None] = {}
    for key in keys.values():
        ids.update(dict.fromkeys(key.ids))
    return tuple(ids)


def parse_answer(text: str) -> float | None:
    """A student's number: full-width digits, ``−`` and a decimal comma are accepted; ``None``
    for an empty cell; ``ValueError`` for anything else.

    >>> parse_answer(" −０.５ "), parse_answer("0,25"), parse_answer("")
    (-0.5, 0.25, None)
    """
    text = unicodedata.normalize("NFKC", text).strip().replace("−", "-").replace("\u2212", "-")
    if not text:
        return None
    if "," in text and "." not in text and text.count(",") == 1:
        text = text.replace(",", ".")
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def judge(answer: float | None, value: float, tol: float, half: float) -> str:
    """One feedback word for ``answer`` against the key's ``value``.

    >>> [judge(a, 0.4626, 0.003, 0.00005) for a in (0.46261, 0.464, -0.4626, 4.626, None, 1.0)]
    ['correct', 'tolerance', 'sign', 'factor', 'missing', 'wrong']
    """
    if answer is None:
        return "missing"
    miss = abs(answer - value)
    if miss <= half * (1 + 1e-9):
        return "correct"
    if miss <= tol:
        return "tolerance"
    if value != 0 and abs(answer + value) <= tol:
        return "sign"
    if value != 0 and any(abs(answer - f * value) <= f * tol for f in FACTORS):
        return "factor"
    return "wrong"


def read_submissions(path: str | Path) -> tuple[list[str], list[list[str]]]:
    """The header and the rows of a submissions CSV (UTF-8, with or without a BOM; comma,
    semicolon or tab separated)."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "it is not UTF-8 text"
        raise GradeError(f"cannot read submissions {str(path)!r}: {reason}; give the CSV filled in from "
                         "the class's submissions-template.csv") from None
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count)
    rows = list(csv.reader(text.splitlines(), delimiter=delimiter))
    if not rows or "seed" not in [h.strip() for h in rows[0]]:
        raise GradeError(f"submissions {str(path)!r} has no `seed` column in its first line; start from the "
                         "class's submissions-template.csv (columns student, seed, q1, q2, …)")
    return [h.strip() for h in rows[0]], rows[1:]


def grade(keys: dict[int, Key], header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[Graded]:
    """Grade every row, in input order; bad rows carry their reason instead of a score."""
    ids = question_ids(keys)
    where = {name: i for i, name in enumerate(header) if name}
    seed_at, student_at = where["seed"], where.get("student")
    out = []
    for number, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue   # a blank line is no submission
        student = row[student_at].strip() if student_at is not None and student_at < len(row) else ""
        seed_text = row[seed_at].strip() if seed_at < len(row) else ""
        out.append(_grade_row(keys, ids, where, number, row, student, seed_text))
    return out


def _grade_row(keys, ids, where, number, row, student, seed_text) -> Graded:
    if len(row) > len(where) and any(cell.strip() for cell in row[len(where):]):
        return Graded(number, student, seed_text, error=f"row {number} has {len(row)} cells but the header "
                                                       f"has {len(where)}; remove the extra cells")
    try:
        seed = int(seed_text)
    except ValueError:
        return Graded(number, student, seed_text,
                      error=f"row {number}: seed {seed_text!r} is not a whole number; write the seed of the "
                            "student's worksheet")
    key = keys.get(seed)
    if key is None:
        return Graded(number, student, seed_text,
                      error=f"row {number}: no answer key for seed {seed}; check the seed or --answers")
    feedback = []
    for qid, value, tol, half in zip(key.ids, key.values, key.tolerances, key.halves):
        at = where.get(qid)
        cell = row[at] if at is not None and at < len(row) else ""
        try:
            answer = parse_answer(cell)
        except ValueError:
            return Graded(number, student, seed_text,
                          error=f"row {number}: {qid} {cell.strip()!r} is not a number; write a decimal "
                                "number such as -0.4626, or leave it empty")
        feedback.append(judge(answer, value, tol, half))
    by_id = dict(zip(key.ids, feedback))
    full = tuple(by_id.get(qid, "missing") for qid in ids)
    return Graded(number, student, seed_text, sum(f in SCORED for f in feedback), len(key.ids), full)


def grades_csv(graded: Sequence[Graded], ids: Sequence[str]) -> bytes:
    """``grades.csv``: ``student, seed, score, max`` and one feedback column per question; a bad
    row keeps its place with empty score and feedback."""
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*COLUMNS, *ids])
    for g in graded:
        student, seed = _cell(g.student), _cell(g.seed)
        if g.error is not None:
            writer.writerow([student, seed, "", "", *([""] * len(ids))])
        else:
            writer.writerow([student, seed, g.score, g.max, *g.feedback])
    return buffer.getvalue().encode()


def _cell(text: str) -> str:
    """A cell a spreadsheet will not run as a formula (``=…``, ``+…``, ``@…`` get a leading ``'``).

    >>> _cell("=HYPERLINK(1)"), _cell("Ann")
    ("'=HYPERLINK(1)", 'Ann')
    """
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
