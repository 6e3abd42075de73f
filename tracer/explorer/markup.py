"""The explorer's HTML: a ``<template>`` (inert without JavaScript), its JSON data and its script.

Everything visible lives inside ``<template>``, so without JavaScript the page reads exactly as
the static lesson; the inline script clones it into place and wires it up. Nothing has an id, so
several explorers (fragments) can share a page. Text is escaped here (``html.escape``), the JSON
with ``<``, ``>`` and ``&`` written as ``\\u`` escapes so it can never close its ``<script>``.
"""

from __future__ import annotations

import html
import json
from typing import Any, Mapping, Sequence

from tracer.explorer.chain import ParameterChain, parameter_names
from tracer.explorer.data import edge_styles

GAP, STEP, RADIUS = 180, 46, 13


def json_script(payload: Any) -> str:
    """``payload`` as a ``<script type="application/json">`` block that no text can break out of."""
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return f'<script type="application/json" class="nx-data">{text}</script>'


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def both(labels: Sequence[Mapping[str, str]], key: str, **fill: Any) -> str:
    """One label in every language of the page, joined with `` / ``."""
    return " / ".join(dict.fromkeys(str(lab[key]).format(**fill) for lab in labels))


def network_svg(layers: Sequence[int], first: Mapping[str, Any], labels, biased: bool) -> str:
    """The network with one selectable ``<g data-nntrace-weight>`` per edge (and bias node)."""
    L = len(layers) - 1
    height = 40 + STEP * max(layers)
    width = 80 + GAP * L
    xs = [40 + GAP * k for k in range(L + 1)]
    ys = [[height / 2 - 8 + STEP * (u - (n - 1) / 2) for u in range(n)] for n in layers]
    styles = first["edges"]
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="nx-net" viewBox="0 0 {width} {height}" '
             f'role="group" aria-label="{_e(both(labels, "figure"))}">']
    for k in range(L):
        for i in range(layers[k]):
            for j in range(layers[k + 1]):
                name = f"w{k}[{i},{j}]"
                colour, stroke = styles[k][i * layers[k + 1] + j]
                line = f'x1="{xs[k] + RADIUS}" y1="{ys[k][i]:.1f}" x2="{xs[k + 1] - RADIUS}" y2="{ys[k + 1][j]:.1f}"'
                parts.append(f'<g class="nx-edge" data-nntrace-weight="{name}" data-k="{k}" data-i="{i}" data-j="{j}" '
                             f'tabindex="0" role="button" aria-label="{name}"><line class="nx-hit" {line}/>'
                             f'<line class="nx-line" {line} stroke="{colour}" stroke-width="{stroke}"/></g>')
    for k, column in enumerate(ys):
        for u, y in enumerate(column):
            circle = f'<circle cx="{xs[k]}" cy="{y:.1f}" r="{RADIUS}"/><text x="{xs[k]}" y="{y + 4:.1f}">{u}</text>'
            if biased and k > 0:
                name = f"b{k - 1}[{u}]"
                parts.append(f'<g class="nx-node nx-bias" data-nntrace-weight="{name}" tabindex="0" role="button" '
                             f'aria-label="{name}">{circle}</g>')
            else:
                parts.append(f'<g class="nx-node">{circle}</g>')
        parts.append(f'<text class="nx-label" x="{xs[k]}" y="{height - 6}">l{k} ({layers[k]})</text>')
    parts.append("</svg>")
    return "".join(parts)


def curve_svg(curve: Mapping[str, Any], labels) -> str:
    points = " ".join(f"{x},{y}" for x, y in curve["points"].values())
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="nx-curve" viewBox="0 0 {curve["width"]} {curve["height"]}" '
            f'role="img" aria-label="{_e(both(labels, "curve"))}"><rect x="0.5" y="0.5" width="{curve["width"] - 1}" '
            f'height="{curve["height"] - 1}"/><polyline points="{points}"/><circle class="nx-marker" r="5" cx="0" cy="0"/></svg>')


def _table(caption: str, rows: Sequence[Sequence[str]], *, kind: str, k: int, weight: str | None = None) -> str:
    """A matrix as a table; ``weight`` (``w0``/``b0``) makes each cell a selectable element."""
    # the table's width in em of its own font (a digit is about 0.6 em, a cell's padding and
    # border about 0.8 em): the page shrinks the font so that a wide matrix fits a narrow screen
    widest = max((len(str(v)) for row in rows for v in row), default=1)
    fit = round(max((len(row) for row in rows), default=1) * (0.6 * (widest + 1) + 0.8), 1)
    out = [f'<table class="nx-matrix" data-kind="{kind}" data-k="{k}" style="--nntrace-fit: {fit}">'
           f'<caption>{_e(caption)}</caption><tbody>']
    for i, row in enumerate(rows):
        cells = []
        for j, value in enumerate(row):
            attrs = f'data-i="{i}" data-j="{j}"'
            if weight is not None:
                name = f"{weight}[{i},{j}]" if weight[0] == "w" else f"{weight}[{j}]"
                attrs += f' data-nntrace-weight="{name}" tabindex="0" role="button" aria-label="{name}"'
            cells.append(f"<td {attrs}>{_e(value)}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def matrices(network, first: Mapping[str, Any], labels) -> str:
    """Per weight layer: w_k (selectable), then l_kᵀ · δ_{k+1} = ∂E/∂w_k, and b_k with biases."""
    out = ['<div class="nx-matrices">']
    for k, layer in enumerate(first["layers"]):
        out.append(f'<div class="nx-layer"><p class="nx-layer-title">{_e(both(labels, "layer", k=k, next=k + 1))}</p>'
                   '<div class="nx-row">')
        out.append(_table(f"w{k} · {both(labels, 'weights')}", first["values"][f"w{k}"], kind="w", k=k, weight=f"w{k}"))
        if network.bias != "none":
            out.append(_table(f"b{k} · {both(labels, 'bias')}", [first["values"][f"b{k}"]], kind="b", k=k, weight=f"b{k}"))
        out.append(_table(f"l{k}ᵀ · {both(labels, 'inputs')}", layer["lT"], kind="lT", k=k))
        out.append(_table(f"δ{k + 1} · {both(labels, 'deltas')}", layer["delta"], kind="delta", k=k))
        out.append(_table(f"∂E/∂w{k} · {both(labels, 'gradient')}", layer["grad"], kind="grad", k=k))
        out.append("</div></div>")
    out.append("</div>")
    return "".join(out)


def store(chains: Mapping[str, ParameterChain], network) -> str:
    """Each parameter's general form and factor formulas as MathML, in a ``<template>`` (never
    rendered) for the panel to copy."""
    from tracer.render.mathml import to_mathml

    out = ['<template class="nx-formulas">']
    for name in parameter_names(network):
        c = chains[name]
        out.append(f'<div data-formula="{name}">{to_mathml(c.latex, True)}</div>')
        for n, latex in enumerate(c.factor_latex):
            out.append(f'<span data-factor="{name}" data-n="{n}">{to_mathml(latex)}</span>')
    out.append("</template>")
    return "".join(out)


def panel(labels) -> str:
    """The chain-rule panel: empty until a weight is selected; the script fills it."""
    row = "".join(f'<li><span>{_e(both(labels, key))}</span>: <code class="nx-{key}"></code></li>'
                  for key in ("derived", "numpy", "fd"))
    return (f'<div class="nx-panel" data-nntrace-panel aria-live="polite"><p class="nx-hint">{_e(both(labels, "hint"))}</p>'
            '<div class="nx-body" hidden><p class="nx-title"></p>'
            f'<p class="nx-caption">{_e(both(labels, "general"))}</p><div class="nx-formula"></div>'
            f'<p class="nx-caption">{_e(both(labels, "factors"))} <span class="nx-more"></span></p>'
            '<div class="nx-scroll"><table class="nx-factors"><thead></thead><tbody></tbody></table></div>'
            f'<p>{_e(both(labels, "sum"))}: <code class="nx-sum"></code> · {_e(both(labels, "grad"))}: '
            '<strong data-nntrace-value="grad"></strong></p>'
            f'<ul class="nx-three">{row}</ul><p class="nx-agree"></p>'
            f'<p>{_e(both(labels, "value"))}: <code class="nx-value"></code> · {_e(both(labels, "next_value"))}: '
            '<code class="nx-next-value"></code></p></div></div>')


def controls(iterations: Sequence[int], start: int, labels) -> str:
    options = "".join(f'<option value="{i}"{" selected" if n == start else ""}>{i}</option>'
                      for n, i in enumerate(iterations))
    return (f'<div class="nx-controls"><button type="button" class="nx-prev" aria-label="{_e(both(labels, "prev"))}">◀</button>'
            f'<input type="range" class="nx-slider" min="0" max="{len(iterations) - 1}" step="1" value="{start}" '
            f'aria-label="{_e(both(labels, "slider"))}">'
            f'<button type="button" class="nx-next" aria-label="{_e(both(labels, "next"))}">▶</button>'
            f'<button type="button" class="nx-play" aria-pressed="false">{_e(both(labels, "play"))}</button>'
            f'<label>{_e(both(labels, "iteration"))} <select class="nx-iteration" data-nntrace-iteration>{options}</select></label>'
            f'<span class="nx-error">{_e(both(labels, "mean_error"))}: <strong class="nx-mean"></strong></span></div>')


def explorer(parts: Mapping[str, Any], labels: Sequence[Mapping[str, str]], script: str, css: str,
             lang: str | None = None) -> str:
    """The whole explorer block: template, data, script (``lang``: the section's language, if one)."""
    carried = ", ".join(str(i) for i in parts["iterations"])
    lang_attr = f' lang="{_e(lang)}"' if lang else ""
    body = (f'<style>{css}</style><section class="nx"{lang_attr} aria-label="{_e(both(labels, "title"))}">'
            f'<h3 class="nx-heading">{_e(both(labels, "title"))}</h3>'
            f'<p>{_e(both(labels, "intro"))}</p>'
            f'<p class="nx-note">{_e(both(labels, "carried", carried=carried, count=parts["count"]))}</p>'
            f'{controls(parts["iterations"], parts["start"], labels)}'
            f'<div class="nx-figures">{parts["network"]}{parts["curve"]}</div>'
            f'{parts["matrices"]}{panel(labels)}</section>')
    dynamic = {key: [str(lab[key]) for lab in labels] for key in
               ("panel", "play", "pause", "agree", "disagree", "more", "factor", "product", "sample")}
    payload = {**parts["payload"], "labels": dynamic}
    return (f'<div class="nntrace-explorer"><template class="nx-template">{body}</template>{parts["store"]}'
            f"{json_script(payload)}<script>{script}</script></div>")


def too_large(labels: Sequence[Mapping[str, str]], values: Mapping[str, Any], lang: str | None = None) -> str:
    """In place of the explorer: a note saying why there is none (no script, no data)."""
    lang_attr = f' lang="{_e(lang)}"' if lang else ""
    return (f'<div class="nntrace-explorer"><p class="nx-note nx-absent"{lang_attr}>'
            f'{_e(both(labels, "too_large", **values))}</p></div>')


__all__ = ["edge_styles", "explorer", "json_script", "too_large"]
