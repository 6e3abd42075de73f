"""The lesson's explorer: step through the carried iterations, select any weight, read its chain rule.

``prepare`` computes the numbers once per lesson (they do not depend on the language);
``render`` writes the explorer block for one page language; ``insert`` is the one hook into the
rendered HTML lesson: it places the block before the "training" section (or at the end of the
article). The block is a ``<template>`` plus JSON plus a small inline script
(``templates/explorer/explorer.js``): without JavaScript nothing of it is shown.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Sequence

MAX_BYTES = 300_000   # the explorer's data, JSON
# the lesson's "training" heading; a fragment's ids carry its own prefix (nntrace-<hex>-training)
ANCHOR = re.compile(r'<h2 id="nntrace-(?:[0-9a-f]+-)?training"')


@dataclass(frozen=True)
class Prepared:
    """The language-independent parts of an explorer."""

    iterations: tuple[int, ...]
    """The carried iterations (full tensors)."""
    start: int
    """Index of the lesson's worked iteration among them (shown first)."""
    frames: list
    """Per carried iteration, its numbers (``data.iteration_data``)."""
    payload: dict
    """The JSON data of the page (frames, loss of every recorded iteration, marker positions)."""
    network: Any
    """The network config."""
    chains: dict
    """Per parameter, its general form and factor LaTeX."""
    curve: dict
    """The loss-curve points."""
    count: int
    """How many iterations were recorded (the loss the data carries)."""


def prepare(trace, *, digits: int, iteration: int, table_iterations: Sequence[int] | None) -> Prepared | None:
    """The explorer's numbers for ``trace``, or ``None`` when the network is too large to draw whole."""
    from tracer.explorer import data
    from tracer.explorer.chain import chains
    from tracer.render.numbers import shown

    if not data.fits(trace):
        return None
    derived = chains(trace, iteration)   # checks the cached factors first (rebuilt if an entry is bad)
    its = data.carried(trace, table_iterations)
    if iteration not in its:
        its = sorted({*its, iteration})
    frames = {j: data.iteration_data(trace, j, digits) for j in its}
    curve = data.loss_curve(trace)
    loss = [[int(i), shown(float(v), digits)] for i, v in zip(trace.recorded_iterations, trace.stack("mean_error"))]
    per_frame = len(json.dumps(frames[its[0]], ensure_ascii=False, separators=(",", ":")))
    budget = MAX_BYTES - len(json.dumps(loss)) - 4096
    while len(its) > 1 and per_frame * len(its) > budget:   # drop middle iterations, never the worked one
        middle = [j for j in its[1:-1] if j != iteration] or [j for j in its if j != iteration]
        its.remove(middle[len(middle) // 2])
    payload = {"its": its, "start": its.index(iteration), "frames": [frames[j] for j in its], "loss": loss,
               "marker": [list(curve["points"][j]) for j in its]}
    return Prepared(tuple(its), its.index(iteration), payload["frames"], payload, trace.config.network,
                    derived, curve, len(loss))


def render(prepared: Prepared, langs: Sequence[str], templates: str | None = None) -> str:
    """The explorer block for a page in ``langs`` (``["zh", "en"]`` labels both languages)."""
    from tracer.explorer import markup
    from tracer.render.prose import load_prose
    from tracer.resources import templates_dir

    prose = load_prose("explorer", tuple(langs), {}, templates)
    labels = [{**prose[code].labels, "title": prose[code].title} for code in langs]
    first = prepared.frames[prepared.start]
    parts = {
        "iterations": prepared.iterations, "start": prepared.start, "count": prepared.count,
        "network": markup.network_svg(prepared.network.layers, first, labels, prepared.network.bias != "none"),
        "curve": markup.curve_svg(prepared.curve, labels),
        "matrices": markup.matrices(prepared.network, first, labels),
        "store": markup.store(prepared.chains, prepared.network), "payload": prepared.payload,
    }
    folder = templates_dir() / "explorer"
    script = (folder / "explorer.js").read_text(encoding="utf-8")
    css = (folder / "explorer.css").read_text(encoding="utf-8")
    return markup.explorer(parts, labels, script, css, str(prose[langs[0]].html_lang) if len(langs) == 1 else None)


def render_absent(trace, langs: Sequence[str], templates: str | None = None) -> str:
    """What an HTML lesson shows where a network too large for the explorer would have it."""
    from tracer.explorer import data, markup
    from tracer.render.prose import load_prose

    prose = load_prose("explorer", tuple(langs), {}, templates)
    labels = [{**prose[code].labels, "title": prose[code].title} for code in langs]
    values = {"units": data.MAX_UNITS, "samples": data.MAX_SAMPLES,
              "widest": max(trace.config.network.layers), "count": len(trace.config.data.inputs)}
    return markup.too_large(labels, values, str(prose[langs[0]].html_lang) if len(langs) == 1 else None)


def insert(page: str, block: str) -> str:
    """Place ``block`` before the lesson's "training" section, or before the article's end."""
    found = ANCHOR.search(page)
    at = found.start() if found else page.rfind("</article>")
    return page[:at] + block + "\n" + page[at:]


__all__ = ["Prepared", "insert", "prepare", "render", "render_absent"]
