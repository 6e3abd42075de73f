"""Trace diffs: compare two traces tensor by tensor, optionally after matching hidden units.

``compare(a, b)`` gives a ``Comparison``; ``align(a, b)`` reorders B's hidden units to match A's;
``diff(a, b, align=True)`` does both, the way ``nntrace diff --align`` does.
"""

from __future__ import annotations

from tracer.compare.align import align
from tracer.compare.diff import Comparison, Divergence, TensorDiff, compare
from tracer.trace import Trace


def diff(a: Trace, b: Trace, *, atol: float = 0.0, rtol: float = 0.0, align_units: bool = False) -> Comparison:
    """Compare ``a`` with ``b``; with ``align_units`` match B's hidden units to A's first and report how."""
    if not align_units:
        return compare(a, b, atol=atol, rtol=rtol)
    aligned, report = align(a, b)
    result = compare(a, aligned, atol=atol, rtol=rtol)
    result.alignment = report
    return result


__all__ = ["Comparison", "Divergence", "TensorDiff", "align", "compare", "diff"]
