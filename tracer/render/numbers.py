"""Numbers as every document writes them: rounded to significant digits, LaTeX matrices.

Pure functions of their arguments, independent of the locale: Python's ``format`` with ``g``,
never ``locale`` or ``%n``. Large matrices become a slice plus their shape and norms.
"""

from __future__ import annotations

import math
import re
from typing import Sequence

import numpy as np

#: Largest matrix written out in full; beyond it a corner slice is shown.
MAX_ROWS = 6
MAX_COLS = 6


def check_digits(digits: int) -> int:
    """``digits`` if it is a valid number of significant digits (1 to 17), else a one-line error.

    The one place every command's ``--digits`` is checked.
    """
    from tracer.errors import TracerError

    if isinstance(digits, bool) or not isinstance(digits, int) or not 1 <= digits <= 17:
        raise TracerError(f"--digits {digits!r} must be a whole number from 1 to 17 (significant digits)")
    return digits


def num(x: float, digits: int) -> str:
    """``x`` with ``digits`` significant digits, for prose and tables (``1.2e-05`` style).

    >>> num(0.121479277, 4), num(-0.0, 4), num(1.296e-5, 3), num(60000, 4)
    ('0.1215', '0', '1.3e-05', '60000')
    """
    x = float(x)
    if x == 0 or not math.isfinite(x):
        return "0" if x == 0 else str(x)
    if x.is_integer() and abs(x) < 10 ** 9:
        return str(int(x))
    text = f"{x:.{digits}g}"
    if "e" in text:
        mant, exp = text.split("e")
        return f"{mant}e{int(exp):+03d}"
    return text


MINUS = "\u2212"
#: A hyphen-minus that is a number's sign or its exponent's: at the start of a number (not inside
#: a word or a range such as ``1-30``), or after the ``e`` of a mantissa.
_SIGN = re.compile(r"(?<![\w.\-\u2212/])-(?=\.?\d)|(?<=\de)-(?=\d)")


def minus(text: str) -> str:
    """``text`` with each number's ASCII sign written as the minus sign U+2212, as MathML shows it:
    for figures and table cells, never for code, JSON, CSV or the terminal.

    >>> minus("-0.5"), minus("1.2e-05"), minus("w0[1,2] = -3"), minus("seed-001, 1-30")
    ('−0.5', '1.2e−05', 'w0[1,2] = −3', 'seed-001, 1-30')
    """
    return _SIGN.sub(MINUS, text)


def shown(x: float, digits: int) -> str:
    """``num`` signed with U+2212: a number as a page shows it outside math (figures, the explorer).

    >>> shown(-0.99984, 4), shown(2.5e-7, 2)
    ('−0.9998', '2.5e−07')
    """
    return minus(num(x, digits))


_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
#: Pieces of a table row that keep their text: code spans (any fence length) and inline math.
_VERBATIM = re.compile(r"(`+).*?(?<!`)\1(?!`)|(?<!\\)\$(?:[^$\\]|\\.)+?\$")


def table_minus(markdown: str) -> str:
    r"""``markdown`` with the numbers in its table rows signed with U+2212 (``minus``), once for
    every document: code spans, inline math, fenced code and display math keep ``-``.

    >>> table_minus("| -1 | `x-1 -2` | $-3$ |\n-4\n```\n| -5 |\n```\n")
    '| −1 | `x-1 -2` | $-3$ |\n-4\n```\n| -5 |\n```\n'
    """
    out = []
    fence = None
    math = False
    for line in markdown.split("\n"):
        opened = _FENCE.match(line)
        if fence is not None:
            if opened and opened.group(1)[0] == fence[0] and len(opened.group(1)) >= len(fence):
                fence = None
        elif opened:
            fence = opened.group(1)
        elif line.strip() == "$$":
            math = not math
        elif not math and line.lstrip().startswith("|"):
            pieces, last = [], 0
            for found in _VERBATIM.finditer(line):
                pieces += [minus(line[last:found.start()]), found.group(0)]
                last = found.end()
            line = "".join(pieces) + minus(line[last:])
        out.append(line)
    return "\n".join(out)


def tex(x: float, digits: int) -> str:
    r"""``x`` as a LaTeX number: ``1.3 \times 10^{-5}`` rather than ``1.3e-05``.

    >>> tex(1.296e-5, 2), tex(-0.5, 3)
    ('1.3 \\times 10^{-5}', '-0.5')
    """
    text = num(x, digits)
    if "e" in text:
        mant, exp = text.split("e")
        return f"{mant} \\times 10^{{{int(exp)}}}"
    return text


def bmatrix(rows: Sequence[Sequence[str]]) -> str:
    """A LaTeX ``bmatrix`` of already formatted cells."""
    body = r" \\ ".join(" & ".join(row) for row in rows)
    return rf"\begin{{bmatrix}} {body} \end{{bmatrix}}"


def matrix(value: np.ndarray, digits: int, max_rows: int = MAX_ROWS, max_cols: int = MAX_COLS) -> str:
    r"""A 0-, 1- or 2-D array as LaTeX; large ones as a corner slice with ``\cdots`` and ``\vdots``.

    A 1-D array is written as a row.

    >>> matrix(np.array([[1.0, -0.25]]), 3)
    '\\begin{bmatrix} 1 & -0.25 \\end{bmatrix}'
    """
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim == 0:
        return tex(float(arr), digits)
    if arr.ndim == 1:
        arr = arr[None, :]
    n_rows, n_cols = arr.shape
    rows_shown = n_rows if n_rows <= max_rows else max_rows - 1
    cols_shown = n_cols if n_cols <= max_cols else max_cols - 1
    rows = []
    for i in range(rows_shown):
        cells = [tex(arr[i, j], digits) for j in range(cols_shown)]
        if cols_shown < n_cols:
            cells.append(r"\cdots")
        rows.append(cells)
    if rows_shown < n_rows:
        rows.append([r"\vdots"] * cols_shown + ([r"\ddots"] if cols_shown < n_cols else []))
    return bmatrix(rows)


def is_sliced(value: np.ndarray) -> bool:
    """Whether ``matrix`` shows only a slice of ``value``."""
    arr = np.atleast_2d(np.asarray(value))
    return arr.shape[0] > MAX_ROWS or arr.shape[1] > MAX_COLS


def shape_text(value: np.ndarray) -> str:
    """``"5×4"`` for a 5-by-4 array, ``"4"`` for a vector, ``"1"`` for a scalar."""
    shape = np.shape(value)
    return "×".join(str(s) for s in shape) if shape else "1"


def norms(value: np.ndarray, digits: int) -> dict[str, str]:
    """The Frobenius norm and the largest absolute entry, formatted: what a slice hides."""
    arr = np.asarray(value, dtype=np.float64)
    return {"fro": num(float(np.linalg.norm(arr)), digits), "max": num(float(np.max(np.abs(arr))), digits)}
