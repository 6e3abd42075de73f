"""Kept for callers of ``tracer.batch.exercises``: worksheets are now the ``tracer.worksheet`` family."""

from __future__ import annotations

from tracer.worksheet.render import derive_questions, render_exercises

__all__ = ["render_exercises", "derive_questions"]
