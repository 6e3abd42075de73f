"""Rich display in Jupyter: the HTML, Markdown and LaTeX that ``Trace`` and ``Derivation`` show.

``Trace._repr_html_`` and friends call these functions lazily, so importing the trace module stays
cheap. Every piece of text that comes from a config or a trace (a title, a data set's name) is
escaped here for the target it enters (``html.escape`` for HTML, ``md_escape`` for Markdown,
``latex_text`` for LaTeX). The labels are short English column headings, as a pandas table has.
"""

from __future__ import annotations

import html
from typing import Sequence

import numpy as np

from tracer.render.escape import md_escape
from tracer.render.numbers import num

MAX_ITERATIONS = 8   # iterations listed before the middle ones are elided
DIGITS = 6


def _shown_iterations(its: Sequence[int]) -> list[int | None]:
    """The iterations a compact table lists; ``None`` stands for the elided middle."""
    its = [int(i) for i in its]
    if len(its) <= MAX_ITERATIONS:
        return its
    half = MAX_ITERATIONS // 2
    return [*its[:half], None, *its[-half:]]


def _summary(trace) -> list[tuple[str, str]]:
    """``(label, value)`` pairs describing the run; values are plain text from the config."""
    cfg = trace.config
    net = cfg.network
    its = trace.recorded_iterations
    rows = [("network", "-".join(map(str, net.layers)) + " " + ", ".join(net.activation)),
            ("bias · loss · reduction", f"{net.bias} · {net.loss} · {net.reduction}"),
            ("data", f"{cfg.data.name} ({len(cfg.data.inputs)} samples)"),
            ("seed · lr · iterations", f"{cfg.init.seed} · {num(cfg.train.lr, 6)} · {cfg.train.iterations}"),
            ("recorded iterations", f"{len(its)}")]
    if cfg.title:
        rows.insert(0, ("title", cfg.title))
    return rows


def _tensor_rows(trace) -> list[tuple[str, str, str, str]]:
    """``(name, shape, value at the first recorded iteration, at the last)`` per tensor."""
    first, last = int(trace.recorded_iterations[0]), int(trace.recorded_iterations[-1])
    rows = []
    for name in trace.names:
        stack = trace.stack(name)
        shape = "×".join(map(str, stack.shape[1:])) or "scalar"
        rows.append((name, shape, _brief(stack[0]), _brief(stack[-1]) if last != first else ""))
    return rows


def _brief(value: np.ndarray) -> str:
    """A scalar in full digits, a small array's first entries, with ``…`` when cut."""
    flat = np.ravel(np.asarray(value, dtype=float))
    shown = ", ".join(num(float(v), 4) for v in flat[:3])
    if flat.size == 1:
        return num(float(flat[0]), DIGITS)
    return f"[{shown}{', …' if flat.size > 3 else ''}]"


def _iteration_rows(trace) -> list[tuple[str, str, str]]:
    rows = []
    for j in _shown_iterations(trace.recorded_iterations):
        if j is None:
            rows.append(("…", "…", "…"))
        else:
            rows.append((str(j), num(float(trace.get("loss", j)), DIGITS), num(float(trace.get("mean_error", j)), DIGITS)))
    return rows


def _html_table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    cells = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{cells}</tr></thead><tbody>{body}</tbody></table>"


def _md_table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(md_escape(c) if c else " " for c in row) + " |" for row in rows]
    return "\n".join(lines)


TENSOR_HEAD = ("tensor", "shape", "first recorded", "last recorded")
ITERATION_HEAD = ("iteration", "E", "mean error")


def trace_html(trace) -> str:
    """A ``Trace`` as HTML: what was run, a table of tensors and one of iterations."""
    summary = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in _summary(trace))
    return ('<div class="nntrace-trace"><strong>nntrace Trace</strong>'
            f"<table>{summary}</table>"
            f"{_html_table(TENSOR_HEAD, _tensor_rows(trace))}"
            f"{_html_table(ITERATION_HEAD, _iteration_rows(trace))}</div>")


def trace_markdown(trace) -> str:
    """A ``Trace`` as Markdown: the same three parts as ``trace_html``."""
    summary = "\n".join(f"- {k}: {md_escape(v)}" for k, v in _summary(trace))
    return "\n\n".join(["**nntrace Trace**", summary, _md_table(TENSOR_HEAD, _tensor_rows(trace)),
                        _md_table(ITERATION_HEAD, _iteration_rows(trace))]) + "\n"


def latex_text(text: str) -> str:
    r"""Text for ``\text{…}``: the characters LaTeX treats as commands escaped.

    >>> latex_text("a_b & 50%")
    'a\\_b \\& 50\\%'
    """
    out = []
    for ch in str(text):
        if ch in "&%$#_{}":
            out.append("\\" + ch)
        elif ch == "\\":
            out.append(r"\textbackslash{}")
        elif ch in "~^":
            out.append(r"\text{" + ("\\textasciitilde{}" if ch == "~" else "\\textasciicircum{}") + "}")
        else:
            out.append(ch)
    return "".join(out)


def trace_latex(trace) -> str:
    """A ``Trace`` as a LaTeX ``tabular``: the iterations with E and the mean error."""
    rows = r" \\ ".join(" & ".join(latex_text(c) for c in row) for row in _iteration_rows(trace))
    caption = latex_text("; ".join(f"{k}: {v}" for k, v in _summary(trace)))
    return (r"\begin{tabular}{rrr} \multicolumn{3}{l}{\text{" + caption + r"}} \\ \hline "
            r"iteration & $E$ & mean error \\ \hline " + rows + r" \end{tabular}")


def _derivation_numbers(d) -> list[tuple[str, str]]:
    return [("derived (sympy)", num(d.value, 12)), ("numpy gradient", num(d.numpy_value, 12)),
            (f"finite difference ({d.finite_difference_kind or 'central'})", num(d.finite_difference, 12)),
            ("agree", "yes" if d.agree else "NO")]


def derivation_html(d) -> str:
    """A ``Derivation`` as HTML: its formula (MathML) and the three numbers that must agree."""
    from tracer.render.mathml import to_mathml

    rows = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in _derivation_numbers(d))
    return (f'<div class="nntrace-derivation"><strong>∂E/∂{html.escape(d.weight)} at iteration '
            f'{int(d.iteration)}</strong><div>{to_mathml(d.latex, True)}</div><table>{rows}</table></div>')


def derivation_markdown(d) -> str:
    """A ``Derivation`` as Markdown with ``$$…$$`` math."""
    rows = "\n".join(f"| {k} | {v} |" for k, v in _derivation_numbers(d))
    return (f"**∂E/∂{md_escape(d.weight)} at iteration {int(d.iteration)}**\n\n$$\n{d.latex}\n$$\n\n"
            f"| | value |\n|---|---:|\n{rows}\n")


def derivation_latex(d) -> str:
    """A ``Derivation`` as LaTeX: the formula, then the three numbers."""
    parts = []
    for label, value in _derivation_numbers(d):
        shown = value if label != "agree" else r"\text{" + value + "}"
        parts.append(r"\text{" + latex_text(label) + "} = " + shown)
    return rf"$$ {d.latex} $$ $$ " + r",\quad ".join(parts) + " $$"
