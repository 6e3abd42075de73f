"""Record specs: which iterations a trace keeps.

A spec is a comma-separated list of items, each one of

- an integer ``j`` (negative counts from the end, as in Python: ``-1`` is the last iteration);
- a slice ``start:stop[:step]`` with Python's semantics (``10000:60000:10000``, ``::100``, ``-5:``);
- ``last`` (the final iteration) or ``all`` (every iteration).

The default spec is the article's print schedule, ``0,1,2,10000:60000:10000,last``, scaled to the
run: for ``N`` iterations it is ``0,1,2,s:N:s,last`` with ``s = max(1, N // 6)``.
"""

from __future__ import annotations

import numpy as np

from tracer.errors import RecordSpecError


def default_spec(iterations: int) -> str:
    """The default spec for a run of ``iterations`` steps.

    >>> default_spec(60000)
    '0,1,2,10000:60000:10000,last'
    >>> default_spec(600)
    '0,1,2,100:600:100,last'
    """
    step = max(1, iterations // 6)
    return f"0,1,2,{step}:{iterations}:{step},last"


def parse_spec(spec: str | None, iterations: int) -> np.ndarray:
    """Resolve a spec into the sorted, unique iterations it selects (an int64 array).

    Integers beyond the run (``60000`` of a 60000-step run) and slices that select nothing are
    errors that quote the item; items of the default spec that fall outside a short run are dropped.

    >>> parse_spec("0,1,-1", 10).tolist()
    [0, 1, 9]
    >>> parse_spec("2:8:3,last", 10).tolist()
    [2, 5, 9]
    """
    if spec is None:
        spec = default_spec(iterations)
        lenient = True
    else:
        lenient = False
    if not isinstance(spec, str) or not spec.strip():
        raise RecordSpecError(f"record spec {spec!r} is empty; give items such as \"0,1,2,last\" or \"all\"")
    chosen: list[np.ndarray] = []
    for raw_item in spec.split(","):
        item = raw_item.strip()
        if item == "all":
            chosen.append(np.arange(iterations))
        elif item == "last":
            chosen.append(np.array([iterations - 1]))
        elif ":" in item:
            chosen.append(_slice(item, iterations, lenient))
        else:
            j = _int(item, item)
            if not -iterations <= j < iterations:
                if lenient:
                    continue
                raise RecordSpecError(
                    f"record item {item!r} is out of range: a run of {iterations} iterations has "
                    f"iterations 0 to {iterations - 1} (or -{iterations} to -1)"
                )
            chosen.append(np.array([j % iterations]))
    # sorted(set()) rather than np.unique, whose first call imports numpy.ma (~0.1 s of start-up)
    return np.array(sorted(set(np.concatenate(chosen).tolist())), dtype=np.int64)


def _slice(item: str, iterations: int, lenient: bool = False) -> np.ndarray:
    parts = item.split(":")
    if len(parts) > 3:
        raise RecordSpecError(f"record item {item!r} is malformed: a slice is start:stop or start:stop:step")
    start, stop, *rest = (_int(p, item) if p.strip() else None for p in parts)
    step = rest[0] if rest else None
    if step is not None and step <= 0:
        raise RecordSpecError(f"record item {item!r} has step {step}: the step must be a positive integer")
    selected = np.arange(iterations)[slice(start, stop, step)]
    if selected.size == 0 and not lenient:
        raise RecordSpecError(
            f"record item {item!r} selects no iteration of a run of {iterations} iterations (0 to {iterations - 1})"
        )
    return selected


def _int(text: str, item: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise RecordSpecError(
            f"record item {item!r} is malformed: use an integer, a slice start:stop[:step], 'last' or 'all'"
        ) from None
