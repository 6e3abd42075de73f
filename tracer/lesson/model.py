"""Kept for ``tracer.lesson.write``: the rendered ``Document`` now lives in ``tracer.render.model``."""

from __future__ import annotations

from tracer.render.model import Document, Terms

__all__ = ["Document", "Terms"]
