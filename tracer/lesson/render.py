"""Render a lesson: trace → derivations → template variables → Markdown / HTML documents + figures.

``render_lesson`` is the whole stage in four numbered steps; it returns ``Document`` objects in
memory and writes nothing (``write_documents`` does). The rendering itself is
``tracer.render.render``, shared with every other document family.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Sequence

from tracer.analysis.path import choose_sample
from tracer.lesson.context import Options, build
from tracer.lesson.facts import table_iterations as rows_of_table
from tracer.render import figures as fig
from tracer.render.document import DEFAULT_LANGS, FORMATS, Kind, parse_formats, parse_langs, render
from tracer.render.model import Document
from tracer.render.numbers import check_digits

__all__ = ["render_lesson", "derive_per_layer", "draw_figures", "parse_langs", "parse_formats", "LESSON", "LESSON_FORMATS"]

LESSON = Kind("lesson", "lesson", {"md": "lesson/lesson.md.j2", "html": "lesson/lesson.md.j2"})
LESSON_FORMATS = (*FORMATS, "ipynb")   # the notebook is built by tracer.notebook


def render_lesson(trace, *, langs: Sequence[str] = DEFAULT_LANGS, formats: Sequence[str] = FORMATS,
                  fragment: bool = False, digits: int = 4, templates: str | None = None,
                  derivations: Sequence | None = None, iteration: int | None = None,
                  table_iterations: Sequence[int] | None = None, execute: bool = False,
                  explorer: bool = True, source: str | None = None,
                  data_path: str | None = None) -> list[Document]:
    """The lesson documents of ``trace`` in every language × format, plus its figures.

    1. derive the chain rule for one weight per layer (unless ``derivations`` are given);
    2. build the template variables;
    3. draw the figures shared by every language;
    4. render each language and format (``tracer.render.render``), the loss curve per language.

    Returns documents named ``lesson.<lang>.md``, ``lesson.<lang>.html`` (or
    ``lesson.<lang>.fragment.html`` with ``fragment``; with the explorer of ``tracer.explorer``),
    ``lesson.<lang>.ipynb`` (``tracer.notebook``, run with nbclient when ``execute``) and, with
    Markdown, ``figures/*.svg``. The training table lists ``table_iterations`` (default: every
    recorded one) and the loss curve's turning points; ``source``, the config file the trace came
    from, is kept in the commands the lesson suggests, and so is ``data_path``, the CSV file of a
    lesson given by flags.
    """
    check_digits(digits)
    j = int(trace.recorded_iterations[0]) if iteration is None else iteration
    if derivations is None:
        derivations = derive_per_layer(trace, j, digits)
    options = Options(digits=digits, iteration=j, table_iterations=rows_of_table(trace, table_iterations),
                      source=source, data_path=data_path)
    context = build(trace, derivations, options)
    shared = draw_figures(trace, derivations, options)
    loss = loss_series(trace, options)

    def figures(lang, prose):
        axis = [prose[c].axis for c in lang.split("-")]
        svg = fig.curves([loss], label=" / ".join(a["title"] for a in axis),
                         x_label=" / ".join(a["x"] for a in axis), y_label=" / ".join(a["y"] for a in axis))
        return {**shared, "loss": (f"figures/loss.{lang}.svg", svg)}

    kind = replace(LESSON, builders=_notebook(trace, j, execute) if "ipynb" in formats else {},
                   finish=_explorer(trace, options, templates) if "html" in formats and explorer else None)
    return render(kind, context, langs=langs, formats=formats, fragment=fragment, templates=templates,
                  figures=figures)


def _notebook(trace, iteration: int, execute: bool) -> dict:
    """The ``ipynb`` format of the lesson family (``tracer.notebook``)."""
    from tracer.notebook import notebook_document

    def build(variables, prose, codes, templates):
        return notebook_document(trace, iteration, variables, prose, codes, templates=templates, execute=execute)
    return {"ipynb": build}


def _explorer(trace, options: Options, templates: str | None):
    """The explorer's hook on each HTML page: numbers prepared once, a block per page language."""
    from tracer.explorer import insert, prepare
    from tracer.explorer import render as render_explorer

    prepared = prepare(trace, digits=options.digits, iteration=options.iteration,
                       table_iterations=options.table_iterations)
    if prepared is None:   # too large to draw whole: the page says so where the explorer would be
        from tracer.explorer import render_absent
        return lambda html, codes: insert(html, render_absent(trace, codes, templates))
    return lambda html, codes: insert(html, render_explorer(prepared, codes, templates))


def derive_per_layer(trace, iteration: int, digits: int = 4) -> list:
    """One derivation per weight matrix (its first element), checked against the trace; its
    substituted formula rounded to ``digits``."""
    from tracer.symbolic import derive

    return [d for d in derive(trace, None, iteration, digits=digits) if d.parameter.startswith("w")]


def draw_figures(trace, derivations, options: Options) -> dict[str, tuple[str, str]]:
    """The lesson's figures that every language shares: ``{id: (path, svg)}``."""
    cfg = trace.config
    L = cfg.network.depth
    first, last = int(trace.recorded_iterations[0]), int(trace.recorded_iterations[-1])
    names = [f"l{k}" for k in range(L + 1)]
    ws = [trace.get(f"w{k}", first) for k in range(L)]
    ws_final = [trace.get(f"w{k}_next", last) for k in range(L)]
    bs = [trace.get(f"b{k}", first) for k in range(L)] if cfg.network.bias != "none" else None
    bs_final = [trace.get(f"b{k}_next", last) for k in range(L)] if bs is not None else None
    shape = "-".join(map(str, cfg.network.layers))
    out = {
        "network-initial": ("figures/network-initial.svg", fig.network(
            ws, biases=bs, layer_names=names, digits=options.digits, label=f"{shape} network, weights at iteration {first}")),
        "network-final": ("figures/network-final.svg", fig.network(
            ws_final, biases=bs_final, layer_names=names, digits=options.digits,
            label=f"{shape} network, weights after iteration {last}")),
    }
    sample = choose_sample(cfg.data.arrays()[0])   # the sample the worked path follows
    for d in derivations:
        k = int(d.parameter[1:])
        row, col = (d.index + (0, 0))[:2]
        ws_d = [trace.get(f"w{m}", d.iteration) for m in range(L)]
        out[f"chain-{d.parameter}"] = (f"figures/chain-{d.parameter}.svg", fig.network(
            ws_d, layer_names=names, path=fig.Path(k, row, col), derivation=d, sample=sample,
            digits=options.digits, label=f"chain-rule path of {d.weight}, sample {sample}"))
    return out


def loss_series(trace, options: Options):
    """The mean error at every recorded iteration, the table's iterations marked."""
    its = trace.recorded_iterations
    marks = options.table_iterations or tuple(int(i) for i in its)
    return fig.Series("mean_error", [int(i) for i in its], [float(v) for v in trace.stack("mean_error")], marks=marks)
