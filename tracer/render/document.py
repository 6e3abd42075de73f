"""One function renders every document family: ``render(kind, context, langs=…, formats=…)``.

A family (lesson, report, index, worksheet) is a folder of templates: a skeleton per document
kind plus one prose file per language (``templates/<family>/prose/<code>.md.j2``). For every
language (``zh``, ``en`` or a pair such as ``zh-en``) and format (``md``, ``html``) the same four
steps run:

1. load each language's prose, bound to the family's variables (``tracer.render.prose``);
2. render the skeleton to Markdown (the ``.md`` file, or the source of the HTML page); the
   numbers in its tables take the minus sign U+2212, as the math does (``numbers.table_minus``);
3. for HTML, turn that Markdown into an offline page or fragment (``tracer.render.page``);
4. collect the figures: inlined into HTML, written beside Markdown as ``figures/*.svg``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

from tracer.errors import TracerError
from tracer.render.environment import get_template, languages, reset_budget, template_errors, MAX_TEXT
from tracer.render.escape import plain, yaml_string
from tracer.render.model import Document
from tracer.render.numbers import table_minus
from tracer.render.prose import load_prose

FORMATS = ("md", "html")
DEFAULT_LANGS = ("zh", "en", "zh-en")

#: A figure function: ``(lang, prose) -> {figure id: (path, svg)}`` for one language of a document.
Figures = Callable[[str, Mapping[str, Any]], Mapping[str, tuple[str, str]]]


@dataclass(frozen=True, slots=True)
class Kind:
    """A kind of document: which family's templates render it and how its files are named."""

    family: str
    """The template folder and its prose: ``templates/<family>/prose/<code>.md.j2``."""
    stem: str
    """Output files are ``<stem>.<lang>.md`` and ``<stem>.<lang>.html`` (``.fragment.html``)."""
    templates: Mapping[str, str] = field(default_factory=dict)
    """The skeleton for each format, e.g. ``{"md": "lesson/lesson.md.j2", "html": …}``."""
    builders: Mapping[str, Callable[..., Document]] = field(default_factory=dict)
    """Formats the family builds itself (the lesson's ``ipynb``): ``builder(variables, prose, codes,
    templates) -> Document``, called with the same variables and prose as the skeleton formats."""
    finish: Callable[[str, Sequence[str]], str] | None = None
    """A last step on each HTML page, ``finish(html, codes) -> html`` (the lesson's explorer)."""


def parse_langs(text: str | Sequence[str], templates: str | None = None,
                families: Sequence[str] = ("lesson",)) -> tuple[str, ...]:
    """``"zh,en,zh-en"`` → ``("zh", "en", "zh-en")``, each code checked against the prose files
    of every family that will be rendered."""
    items = [s.strip() for s in text.split(",")] if isinstance(text, str) else list(text)
    known = {family: languages(family, templates) for family in families}
    for item in items:
        for code in item.split("-"):
            for family, codes in known.items():
                if code not in codes:
                    raise TracerError(
                        f"--lang {item!r}: no prose for {code!r} among the {family} templates; available: {', '.join(codes)} and pairs "
                        f"such as zh-en (add {family}/prose/{code}.md.j2 to a --templates folder for more)")
    if not items or len(set(items)) != len(items):
        raise TracerError(f"--lang {text!r} must list distinct languages, such as zh,en,zh-en")
    return tuple(items)


def parse_formats(text: str | Sequence[str], allowed: Sequence[str] = FORMATS) -> tuple[str, ...]:
    """``"md,html"`` → ``("md", "html")``; a family with formats of its own passes ``allowed``."""
    items = [s.strip() for s in text.split(",")] if isinstance(text, str) else list(text)
    bad = [f for f in items if f not in allowed]
    if bad or not items:
        raise TracerError(f"--format {text!r}: choose from {', '.join(allowed)} (comma-separated)")
    return tuple(dict.fromkeys(items))


def render(kind: Kind, context: Mapping[str, Any], *, langs: Sequence[str] = DEFAULT_LANGS,
           formats: Sequence[str] = FORMATS, fragment: bool = False, templates: str | None = None,
           figures: Figures | None = None,
           extra: Callable[[str, str], Mapping[str, Any]] | None = None) -> list[Document]:
    """Every document of ``kind`` in ``langs`` × ``formats``, plus its figures for Markdown.

    ``context`` holds the family's variables (the same for every language); ``extra(lang, format)``
    may add a few per document (such as the names of linked files); ``figures`` draws a language's
    figures from its prose. Returns documents in a fixed order: each language's formats, then the
    figures sorted by path.
    """
    docs: list[Document] = []
    files: dict[str, str] = {}
    names = language_names(kind.family, langs, templates) if len(langs) > 1 else {}
    for lang in langs:
        codes = tuple(lang.split("-"))
        drawn = dict(figures(lang, load_prose(kind.family, codes, context, templates))) if figures else {}
        paths = {key: path for key, (path, _) in drawn.items()}
        svgs = {path: svg for path, svg in drawn.values()}
        for form in formats:
            variables = {**context, **(extra(lang, form) if extra else {}), "figure_paths": paths,
                         "format": form, "html": form == "html", "with_front_matter": form == "md",
                         "document_lang": lang, "layout": f"format/{form}.j2",
                         "siblings": siblings(kind, langs, lang, form, fragment, names)}
            docs.append(render_one(kind, variables, codes, form, fragment=fragment, templates=templates,
                                   figures=svgs))
        if "md" in formats:
            files.update(svgs)
    docs.extend(Document(path, svg.encode()) for path, svg in sorted(files.items()))
    return docs


def language_names(family: str, langs: Sequence[str], templates: str | None) -> dict[str, str]:
    """Each language's own name for itself, for the links between language versions."""
    from tracer.render.prose import language_name

    codes = dict.fromkeys(code for lang in langs for code in lang.split("-"))
    return {code: language_name(family, code, templates) for code in codes}


def siblings(kind: Kind, langs: Sequence[str], lang: str, form: str, fragment: bool,
             names: Mapping[str, str]) -> list[dict[str, Any]]:
    """The same document in each rendered language, for the links under its title (none when
    only one language is rendered)."""
    if len(langs) < 2:
        return []
    ext = "md" if form == "md" else ("fragment.html" if fragment else "html")
    return [{"lang": other, "href": f"{kind.stem}.{other}.{ext}", "current": other == lang,
             "label": " / ".join(names.get(code, code) for code in other.split("-"))} for other in langs]


def render_one(kind: Kind, variables: Mapping[str, Any], codes: Sequence[str], form: str, *,
               fragment: bool = False, templates: str | None = None,
               figures: Mapping[str, str] | None = None) -> Document:
    """One document of ``kind`` for the languages ``codes`` in format ``form``."""
    prose = load_prose(kind.family, codes, variables, templates)
    if form in kind.builders:
        return kind.builders[form](variables, prose, codes, templates)
    title = variables.get("custom_title") or " · ".join(str(prose[c].title) for c in codes)
    description = " · ".join(str(prose[c].description) for c in codes)
    name = "-".join(codes)
    markdown = render_markdown(kind.templates[form], variables, prose, codes, title, description, templates)
    if form == "md":
        return Document(f"{kind.stem}.{name}.md", markdown.encode())
    from tracer.render.page import render_page

    html = render_page(markdown, title=plain(title), description=plain(description),
                       lang=str(prose[codes[0]].html_lang), fragment=fragment, figures=figures or {},
                       templates=templates)
    if kind.finish is not None:
        html = kind.finish(html, codes)
    return Document(f"{kind.stem}.{name}.fragment.html" if fragment else f"{kind.stem}.{name}.html", html.encode())


def render_markdown(template: str, variables: Mapping[str, Any], prose: Mapping[str, Any], codes: Sequence[str],
                    title: str, description: str, templates: str | None = None) -> str:
    """The Markdown of one document: the skeleton ``template`` with its prose."""
    reset_budget()
    compiled = get_template(template, templates)
    front = {"title": yaml_string(title), "description": yaml_string(description)}
    with template_errors(template):
        pieces = []
        size = 0
        for piece in compiled.generate(**variables, prose=prose, langs=list(codes), document_title=title,
                                       front_matter=front, plain_title=plain(title),
                                       plain_description=plain(description)):
            size += len(piece)
            if size > MAX_TEXT:
                raise TracerError(f"template {template!r}: the document grew past {MAX_TEXT} characters")
            pieces.append(piece)
    text = re.sub(r"[ \t]+\n", "\n", "".join(pieces))
    return table_minus(re.sub(r"\n{3,}", "\n\n", text).strip("\n") + "\n")
