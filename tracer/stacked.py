"""Many seeds of one config trained together: ``run_many``.

The networks of S seeds are stacked on a leading axis and trained by the trainer's own
``Network.step`` (products by ``np.matmul``, one per seed), so a class of 30 costs little more
than one run. Each seed gets a ``Trace`` bit-identical to ``tracer.run`` of that seed: the same
operations on the same numbers, one seed's slice at a time inside each numpy call.

That identity rests on the BLAS computing each seed's small product exactly as ``np.dot`` does
for one network. Every stack is therefore checked first: a few iterations of the stack against the
same iterations of each seed alone, every tensor compared with ``np.array_equal``. If they differ
the stack's seeds are run one by one instead and a note says so: never silently other numbers.
Stacks are chunked so that memory stays bounded for any number of seeds.
"""

from __future__ import annotations

import warnings
from typing import Callable, Iterable, Iterator, Literal

import numpy as np

from tracer.config import Config, load_config
from tracer.errors import TracerError
from tracer.trace import Trace
from tracer.train import (
    Network, initial_parameters, make_trace, recorded_iterations, run, tensor_shapes, train,
)

MAX_STACK = 64  # seeds per stack: past this the per-call overhead is already amortised
STACK_BYTES = 64 << 20  # scratch and recorded rows of one stack stay under this
CHECK_STEPS = (True, False, True)  # the check's iterations: recorded, unrecorded, recorded


def run_many(config: Config | dict | str | None, seeds: Iterable[int], *, force: bool = False,
             errors: Literal["raise", "return"] = "raise",
             progress: Callable[[int], None] | None = None,
             note: Callable[[str], None] | None = None, jobs: int = 1) -> list[Trace | TracerError]:
    """Train ``config`` once per seed, stacked; return one ``Trace`` per seed, in order.

    Parameters
    ----------
    config
        A ``Config`` or anything ``load_config`` reads; ``init.seed`` is replaced by each seed.
    seeds
        The seeds, as ``tracer.run`` would take them in ``init.seed``.
    force
        Allow a record spec whose trace would exceed about 1 GiB (per seed).
    errors
        ``"raise"``: a seed whose training fails raises its error, the one ``tracer.run`` raises
        for it; ``"return"``: that error takes the seed's place in the list.
    progress
        Called with the number of seeds just finished.
    note
        Called with a one-line note when the platform's BLAS makes stacking inexact and seeds
        run one by one (default: a ``RuntimeWarning``).
    jobs
        Worker processes (forked where the platform allows): the seeds are shared out, each
        worker trains its share stacked. Two seeds on two cores train as two single runs side by
        side, which is quicker than one stack of two (a stacked product costs more per call than
        ``np.dot``). Results and errors are the same whatever ``jobs`` is.
    """
    seeds = list(seeds)
    jobs = max(1, min(jobs, len(seeds)))
    if jobs == 1:
        return [result for _, result in iter_many(config, seeds, force=force, errors=errors,
                                                  progress=progress, note=note)]
    import multiprocessing

    if not isinstance(config, Config):
        config = load_config(config)
    recorded_iterations(config, force)   # a size refusal is raised here, not in a worker
    shares = [seeds[w::jobs] for w in range(jobs)]
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    by_seed: dict[int, Trace | TracerError] = {}
    with context.Pool(jobs) as pool:
        for share, (results, notes) in zip(shares, pool.imap(_share, [(config, share, force) for share in shares])):
            for message in notes:
                note(message) if note is not None else warnings.warn(message, RuntimeWarning, stacklevel=2)
            by_seed.update(zip(share, results))
            if progress is not None:
                progress(len(share))
    out = [by_seed[seed] for seed in seeds]
    if errors == "raise":
        for result in out:
            if isinstance(result, TracerError):
                raise result
    return out


def _share(task: tuple[Config, list[int], bool]) -> tuple[list[Trace | TracerError], list[str]]:
    """One worker's part of ``run_many``: its seeds stacked, errors and notes returned."""
    config, seeds, force = task
    notes: list[str] = []
    results = [r for _, r in iter_many(config, seeds, force=force, errors="return", note=notes.append)]
    return results, notes


def iter_many(config: Config | dict | str | None, seeds: Iterable[int], *, force: bool = False,
              errors: Literal["raise", "return"] = "raise",
              progress: Callable[[int], None] | None = None,
              note: Callable[[str], None] | None = None) -> Iterator[tuple[int, Trace | TracerError]]:
    """``run_many`` one stack at a time: yields ``(seed, trace or error)`` as stacks finish, so a
    caller can render (and release) each stack's traces before the next stack is trained."""
    if not isinstance(config, Config):
        config = load_config(config)
    seeds = list(seeds)
    recorded = recorded_iterations(config, force)
    size = stack_size(config, len(recorded))
    for first in range(0, len(seeds), size):
        chunk = seeds[first:first + size]
        configs = [load_config(config, {"init.seed": seed}) for seed in chunk]
        results = _train_stack(configs, recorded, note)
        for seed, result in zip(chunk, results):
            if isinstance(result, TracerError) and errors == "raise":
                raise result
            yield seed, result
        if progress is not None:
            progress(len(chunk))


def stack_size(config: Config, n_recorded: int) -> int:
    """Seeds per stack: at most ``MAX_STACK``, and their buffers within ``STACK_BYTES``."""
    floats = sum(int(np.prod(s)) for s in tensor_shapes(config).values())
    per_seed = 8 * floats * (n_recorded + 4)   # the recorded rows, plus scratch, row and parameters
    return max(1, min(MAX_STACK, STACK_BYTES // per_seed))


def _train_stack(configs: list[Config], recorded: np.ndarray,
                 note: Callable[[str], None] | None) -> list[Trace | TracerError]:
    """Train one stack; fall back to one run per seed when the check finds the stack inexact."""
    if len(configs) == 1:   # nothing to stack
        return [_run_one(configs[0])]
    starts = [initial_parameters(c) for c in configs]
    params = {name: np.stack([p[name] for p in starts]) for name in starts[0]}
    if not stack_is_exact(configs, params):
        message = (f"stacked training differs from single runs on this platform's BLAS; "
                   f"running seeds {configs[0].init.seed}…{configs[-1].init.seed} one by one")
        if note is not None:
            note(message)
        else:
            warnings.warn(message, RuntimeWarning, stacklevel=4)
        return [_run_one(c) for c in configs]
    net = Network(configs[0], params, seeds=len(configs))
    diverged = np.zeros(len(configs), dtype=bool)

    def mark(start: int, saved: dict[str, np.ndarray]) -> None:
        for p in net.params.values():
            diverged[:] |= ~np.isfinite(p.reshape(len(configs), -1)).all(axis=1)

    table = train(net, recorded, None, on_divergence=mark)
    results: list[Trace | TracerError] = []
    for s, config in enumerate(configs):
        if diverged[s]:   # run it alone: the single run's replay names the first non-finite tensor
            results.append(_run_one(config))
            continue
        try:
            results.append(make_trace(config, recorded, table[s].copy()))
        except TracerError as exc:
            results.append(exc)
    return results


def _run_one(config: Config) -> Trace | TracerError:
    try:
        return run(config, force=True)   # the size was already checked (or forced) for every seed
    except TracerError as exc:
        return exc


def stack_is_exact(configs: list[Config], params: dict[str, np.ndarray]) -> bool:
    """Whether a few stacked iterations equal the same iterations of each seed alone, bit for bit.

    Products run through the same BLAS kernels at every iteration (they depend on the shapes, not
    on the values), so agreement on recorded and unrecorded iterations here holds for the run.
    """
    stack = Network(configs[0], {n: p.copy() for n, p in params.items()}, seeds=len(configs))
    singles = [Network(c, {n: p[s].copy() for n, p in params.items()}) for s, c in enumerate(configs)]
    with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
        for record in CHECK_STEPS:
            stack.step(stack.recorder if record else stack.scratch, record)
            for s, single in enumerate(singles):
                single.step(single.recorder if record else single.scratch, record)
                if record and not np.array_equal(stack.row[s], single.row, equal_nan=True):
                    return False
                if not all(np.array_equal(stack.params[n][s], single.params[n], equal_nan=True)
                           for n in single.params):
                    return False
    return True
