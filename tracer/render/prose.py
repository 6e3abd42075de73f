"""The words of a document: one prose file per family and language, merged with the packaged one.

``<family>/prose/<code>.md.j2`` defines a language's words as Jinja variables and macros. A course
folder's prose file may hold only the entries it changes: each entry it defines replaces the
packaged one (a dict, such as ``headings``, is merged key by key) and every other entry comes from
the packaged file. A language nntrace does not ship is one complete prose file per family.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Mapping, Sequence

from tracer.render.environment import PACKAGED, TemplateError, environment, get_template, template_errors
from tracer.render.model import Terms


class Prose:
    """One language's prose entries: the course folder's first, then the packaged ones."""

    def __init__(self, name: str, layers: Sequence[Any]):
        self._name = name
        self._layers = list(layers)

    def _lookup(self, key: str):
        found = [vars(layer)[key] for layer in self._layers if key in vars(layer)]
        if not found:
            import jinja2

            raise jinja2.UndefinedError(f"the prose file {self._name} has no entry {key!r}")
        if all(isinstance(f, dict) for f in found):
            merged: dict = {}
            for f in reversed(found):
                merged.update(f)
            return merged
        return found[0]

    def __getattr__(self, key: str):
        if key.startswith("_"):
            raise AttributeError(key)
        return self._lookup(key)

    def __getitem__(self, key: str):
        return self._lookup(str(key))

    def __contains__(self, key: str) -> bool:
        return any(key in vars(layer) for layer in self._layers)

    def __repr__(self) -> str:
        return f"<prose {self._name}>"


def prose_path(family: str, code: str) -> str:
    return f"{family}/prose/{code}.md.j2"


def load_prose(family: str, codes: Sequence[str], context: Mapping[str, Any],
               templates: str | None = None) -> dict[str, Prose]:
    """Each language's ``Prose``, bound to ``context`` plus its own ``code`` and a fresh ``term``
    glossary tracker (one per document: a term is introduced once per document)."""
    glossaries: dict[str, Any] = {}
    patterns: dict[str, str] = {}
    terms = Terms(glossaries, patterns, tuple(codes))
    variables = {**context, "term": terms}
    loader = environment(templates).nntrace_loader
    out: dict[str, Prose] = {}
    for code in codes:
        name = prose_path(family, code)
        layers = []
        sources = [name] if loader.in_course(name) else []
        if loader.locate(PACKAGED + name) is not None:
            sources.append(PACKAGED + name)
        if not sources:
            raise TemplateError(f"no prose for language {code!r} in the {family!r} family: add {name}")
        for source in sources:
            template = get_template(source, templates)
            with template_errors(source):
                layers.append(template.make_module({**variables, "code": code}))
        prose = Prose(name, layers)
        with template_errors(name):
            glossaries[code] = prose.glossary
            patterns[code] = prose.term_pattern
        out[code] = prose
    return out


@lru_cache(maxsize=256)
def language_name(family: str, code: str, templates: str | None = None) -> str:
    """The language's name for itself (``{% set language_name = "中文" %}`` in its prose file), read
    without rendering the file; the code itself when the file does not set it."""
    from jinja2 import nodes

    env = environment(templates)
    loader = env.nntrace_loader
    name = prose_path(family, code)
    for source in ([name] if loader.in_course(name) else []) + [PACKAGED + name]:
        if loader.locate(source) is None:
            continue
        with template_errors(source):
            tree = env.parse(*env.loader.get_source(env, source)[:2])
        for assign in tree.find_all(nodes.Assign):
            if (isinstance(assign.target, nodes.Name) and assign.target.name == "language_name"
                    and isinstance(assign.node, nodes.Const)):
                return str(assign.node.value)
    return code
