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
    does not depend on the sample). A factor that also runs over the units of a layer above the
    parameter (deeper networks) holds all its values, flattened in C order (see ``indices``)."""
    indices: tuple[str, ...] = ("n",)
    """The index letters ``values`` runs over, in order: ``("n",)`` per sample, ``()`` a constant,
    ``("n", "k")`` per sample and unit k."""
    shape: tuple[int, ...] | None = None
    """The shape of ``values`` over ``indices`` (``None``: ``(len(values),)``)."""

    def array(self) -> Any:
        """``values`` as a float64 array over ``indices`` (a 0-d array for a constant)."""
        import numpy as np

        if not self.indices:
            return np.asarray(self.values[0], dtype=np.float64)
        return np.asarray(self.values, dtype=np.float64).reshape(self.shape if self.shape is not None else (-1,))

    def value_by_sample(self) -> Any:
        """The ``--json`` ``value``: a dict keyed by sample (``"0"``, ``"1"``, …) when the factor
        depends on the sample, else a number (or nested list over the other indices)."""
        array = self.array()
        if self.indices[:1] == ("n",):
            return {str(n): array[n].tolist() for n in range(array.shape[0])}
        return array.tolist() if array.ndim else float(array)


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
    """The matrix form the code computes, e.g. ``\\frac{∂E}{∂w^{(1)}} = {l^{(1)}}^{\\top} δ^{(2)}``."""
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
    text: str = ""
    """The general expression as terminal text (sympy's pretty printer)."""
    finite_difference_kind: str | None = "central"
    """``"central"``; at a relu kink (E not differentiable there) the one-sided difference that
    matches the trainer's convention relu'(0) = 0: ``"forward"`` or ``"backward"``."""
    proved: bool | None = None
    """Whether the symbolic identity (product of factors = ``sympy.diff`` of E) was proved for this
    element; ``None`` when the network is too large for the symbolic proof."""

    def products(self) -> Any:
        """Per sample, the product of the factors (summed over the units of the layers between, in
        deeper networks): the terms whose sum over the samples is the gradient element."""
        import numpy as np

        arrays = [f.array() for f in self.factors]
        n = max((a.shape[0] for a, f in zip(arrays, self.factors) if f.indices[:1] == ("n",)), default=1)
        per_sample = [a if f.indices[:1] == ("n",) else np.broadcast_to(a, (n,) + a.shape)
                      for a, f in zip(arrays, self.factors)]
        spec = ",".join("n" + "".join(i for i in f.indices if i != "n") for f in self.factors) + "->n"
        return np.einsum(spec, *per_sample)

    def as_dict(self) -> dict[str, Any]:
        """The ``--json`` form: every factor also gets ``value``, keyed by sample."""
        out = asdict(self)
        out["index"] = list(self.index)
        for factor, raw in zip(self.factors, out["factors"]):
            raw["indices"] = list(factor.indices)
            raw["shape"] = None if factor.shape is None else list(factor.shape)
            raw["value"] = factor.value_by_sample()
        return out

    # rich display in Jupyter (tracer/display.py, imported only when a notebook asks)
    def _repr_html_(self) -> str:
        from tracer.display import derivation_html

        return derivation_html(self)

    def _repr_markdown_(self) -> str:
        from tracer.display import derivation_markdown

        return derivation_markdown(self)

    def _repr_latex_(self) -> str:
        from tracer.display import derivation_latex

        return derivation_latex(self)
