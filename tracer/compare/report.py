"""The diff report: a ``Comparison`` as template variables and a loss-curve figure, rendered by the
shared layer (``tracer.render``) into Markdown and HTML."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from tracer.compare.diff import Comparison
from tracer.render.document import Kind
from tracer.render.model import Document
from tracer.trace import Trace

FIGURE = "figures/loss.{lang}.svg"
REPORT = Kind("report", "report", {"md": "report/report.md.j2", "html": "report/report.md.j2"})


def _context(c: Comparison, a: Trace, digits: int) -> dict:
    from tracer.render.escape import UserText
    from tracer.render.numbers import num

    def fmt(v):
        if isinstance(v, (list, tuple)):
            return UserText(", ".join(str(x) for x in np.ravel(v)) if len(v) > 8 else repr(v))
        return UserText(repr(v))

    d = c.first_divergence
    worst = max(c.final["a"]["mean_error"], c.final["b"]["mean_error"])
    final = {side: {"loss": num(f["loss"], digits), "mean_error": num(f["mean_error"], digits), "learned": f["learned"],
                    "predictions": ", ".join(num(v, digits) for v in np.ravel(f["predictions"])[:10])}
             for side, f in c.final.items()}
    align = None
    if c.alignment is not None:
        align = {"iteration": c.alignment["iteration"], "same_solution": c.alignment["same_solution"],
                 "lowest": num(c.alignment["lowest_correlation"], 3),
                 "layers": [{"layer": lay["layer"], "permutation": ", ".join(map(str, lay["permutation"])),
                             "correlations": ", ".join(num(v, 3) for v in lay["correlations"])}
                            for lay in c.alignment["layers"]]}
    return {
        "equal": c.equal, "tolerant": bool(c.atol or c.rtol), "atol": num(c.atol, digits), "rtol": num(c.rtol, digits),
        "n_iterations": len(c.iterations), "first_iteration": int(c.iterations[0]) if len(c.iterations) else 0,
        "config_differences": [{"key": UserText(k), "a": fmt(va), "b": fmt(vb)} for k, va, vb in c.config_differences],
        "tensors": [{"name": UserText(t.name), "max_abs": num(float(t.max_abs.max(initial=0.0)), 3),
                     "max_rel": num(float(t.max_rel.max(initial=0.0)), 3),
                     "iterations": str(int((t.n_differ > 0).sum())), "elements": str(int(t.n_differ.sum()))}
                    for t in c.tensors],
        "not_comparable": [UserText(n) for n in c.not_comparable],
        "first": None if d is None else {"iteration": d.iteration, "tensor": UserText(d.tensor), "index": list(d.index),
                                         "label": UserText(f"{d.tensor}{list(d.index)}"),
                                         "a": repr(d.a), "b": repr(d.b)},
        "final": final, "bound": f"{10.0 ** np.ceil(np.log10(worst)):.0e}" if worst > 0 else "",
        "alignment": align,
        "custom_title": UserText(a.config.title) if a.config.title else "",
    }


def _curves(a: Trace, b: Trace, lang: str, prose) -> dict[str, tuple[str, str]]:
    from tracer.render.figures import Series, curves

    codes = lang.split("-")
    series = [Series(name, [int(i) for i in t.recorded_iterations], [float(v) for v in t.stack("mean_error")])
              for name, t in (("A", a), ("B", b))]
    axis = [prose[c].axis for c in codes]
    svg = curves(series, label=" / ".join(str(prose[c].curve_caption) for c in codes),
                 x_label=" / ".join(x["x"] for x in axis), y_label=" / ".join(x["y"] for x in axis))
    return {"loss": (FIGURE.format(lang=lang), svg)}


def render_report(c: Comparison, a: Trace, b: Trace, *, langs: Sequence[str] = ("zh", "en", "zh-en"),
                  formats: Sequence[str] = ("md", "html"), fragment: bool = False, digits: int = 4,
                  templates: str | None = None) -> list[Document]:
    """``report.<lang>.md`` / ``.html`` for each language and format, plus ``figures/loss.<lang>.svg``."""
    from tracer.render.document import render
    from tracer.render.numbers import check_digits

    check_digits(digits)
    return render(REPORT, _context(c, a, digits), langs=langs, formats=formats, fragment=fragment,
                  templates=templates, figures=lambda lang, prose: _curves(a, b, lang, prose))


def write_report(c: Comparison, a: Trace, b: Trace, out: str | Path, *, langs: str = "zh,en,zh-en",
                 formats: str = "md,html", fragment: bool = False, templates: str | None = None,
                 digits: int = 4) -> list[Path]:
    """Render the report (``langs`` / ``formats`` as the command line spells them) and write it to ``out``."""
    from tracer.lesson.write import write_documents
    from tracer.render.document import parse_formats, parse_langs

    docs = render_report(c, a, b, langs=parse_langs(langs, templates, ("report",)), formats=parse_formats(formats),
                         fragment=fragment, templates=templates, digits=digits)
    return write_documents(out, docs)
