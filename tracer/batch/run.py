"""``nntrace batch``: one lesson (and optionally one worksheet) per seed, in worker processes.

Each worker traces its share of the seeds in one stacked computation (``tracer.run_many``, each
trace equal to the seed's single run), then renders them one by one. Each seed is rendered into a hidden temporary folder and renamed into place only when complete,
so an interrupted batch leaves every finished ``seed-NNN/`` folder whole and nothing half-written.
Derivations and compiled templates are prepared once in the parent and inherited by the forked
workers. Output bytes depend only on the seeds, never on ``--jobs`` or on timing.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Sequence

from tracer.config import Config
from tracer.errors import TracerError


@dataclass(frozen=True, slots=True)
class Job:
    """Everything a worker needs to render one seed (picklable)."""

    config: Config
    out: str
    langs: tuple[str, ...] = ("zh", "en", "zh-en")
    formats: tuple[str, ...] = ("md", "html")
    fragment: bool = False
    digits: int = 4
    templates: str | None = None
    exercises: bool = False
    width: int = 3
    """Digits of the zero-padded folder names (``seed-001``)."""
    answers: str | None = None
    """The answer keys' folder (``None``: ``<out>-answers`` beside ``out``; never inside it)."""


@dataclass(frozen=True, slots=True)
class SeedResult:
    """What one seed produced."""

    seed: int
    folder: str
    """The seed's folder name under the output folder (``seed-001``)."""
    mean_error: float | None = None
    """The final mean error (``None`` when the seed failed)."""
    learned: bool | None = None
    """Whether the rounded final predictions equal the targets."""
    error: str | None = None
    """Why the seed failed (one line), or ``None``."""
    files: tuple[str, ...] = field(default_factory=tuple)
    """Files written, relative to the output folder."""


def folder_name(seed: int, width: int) -> str:
    return f"seed-{seed:0{width}d}"


def render_seeds(job: Job, seeds: Sequence[int], done: Callable[[int], None] | None = None) -> list[SeedResult]:
    """Trace ``seeds`` together (``tracer.run_many``: one stacked computation per chunk of seeds),
    then render and write each seed; ``done(1)`` after each seed."""
    from tracer.lesson.run import lesson_recording
    from tracer.stacked import iter_many

    results: list[SeedResult] = []
    try:
        config, table = lesson_recording(job.config)
        for seed, trace in iter_many(config, seeds, errors="return", note=_note):
            results.append(render_seed(job, seed, trace, table))
            if done is not None:
                done(1)
    except TracerError as exc:   # the config itself is refused: every seed not yet done fails with it
        finished = {r.seed for r in results}
        for seed in seeds:
            if seed not in finished:
                results.append(SeedResult(seed, folder_name(seed, job.width), error=str(exc)))
                if done is not None:
                    done(1)
    return results


def render_seed(job: Job, seed: int, trace, table: tuple[int, ...]) -> SeedResult:
    """Render and write one seed's traced lesson; a ``TracerError`` (or a ``trace`` that is one,
    from a seed whose training failed) becomes a failed ``SeedResult``."""
    from tracer.compare.diff import final_state
    from tracer.lesson.render import render_lesson

    name = folder_name(seed, job.width)
    try:
        if isinstance(trace, TracerError):
            raise trace
        docs = render_lesson(trace, langs=job.langs, formats=job.formats, fragment=job.fragment,
                             digits=job.digits, templates=job.templates, table_iterations=table,
                             explorer=not job.exercises)   # its numbers would answer the worksheet
        answers = []
        if job.exercises:
            sheets, answers = _worksheet(job, trace.config, trace, docs)
            docs += sheets
        files = _publish(Path(job.out), name, docs)
        if answers:
            files += _publish(Path(job.answers or "."), name, answers, prefix=f"{job.answers}/")
        final = final_state(trace)
        return SeedResult(seed, name, final["mean_error"], final["learned"], None, tuple(files))
    except TracerError as exc:
        return SeedResult(seed, name, error=str(exc))


def _worksheet(job: Job, config: Config, trace, lesson_docs) -> tuple[list, list]:
    """The seed's worksheet and key, about an iteration its lesson does not walk through, with
    no answer that the lesson's files print (``tracer.batch.answers``)."""
    from tracer.batch.answers import KEY_FILE, answer_key, printed_numbers, worksheet_iteration
    from tracer.worksheet.render import render_exercises
    from tracer.batch.questions import choose_questions
    from tracer.render.model import Document
    from tracer.config import load_config
    from tracer.train import run

    j = worksheet_iteration(config.init.seed, config.train.iterations, int(trace.recorded_iterations[0]))
    if j not in trace.recorded_iterations:
        trace = run(load_config(config, {"train.iterations": j + 1, "record.iterations": str(j)}))
    avoid = printed_numbers((d.content.decode("utf-8", "replace") for d in lesson_docs), job.digits)
    sheets, keys = render_exercises(trace, langs=job.langs, formats=job.formats, fragment=job.fragment,
                                    digits=job.digits, templates=job.templates, iteration=j, avoid=avoid)
    questions = choose_questions(trace, j, job.digits, avoid)   # the same choice, for answers.json
    key = answer_key(questions, seed=config.init.seed, iteration=j, digits=job.digits)
    return sheets, [*keys, Document(KEY_FILE, key)]


def _note(message: str) -> None:
    print(f"nntrace: {message}", file=sys.stderr)


def _publish(root: Path, name: str, docs, prefix: str = "") -> list[str]:
    """Write ``docs`` into ``root/name``. A new folder is written hidden beside its place and
    renamed into it, so it appears whole or not at all; an existing one is updated all or
    nothing by ``tracer.files.write_tree``, which removes only the files its last run wrote (a
    teacher's own notes in it stay)."""
    from tracer.files import make_dirs
    from tracer.lesson.write import write_documents

    make_dirs(root)
    final = root / name
    if os.path.lexists(final):
        write_documents(final, docs)
    else:
        partial = root / f".{name}.partial-{os.getpid()}"
        try:
            write_documents(partial, docs)
            os.replace(partial, final)
        finally:
            if partial.exists():
                shutil.rmtree(partial, ignore_errors=True)
    return [f"{prefix}{name}/{d.path}" for d in docs]


def _warm_up(job: Job) -> None:
    """Prepare what every seed shares (derivations of the architecture, compiled templates), so
    forked workers inherit it instead of redoing it."""
    from tracer.config import load_config
    from tracer.lesson.render import render_lesson
    from tracer.train import run

    tiny = load_config(job.config, {"train.iterations": 1, "record.iterations": "0"})
    render_lesson(run(tiny), langs=job.langs, formats=job.formats, fragment=job.fragment,
                  digits=job.digits, templates=job.templates)


def _ignore_interrupts() -> None:
    """Workers leave Ctrl-C to the parent, which stops them and prints the one line."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _worker(args) -> list[SeedResult]:
    job, seeds = args
    return render_seeds(job, seeds)


def _seeds_per_stack(job: Job) -> int:
    from tracer.lesson.run import lesson_recording
    from tracer.recordspec import parse_spec
    from tracer.stacked import stack_size

    try:
        config = lesson_recording(job.config)[0]
        return stack_size(config, len(parse_spec(config.record, config.train.iterations)))
    except TracerError:
        return 1   # render_seeds reports the error for each seed


def chunks(seeds: Sequence[int], jobs: int, size: int) -> list[list[int]]:
    """Seeds cut into one stack per worker (fewer when a stack would exceed ``size`` seeds)."""
    per = min(size, -(-len(seeds) // jobs)) or 1
    return [list(seeds[i:i + per]) for i in range(0, len(seeds), per)]


def batch(job: Job, seeds: Sequence[int], *, jobs: int | None = None,
          progress: Callable[[int], None] | None = None) -> list[SeedResult]:
    """Render every seed; return one ``SeedResult`` per seed, sorted by seed.

    ``jobs`` worker processes (default: the number of CPUs); ``jobs=1`` renders in this process.
    """
    if jobs is not None and jobs < 1:
        raise TracerError(f"--jobs {jobs} must be at least 1")
    jobs = min(jobs or os.cpu_count() or 1, len(seeds)) or 1
    job = replace(job, width=max(3, len(str(max(seeds, default=0)))))
    if job.exercises:
        from tracer.batch.answers import answers_folder

        job = replace(job, answers=str(answers_folder(job.out, job.answers)))
    _warm_up(job)
    results: list[SeedResult] = []
    size = _seeds_per_stack(job)
    if jobs == 1:
        for chunk in chunks(seeds, 1, size):
            results += render_seeds(job, chunk, progress)
        return results
    import multiprocessing

    method = "fork" if "fork" in multiprocessing.get_all_start_methods() and sys.platform != "darwin" else "spawn"
    ctx = multiprocessing.get_context(method)
    with ctx.Pool(jobs, initializer=_ignore_interrupts) as pool:
        try:
            for done in pool.imap_unordered(_worker, [(job, c) for c in chunks(seeds, jobs, size)]):
                results += done
                if progress:
                    progress(len(done))
        except BaseException:
            pool.terminate()
            pool.join()
            _sweep(Path(job.out), job.answers)
            raise
    return sorted(results, key=lambda r: r.seed)


def _sweep(out: Path, answers: str | None) -> None:
    """Remove what an interrupted batch's workers leave: hidden partial seed folders, and
    temporary files inside existing seed folders."""
    from tracer.files import sweep

    for root in (out, Path(answers or out)):
        if root.is_dir():
            for partial in root.glob(".seed-*.partial-*"):
                shutil.rmtree(partial, ignore_errors=True)
            for folder in root.glob("seed-*"):
                if folder.is_dir() and not folder.is_symlink():
                    sweep(folder)


def summary(results: Sequence[SeedResult]) -> dict[str, Any]:
    """The JSON-friendly summary written as ``index.json``."""
    return {
        "seeds": [
            {"seed": r.seed, "folder": r.folder, "mean_error": r.mean_error, "learned": r.learned, "error": r.error}
            for r in results
        ],
        "failed": sum(r.error is not None for r in results),
        "learned": sum(bool(r.learned) for r in results),
    }
