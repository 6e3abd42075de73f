"""The symbolic stage: sympy derives the chain rule for the configured network and proves it.

``derive`` is the entry point. sympy runs only on a derivation-cache miss (and for a proof not yet
done): a warm run reads the factors as expression trees, checks them against the numbers, and
prints and evaluates them with nntrace's own small printer and evaluator (numpy only).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

from tracer.symbolic.model import Derivation, Factor

if TYPE_CHECKING:  # pragma: no cover
    from tracer.config import Config
    from tracer.trace import Trace


def derive(config_or_trace: "Trace | Config | str | dict | None", weight: str | Iterable[str] | None = None,
           iteration: int | None = None, *, digits: int = 6) -> list[Derivation]:
    """Derive ∂E/∂(parameter element) by the chain rule and check it against the numbers.

    Parameters
    ----------
    config_or_trace
        A ``Trace``, or a ``Config`` or anything ``tracer.load_config`` reads; a config is run
        (recording ``iteration``) to get the numbers.
    weight
        ``"w{k}[i,j]"`` or ``"b{k}[j]"``, or a list of them; ``None``: the first element of each
        parameter (``w0[0,0]``, ``w1[0,0]``, …, then ``b0[0]``, … when the network has biases).
    iteration
        The iteration whose numbers are substituted (default 0, or a trace's first recorded one).
    digits
        Significant digits of the numbers in ``substituted_latex`` (values stay full precision).

    Returns
    -------
    list of Derivation
        One per element, in the order asked: LaTeX of the factorised, matrix and substituted
        forms, the factors with their per-sample values, the per-layer deltas, the derived value,
        numpy's value and a central finite difference.

    Raises
    ------
    DerivationError
        For a parameter or index that does not exist (the message lists the valid ranges), or if
        the derived value, numpy's gradient and the finite difference disagree.

    Examples
    --------
    >>> import tracer
    >>> [d.weight for d in tracer.derive(None)]
    ['w0[0,0]', 'w1[0,0]']
    """
    from tracer.symbolic.pipeline import derive as _derive

    return _derive(config_or_trace, weight, iteration, digits=digits)


def check_gradients(trace: "Trace", iteration: int) -> dict[str, float]:
    """Check every element of every gradient at ``iteration`` through the derived expressions.

    Returns the largest relative difference per parameter; raises ``DerivationError`` if any
    element disagrees with the trace's ``wk_grad`` / ``bk_grad`` beyond 1e-12.
    """
    from tracer.symbolic import cache
    from tracer.symbolic.numeric import check_all

    return check_all(cache.architecture(trace.config.network), trace, iteration)


__all__ = ["Derivation", "Factor", "check_gradients", "derive"]
