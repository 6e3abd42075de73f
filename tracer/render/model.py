"""Plain data of the rendering stage: a rendered ``Document`` and the ``Terms`` glossary state."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping


@dataclass(frozen=True, slots=True)
class Document:
    """One output file, rendered in memory and written later by ``write_documents``."""

    path: str
    """Path relative to the output folder, with ``/`` separators: ``lesson.en.html``, ``figures/loss.en.svg``."""
    content: bytes
    """The exact bytes to write (UTF-8 text, ``\\n`` line endings)."""


@dataclass
class Terms:
    """Key terms of one document: written in bold on first use, with their counterpart when bilingual.

    Called from the prose templates as ``term(code, key)``; each document gets a fresh instance.
    """

    glossaries: Mapping[str, Mapping[str, str]]
    """Language code → term key → the term in that language (each prose file's ``glossary``)."""
    patterns: Mapping[str, str]
    """Language code → how a first use with counterparts is written, e.g. ``"**{word}** ({others})"``."""
    langs: tuple[str, ...]
    """The document's languages, in order (``("zh", "en")`` for the bilingual lesson)."""
    seen: set = field(default_factory=set)
    """``(code, key)`` pairs already written once."""

    def __call__(self, code: str, key: str) -> str:
        try:
            word = self.glossaries[code][key]
        except KeyError:
            raise KeyError(f"term {key!r} is missing from the {code!r} glossary (prose/{code}.md.j2)") from None
        if (code, key) in self.seen:
            return word
        self.seen.add((code, key))
        others = [self.glossaries[o].get(key) for o in self.langs if o != code]
        others = [o for o in others if o]
        if not others:
            return f"**{word}**"
        return self.patterns[code].format(word=word, others=" / ".join(others))
