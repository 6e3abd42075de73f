"""Batch lessons for a whole class: one lesson (and worksheet) per seed, and an index page.

``batch(job, seeds)`` renders every seed in worker processes; ``render_index`` writes the index.
"""

from __future__ import annotations

from tracer.batch.run import Job, SeedResult, batch
from tracer.batch.seeds import parse_seeds

__all__ = ["Job", "SeedResult", "batch", "parse_seeds"]
