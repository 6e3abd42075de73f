"""Assemble a lesson notebook: prose cells in each language, code cells once, a check after every step.

``notebook_cells`` reads the trace and the lesson's template variables (the same ones the Markdown
and HTML lesson use) and returns ``Cell`` objects; ``tracer.notebook.ipynb`` writes them.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Mapping, Sequence

from tracer.notebook import cells as nc
from tracer.notebook.cells import Cell


def notebook_cells(trace, context: Mapping[str, Any], lesson: Mapping[str, Any], codes: Sequence[str],
                   iteration: int, templates: str | None = None) -> list[Cell]:
    """Every cell of the notebook in ``codes`` (``["en"]``, or ``["zh", "en"]`` cell by cell);
    ``lesson`` is the lesson's prose for those languages."""
    from tracer.render.escape import md_escape
    from tracer.render.prose import load_prose

    cfg = trace.config
    j = iteration
    variables = {**context, "lr": context["train"]["lr"], "last": str(cfg.train.iterations - 1),
                 "explicit": cfg.init.values is not None, "biased": cfg.network.bias != "none",
                 "kinds": list(dict.fromkeys(cfg.network.activation))}
    words = load_prose("notebook", codes, variables, templates)
    out: list[Cell] = []

    def md(base: str, render: Callable[[str], str]) -> None:
        for code in codes:
            out.append(Cell(f"md-{base}-{code}", "markdown", _tidy(render(code))))

    def title(code: str) -> str:
        heading = md_escape(cfg.title) if cfg.title else str(lesson[code].title)
        return f"# {heading}\n\n*{words[code].title}*\n\n{lesson[code].lead()}\n\n{words[code].intro()}"

    def heading(code: str, key: str) -> str:
        return "## " + str(words[code].headings[key]).format(j=j)

    def data(code: str) -> str:
        p = lesson[code]
        parts = [f"## {p.headings['data']}", str(p.data_intro())]
        if context["data"]["binary"]:
            parts.append(str(p.binary()))
        parts.append(str(p.activations()))
        parts.append("\n".join(f"- {p.activation(a)}" for a in context["net"]["kinds"]))
        if any(a["name"] == "sigmoid" for a in context["net"]["kinds"]):
            parts.append(str(p.sigmoid_slope()))
        return "\n\n".join(parts)

    md("title", title)
    md("data", data)
    md("settings", lambda c: f"{heading(c, 'settings')}\n\n{words[c].settings()}")
    out.append(Cell("code-settings", "code", nc.settings_code(cfg, j)))
    md("helpers", lambda c: str(words[c].helpers()))
    out.append(Cell("code-helpers", "code", nc.helpers_code(cfg, [words[c].messages for c in codes])))
    md("init", lambda c: f"{heading(c, 'init')}\n\n{words[c].init()}")
    out.append(Cell("code-init", "code", nc.init_code(cfg)))
    out.append(Cell("check-init", "code", nc.checks([(p, trace.get(p, j)) for p in nc.parameter_names(cfg)])))
    stage = None
    for n, s in enumerate(nc.steps(cfg)):
        key = s.id.replace(".", "-")
        info = nc.step_info(cfg, s, variables["lr"])
        first = s.stage if s.stage != stage and s.stage != "update" else None
        stage = s.stage if s.stage != "update" else stage
        md(key, lambda c, info=info, first=first:
           (heading(c, first) + "\n\n" if first else "") + f"{words[c].step(info)}\n\n$$\n{info['math']}\n$$")
        out.append(Cell(f"code-{key}", "code", ("l0 = x\n" if n == 0 else "") + s.code))
        out.append(Cell(f"check-{key}", "code", nc.checks(nc.recorded(trace, s, j))))
    last = cfg.train.iterations - 1
    if last > j and last in set(int(i) for i in trace.recorded_iterations):
        md("rest", lambda c: f"{heading(c, 'rest')}\n\n{words[c].rest()}")
        out.append(Cell("code-rest", "code", nc.rest_code(cfg)))
        final = [("mean_error", trace.get("mean_error", last))]
        final += [(p, trace.get(f"{p}_next", last)) for p in nc.parameter_names(cfg)]
        out.append(Cell("check-rest", "code", nc.checks(final)))
    md("outro", lambda c: f"{heading(c, 'outro')}\n\n{words[c].outro()}")
    return out


def _tidy(text: str) -> str:
    text = re.sub(r"[ \t]+\n", "\n", str(text))
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n")
