"""Training data: the built-in presets, inline tables and CSV files, validated into float64 arrays.

Nothing here knows about networks beyond the number of input and target columns.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import numpy as np

from tracer.errors import DataError
from tracer.files import read_input

MAX_CSV_BYTES = 64 << 20

#: Built-in data sets: name -> (inputs, targets). ``seed`` is the article's five samples.
PRESETS: dict[str, tuple[list[list[float]], list[list[float]]]] = {
    "seed": (
        [[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1], [0, 0, 1]],
        [[0], [1], [1], [0], [0]],
    ),
    "xor": ([[0, 0], [0, 1], [1, 0], [1, 1]], [[0], [1], [1], [0]]),
    "and": ([[0, 0], [0, 1], [1, 0], [1, 1]], [[0], [0], [0], [1]]),
    "or": ([[0, 0], [0, 1], [1, 0], [1, 1]], [[0], [1], [1], [1]]),
    "trask": ([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], [[0], [1], [1], [0]]),
}


def as_table(value: object, what: str) -> np.ndarray:
    """Turn a nested list of numbers into a 2-D float64 array, or raise ``DataError``.

    A flat list is read as one column (``[0, 1, 1, 0]`` is four samples of one target).
    """
    if not isinstance(value, (list, tuple)) or not value:
        raise DataError(f"{what} must be a non-empty list of rows of numbers, not {value!r}")
    rows = [row if isinstance(row, (list, tuple)) else [row] for row in value]
    width = len(rows[0])
    for n, row in enumerate(rows):
        if len(row) != width or width == 0:
            raise DataError(
                f"{what} row {n} has {len(row)} values but row 0 has {width}: "
                "every row needs the same number of columns"
            )
        for cell in row:
            if isinstance(cell, bool) or not isinstance(cell, (int, float)) or not math.isfinite(cell):
                raise DataError(f"{what} row {n} holds {cell!r}: every cell must be a finite number")
    return np.array(rows, dtype=np.float64)


def read_csv(path: str | Path, n_out: int) -> tuple[np.ndarray, np.ndarray, tuple[str, ...] | None]:
    """Read a CSV of samples; the last ``n_out`` columns are the targets.

    The first row is a header when none of its cells reads as a number.
    Returns ``(inputs, targets, column_names_or_None)``.
    """
    path = Path(path)
    data = read_input(path, "CSV file", MAX_CSV_BYTES, DataError)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(f"CSV file {str(path)!r} is not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
    delimiter = _delimiter(text, path)
    rows = [row for row in csv.reader(io.StringIO(text), delimiter=delimiter) if any(cell.strip() for cell in row)]
    if not rows:
        raise DataError(f"CSV file {str(path)!r} is empty: it needs one row per sample")
    header = None
    if not any(_parses(cell) for cell in rows[0]):
        header, rows = tuple(cell.strip() for cell in rows[0]), rows[1:]
        if not rows:
            raise DataError(f"CSV file {str(path)!r} has a header but no samples")
    width = len(header) if header is not None else len(rows[0])
    values = []
    for n, row in enumerate(rows):
        line = n + (2 if header is not None else 1)
        if len(row) != width:
            raise DataError(
                f"{path.name} line {line} has {len(row)} cells but {width} were expected: "
                "every row needs the same number of columns"
            )
        parsed = [_number(cell) for cell in row]
        for col, (cell, number) in enumerate(zip(row, parsed)):
            if number is None:
                raise DataError(
                    f"{path.name} line {line} column {col + 1} holds {cell!r}: every cell must be a finite number"
                )
        values.append(parsed)
    if width <= n_out:
        raise DataError(
            f"{path.name} has {width} columns, but {n_out} target column(s) need at least one input column before them"
        )
    table = np.array(values, dtype=np.float64)
    return table[:, :-n_out], table[:, -n_out:], header


def _delimiter(text: str, path: Path) -> str:
    """``,`` normally; ``;``, tab or ``|`` when every line of the file splits on it into the same
    number of cells and a comma does not (a CSV saved with another separator)."""
    lines = [line for line in text.splitlines()[:50] if line.strip()]
    if not lines or all("," in line for line in lines):
        return ","
    for candidate in (";", "\t", "|"):
        counts = {line.count(candidate) for line in lines}
        if len(counts) == 1 and counts.pop() > 0:
            return candidate
    others = sorted({c for c in ";\t| " if any(c in line for line in lines)})
    if others and not any("," in line for line in lines):
        names = {";": "semicolons", "\t": "tabs", "|": "vertical bars", " ": "spaces"}
        raise DataError(f"CSV file {str(path)!r} has no commas, and its lines do not split evenly on "
                        f"semicolons, tabs or vertical bars; it seems to use {' or '.join(names[c] for c in others)}: "
                        "save it with commas")
    return ","


def _parses(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _number(cell: str) -> float | None:
    try:
        value = float(cell)
    except ValueError:
        return None
    return value if math.isfinite(value) else None
