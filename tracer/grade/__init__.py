"""``nntrace grade``: grade a class's worksheets against the answer keys of ``nntrace batch``.

``load_keys(folder)`` reads every ``answers.json``; ``grade(keys, header, rows)`` judges each
submission; ``render_grades`` writes ``grades.csv`` and the teacher's summary page.
"""

from __future__ import annotations

from tracer.grade.grade import FEEDBACK, Graded, Key, grade, judge, load_keys, read_submissions

__all__ = ["FEEDBACK", "Graded", "Key", "grade", "judge", "load_keys", "read_submissions"]
