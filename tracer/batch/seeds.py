"""Seed lists for ``nntrace batch``: ``1-30``, ``1,5,9``, ``1-10,20``."""

from __future__ import annotations

from tracer.errors import TracerError

MAX_SEEDS = 10_000


def parse_seeds(text: str, *, force: bool = False) -> list[int]:
    """The sorted, unique seeds a ``--seeds`` value names.

    >>> parse_seeds("1-3,7,2")
    [1, 2, 3, 7]
    """
    seeds: set[int] = set()
    for raw in text.split(","):
        item = raw.strip()
        lo, sep, hi = item.partition("-")
        try:
            start = int(lo)
            stop = int(hi) if sep else start
        except ValueError:
            raise TracerError(f"--seeds item {item!r} is malformed: use seeds and ranges such as 1-30 or 1,5,9") from None
        if start < 0 or stop >= 2**32 or stop < start:
            raise TracerError(f"--seeds item {item!r} must be a seed from 0 to 2**32 - 1, or a range low-high with low <= high")
        if stop - start + 1 + len(seeds) > MAX_SEEDS and not force:
            raise TracerError(f"--seeds {text!r} names more than {MAX_SEEDS:,} seeds; pass --force to render them all")
        seeds.update(range(start, stop + 1))
    return sorted(seeds)
