"""The lesson pipeline from a config (or a trace file) to files: trace → derive → render → write."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from tracer.recordspec import parse_spec

CURVE_POINTS = 200  # extra iterations recorded for the loss curve when the lesson runs the trace


def lesson_recording(config, iteration: int | None = None):
    """``config`` recording its own iterations plus evenly spaced ones for the loss curve (and
    ``iteration``, the one the lesson walks through, when given).

    Returns ``(config, table_iterations)``: the table lists the config's own iterations only.
    The spec does not depend on the seed, so ``run_many`` can trace a whole class with it.
    """
    from dataclasses import replace

    n = config.train.iterations
    table = tuple(int(i) for i in parse_spec(config.record, n))
    step = max(1, n // CURVE_POINTS)
    spec = ",".join(map(str, table)) + f",0:{n}:{step}" + (f",{iteration}" if iteration is not None else "")
    return replace(config, record=spec), table


def trace_for_lesson(config, iteration: int | None = None):
    """Run ``config`` as ``lesson_recording`` records it; returns ``(trace, table_iterations)``."""
    from tracer.train import run

    config, table = lesson_recording(config, iteration)
    return run(config), table


def walked_iteration(iteration: int | None, total: int) -> int | None:
    """``iteration`` as a 0-based step of a run of ``total`` (negative counts from the end)."""
    if iteration is None:
        return None
    j = iteration + total if iteration < 0 else iteration
    if not 0 <= j < total:
        from tracer.errors import TracerError

        raise TracerError(f"--iteration {iteration} is outside the run of {total} iterations; "
                          f"give 0 … {total - 1} (or a negative number to count from the end)")
    return j


def lesson(config=None, *, trace_path: str | None = None, out: str | Path = "output",
           langs: Sequence[str] = ("zh", "en", "zh-en"), formats: Sequence[str] = ("md", "html", "ipynb"),
           fragment: bool = False, digits: int = 4, templates: str | None = None,
           execute: bool = False, iteration: int | None = None, source: str | None = None,
           data_path: str | None = None) -> list[Path]:
    """Render a lesson and write it to ``out``; return the files written.

    1. trace (or load ``trace_path``);
    2. derive one weight per layer (inside ``render_lesson``);
    3. render every language and format;
    4. write atomically.

    ``source`` names the config file ``config`` was read from, for the commands the lesson suggests
    (a ``config`` given as a path is its own source); ``data_path``, the ``--data`` CSV file a
    lesson given by flags was trained on, for the same commands.
    """
    from tracer.lesson.render import render_lesson
    from tracer.lesson.write import write_documents

    if trace_path is not None:
        from tracer.trace import load_trace

        trace, table = load_trace(trace_path), None
        j = None if iteration is None else int(trace.recorded_iterations[trace.index(iteration)])
    else:
        from tracer.config import load_config

        if source is None and isinstance(config, (str, Path)):
            source = str(config)
        config = load_config(config)
        j = walked_iteration(iteration, config.train.iterations)
        trace, table = trace_for_lesson(config, j)
    docs = render_lesson(trace, langs=langs, formats=formats, fragment=fragment, digits=digits,
                         templates=templates, table_iterations=table, execute=execute, iteration=j,
                         source=source, data_path=data_path)
    return write_documents(out, docs)
