"""Worksheets and answer keys: a document family of their own (``templates/worksheet/``).

Per seed, questions about its first iteration to compute by hand (the sheet) and their worked
solutions (the key). ``render_exercises`` returns both as ``Document`` objects in memory; the
batch command writes the keys into a separate folder, never next to a sheet.
"""

from __future__ import annotations

_EXPORTS = {"render_exercises": "tracer.worksheet.render", "derive_questions": "tracer.worksheet.render",
            "SHEET": "tracer.worksheet.render", "KEY": "tracer.worksheet.render"}


def __getattr__(name: str):
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'tracer.worksheet' has no attribute {name!r}")


__all__ = sorted(_EXPORTS)
