"""Render a lesson: trace → derivations → template variables → Markdown / HTML documents + figures.

``render_lesson`` is the whole stage in four numbered steps; it returns ``Document`` objects in
memory and writes nothing (``write_documents`` does). Diff reports, index pages and worksheets
reuse ``render_markdown`` (any template with the prose machinery) and ``page.render_page``.
"""

from __future__ import annotations

import json
import re
from typing import Any, Mapping, Sequence


from tracer.errors import TracerError
from tracer.lesson import figures as fig
from tracer.lesson.context import Options, build
from tracer.lesson.environment import TemplateError, get_template, languages
from tracer.lesson.model import Document, Terms

FORMATS = ("md", "html")
DEFAULT_LANGS = ("zh", "en", "zh-en")


def parse_langs(text: str | Sequence[str], templates: str | None = None) -> tuple[str, ...]:
    """``"zh,en,zh-en"`` → ``("zh", "en", "zh-en")``, each part checked against the prose files."""
    items = [s.strip() for s in text.split(",")] if isinstance(text, str) else list(text)
    known = languages(templates)
    for item in items:
        for code in item.split("-"):
            if code not in known:
                raise TracerError(f"--lang {item!r}: no prose for {code!r}; available: {', '.join(known)} "
                                  "and pairs such as zh-en (add templates/lesson/prose/<code>.md.j2 for more)")
    if not items or len(set(items)) != len(items):
        raise TracerError(f"--lang {text!r} must list distinct languages, such as zh,en,zh-en")
    return tuple(items)


def parse_formats(text: str | Sequence[str]) -> tuple[str, ...]:
    """``"md,html"`` → ``("md", "html")``."""
    items = [s.strip() for s in text.split(",")] if isinstance(text, str) else list(text)
    bad = [f for f in items if f not in FORMATS]
    if bad or not items:
        raise TracerError(f"--format {text!r}: choose from {', '.join(FORMATS)} (comma-separated)")
    return tuple(dict.fromkeys(items))


def render_lesson(trace, *, langs: Sequence[str] = DEFAULT_LANGS, formats: Sequence[str] = FORMATS,
                  fragment: bool = False, digits: int = 4, templates: str | None = None,
                  derivations: Sequence | None = None, iteration: int | None = None,
                  table_iterations: Sequence[int] | None = None) -> list[Document]:
    """The lesson documents of ``trace`` in every language × format, plus its figures.

    1. derive the chain rule for one weight per layer (unless ``derivations`` are given);
    2. build the template variables;
    3. draw the figures;
    4. render each language and format.

    Returns documents named ``lesson.<lang>.md``, ``lesson.<lang>.html`` (or
    ``lesson.<lang>.fragment.html`` with ``fragment``) and, with Markdown, ``figures/*.svg``.
    """
    if digits < 1 or digits > 17:
        raise TracerError(f"--digits {digits} must be between 1 and 17")
    j = int(trace.recorded_iterations[0]) if iteration is None else iteration
    if derivations is None:
        derivations = derive_per_layer(trace, j)
    options = Options(digits=digits, iteration=j, table_iterations=tuple(table_iterations or ()))
    context = build(trace, derivations, options)
    svgs = draw_figures(trace, derivations, options, [lang for lang in langs], templates)
    docs = []
    for lang in langs:
        context["figure_paths"] = {**_figure_paths(derivations), "loss": f"figures/loss.{lang}.svg"}
        for form in formats:
            if form == "md":
                text = render_markdown("lesson/lesson.md.j2", context, lang.split("-"), templates)
                docs.append(Document(f"lesson.{lang}.md", text.encode()))
            else:
                docs.append(_html(context, lang.split("-"), fragment, svgs, templates))
    if "md" in formats:
        docs.extend(Document(path, svg.encode()) for path, svg in sorted(svgs.items()))
    return docs


def derive_per_layer(trace, iteration: int) -> list:
    """One derivation per weight matrix (its first element), checked against the trace."""
    from tracer.symbolic import derive

    return [d for d in derive(trace, None, iteration) if d.parameter.startswith("w")]


def _figure_paths(derivations) -> dict[str, str]:
    paths = {"network-initial": "figures/network-initial.svg", "network-final": "figures/network-final.svg"}
    for d in derivations:
        paths[f"chain-{d.parameter}"] = f"figures/chain-{d.parameter}.svg"
    return paths


def prose_modules(langs: Sequence[str], context: Mapping[str, Any], templates: str | None = None,
                  family: str = "lesson") -> dict:
    """Each language's prose module (``<family>/prose/<code>.md.j2``), bound to ``context`` plus a
    fresh ``term`` glossary tracker."""
    modules: dict[str, Any] = {}
    glossaries: dict[str, Any] = {}
    patterns: dict[str, str] = {}
    terms = Terms(glossaries, patterns, tuple(langs))
    variables = {**context, "term": terms}
    for code in langs:
        module = get_template(f"{family}/prose/{code}.md.j2", templates).make_module(variables)
        modules[code] = module
        glossaries[code] = module.glossary
        patterns[code] = module.term_pattern
    return modules


def render_markdown(template: str, context: Mapping[str, Any], langs: Sequence[str],
                    templates: str | None = None) -> str:
    """Render a Markdown template for one language or a pair, with the prose of its family (the
    template's folder: ``lesson/…``, ``batch/…``, ``report/…``)."""
    import jinja2

    prose = prose_modules(langs, context, templates, family=template.split("/", 1)[0])
    title = " · ".join(str(prose[c].title) for c in langs)
    if context.get("custom_title"):
        title = context["custom_title"]
    description = " · ".join(str(prose[c].description) for c in langs)
    front = {"title": _yaml(title), "description": _yaml(description)}
    try:
        text = get_template(template, templates).render(
            **context, prose=prose, langs=list(langs), document_title=title, front_matter=front,
            plain_title=str(title), plain_description=description)
    except jinja2.UndefinedError as exc:
        raise TemplateError(f"template {template!r}: {exc.message}") from None
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n") + "\n"


def _yaml(text: str) -> str:
    # a JSON string is a valid YAML double-quoted scalar
    return json.dumps(str(text), ensure_ascii=False)


def _html(context, langs, fragment, svgs, templates) -> Document:
    from tracer.lesson.page import render_page

    prose = prose_modules(langs, context, templates)
    markdown = render_markdown("lesson/lesson.html.md.j2", context, langs, templates)
    title = str(context["custom_title"]) if context.get("custom_title") else " · ".join(str(prose[c].title) for c in langs)
    description = " · ".join(str(prose[c].description) for c in langs)
    html = render_page(markdown, title=title, description=description, lang=str(prose[langs[0]].html_lang),
                       fragment=fragment, figures=svgs, templates=templates)
    name = "-".join(langs)
    return Document(f"lesson.{name}.fragment.html" if fragment else f"lesson.{name}.html", html.encode())


def draw_figures(trace, derivations, options: Options, langs: Sequence[str], templates=None) -> dict[str, str]:
    """Every figure of the lesson, ``{"figures/NAME.svg": svg}``; the loss curve once per language."""
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
        "figures/network-initial.svg": fig.network(ws, biases=bs, layer_names=names, digits=3,
                                                   label=f"{shape} network, weights at iteration {first}"),
        "figures/network-final.svg": fig.network(ws_final, biases=bs_final, layer_names=names, digits=3,
                                                 label=f"{shape} network, weights after iteration {last}"),
    }
    for d in derivations:
        k = int(d.parameter[1:])
        row, col = (d.index + (0, 0))[:2]
        out[f"figures/chain-{d.parameter}.svg"] = fig.network(
            ws, layer_names=names, path=fig.Path(k, row, col), label=f"chain-rule path of {d.weight}")
    its = trace.recorded_iterations
    marks = options.table_iterations or tuple(int(i) for i in its)
    series = fig.Series("mean_error", [int(i) for i in its], [float(v) for v in trace.stack("mean_error")],
                        marks=marks)
    for lang in langs:
        prose = prose_modules(lang.split("-"), {}, templates)
        axis = [prose[c].axis for c in lang.split("-")]
        out[f"figures/loss.{lang}.svg"] = fig.curves(
            [series], label=" / ".join(a["title"] for a in axis),
            x_label=" / ".join(a["x"] for a in axis), y_label=" / ".join(a["y"] for a in axis))
    return out
