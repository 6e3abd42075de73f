"""Plain-text and prose summaries of a ``Comparison`` (the terminal output of ``nntrace diff``).

``sentences`` are shared with the rendered diff report: two or three plain statements generated
from the figures.
"""

from __future__ import annotations

import numpy as np

from tracer.compare.diff import Comparison


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def sentences(c: Comparison) -> list[str]:
    """Two or three English sentences that say what the figures mean."""
    fa, fb = c.final["a"], c.final["b"]
    out = []
    if c.equal:
        out.append(f"The two traces agree at all {len(c.iterations)} shared iterations"
                   + (" within the tolerance." if c.atol or c.rtol else ", bit for bit."))
    elif c.first_divergence is not None:
        d = c.first_divergence
        out.append(f"They first differ at iteration {d.iteration}, in {d.tensor}{list(d.index)}: "
                   f"{d.a!r} against {d.b!r}.")
    worst = max(fa["mean_error"], fb["mean_error"])
    if fa["learned"] and fb["learned"]:
        out.append(f"Both learned the task (rounded predictions equal the targets), with final mean errors "
                   f"{fa['mean_error']:.3g} and {fb['mean_error']:.3g}"
                   + (f", both below {_bound(worst)}." if worst > 0 else "."))
    else:
        which = [side.upper() for side, f in (("a", fa), ("b", fb)) if not f["learned"]]
        out.append(f"{' and '.join(which)} did not learn the task: its rounded predictions differ from the targets "
                   f"(final mean errors {fa['mean_error']:.3g} and {fb['mean_error']:.3g}).")
    if c.alignment is not None and c.alignment["layers"]:
        low = c.alignment["lowest_correlation"]
        if c.alignment["same_solution"]:
            out.append(f"After reordering, every hidden unit of B matches one of A with correlation ≥ {low:.3f}: "
                       "the two networks found the same solution up to the order of the units.")
        else:
            out.append(f"Even after the best reordering, the weakest matched pair of hidden units correlates only "
                       f"{low:.3f}: the two networks found different solutions, not just reordered ones.")
    return out


def _bound(x: float) -> str:
    """The next power of ten above ``x``, as text (``1e-03``)."""
    return f"{10.0 ** np.ceil(np.log10(x)):.0e}"


def render_text(c: Comparison) -> str:
    """The terminal report."""
    lines = []
    if c.config_differences:
        lines.append("config differences:")
        lines += [f"  {key}: {_short(a)} → {_short(b)}" for key, a, b in c.config_differences]
    else:
        lines.append("configs: identical")
    lines.append(f"shared iterations: {len(c.iterations)}; tolerance atol={c.atol:g} rtol={c.rtol:g}")
    lines.append("")
    lines.append(f"{'tensor':<12} {'max |a-b|':>12} {'max rel':>10} {'iters differing':>16} {'elements differing':>19}")
    for t in c.tensors:
        worst_abs = float(t.max_abs.max()) if t.max_abs.size else 0.0
        worst_rel = float(t.max_rel.max()) if t.max_rel.size else 0.0
        lines.append(f"{t.name:<12} {worst_abs:>12.4g} {worst_rel:>10.3g} {int((t.n_differ > 0).sum()):>16} "
                     f"{int(t.n_differ.sum()):>19}")
    if c.not_comparable:
        lines.append("not comparable: " + ", ".join(c.not_comparable))
    lines.append("")
    d = c.first_divergence
    lines.append("first divergence: none" if d is None else
                 f"first divergence: iteration {d.iteration}, {d.tensor}{list(d.index)}: A {d.a!r}, B {d.b!r}")
    for side in ("a", "b"):
        f = c.final[side]
        preds = ", ".join(f"{v:.4f}" for v in np.ravel(f["predictions"])[:8])
        lines.append(f"final {side.upper()} (iteration {f['iteration']}): loss {f['loss']:.6g}, "
                     f"mean error {f['mean_error']:.6g}, predictions [{preds}]"
                     f"{'' if f['learned'] else ' (task not learned)'}")
    if c.alignment is not None:
        for layer in c.alignment["layers"]:
            corr = ", ".join(f"{v:.3f}" for v in layer["correlations"])
            lines.append(f"alignment layer {layer['layer']}: B units {layer['permutation']} match A units "
                         f"{list(range(len(layer['permutation'])))}; correlations [{corr}]")
    lines.append("")
    lines += sentences(c)
    lines.append("equal" if c.equal else "different")
    return "\n".join(lines)
