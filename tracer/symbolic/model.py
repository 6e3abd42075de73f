"""Plain data returned by ``tracer.derive``: no sympy objects, only strings and numbers.

Lessons, diff reports and exercises read these; they never need to import sympy themselves.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Factor:
    """One factor of the chain-rule product for one parameter element."""

    name: str
    """What the factor is, in words usable as a key: ``"dE/dl2"``, ``"dl2/dz2"``, ``"dz2/dw1"`` …"""
    latex: str
    """The factor's general expression in LaTeX, e.g. ``l^{(2)}_{n}\\left(1 - l^{(2)}_{n}\\right)``."""
    values: list[float]
    """Its value for each sample n at the chosen iteration (one entry per sample; length 1 if it
    does not depend on the sample)."""


@dataclass(frozen=True, slots=True)
class Derivation:
    """The derivation of ∂E/∂(one parameter element), checked against the trace."""

    weight: str
    """The element, as on the command line: ``"w0[1,2]"`` or ``"b1[0]"``."""
    parameter: str
    """The parameter's tensor name: ``"w0"``, ``"b1"``."""
    index: tuple[int, ...]
    """The element's index in the parameter."""
    iteration: int
    """The iteration whose numbers were substituted."""
    latex: str
    """The factorised general expression: ∂E/∂w = Σ_n (factor)(factor)…"""
    matrix_latex: str
    """The matrix form the code computes, e.g. ``\\frac{∂E}{∂W^{(1)}} = {l^{(1)}}^{T} δ^{(2)}``."""
    substituted_latex: str
    """The general expression with the real numbers written in (``digits`` significant)."""
    factors: list[Factor]
    """The chain-rule factors with their per-sample values."""
    value: float
    """The derived expression evaluated with the trace's numbers."""
    numpy_value: float
    """The same gradient element as numpy computed it (``wk_grad`` / ``bk_grad`` in the trace)."""
    finite_difference: float
    """A central finite difference of E with respect to the element."""
    agree: bool
    """Whether all three agree (derived vs numpy ≤ 1e-12 relative, finite difference ≤ 1e-6)."""
    deltas: list[dict[str, Any]] = field(default_factory=list)
    """Per-layer delta expressions from the output down: ``{"layer": k, "latex": ..., "matrix_latex": ...}``."""

    def as_dict(self) -> dict[str, Any]:
        """The ``--json`` form."""
        out = asdict(self)
        out["index"] = list(self.index)
        return out
