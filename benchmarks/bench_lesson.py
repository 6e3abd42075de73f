"""Time ``nntrace lesson`` (all six documents + figures) against ``python seed_network.py``.

Whole processes, interpreter start included, run alternately; prints the median of each and the
ratio (target ≤ 1.2, issue 9; the derivation and compiled-template caches warm). Then, in this
process, the rendering alone: the six documents of the default lesson from an existing trace
(templates compiled, the formula memo cleared before each run as in a fresh process), target ≤ 0.25 s.
Usage: ``python benchmarks/bench_lesson.py [--runs 5] [--seed-script PATH]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT.parent / "shared" / "seed" / "seed_network.py"


def timed(cmd: list[str], cwd: str) -> float:
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def render_in_process(runs: int) -> list[float]:
    """Seconds to render the six documents of the default lesson after its trace, per run."""
    sys.path.insert(0, str(ROOT))
    import tracer
    from tracer.lesson.render import render_lesson
    from tracer.lesson.run import trace_for_lesson

    trace, table = trace_for_lesson(tracer.load_config(None))
    render_lesson(trace, table_iterations=table)   # compile the templates, warm the caches once
    from tracer.render import mathml

    times = []
    for _ in range(runs):
        mathml.formula_html.cache_clear()
        mathml.display_html.cache_clear()
        start = time.perf_counter()
        render_lesson(trace, table_iterations=table)
        times.append(time.perf_counter() - start)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed-script", default=str(SEED))
    args = parser.parse_args()
    seed, lesson = [], []
    with tempfile.TemporaryDirectory() as tmp:
        lesson_cmd = [sys.executable, "-m", "tracer", "lesson", "--format", "md,html", "--out", str(Path(tmp) / "output")]
        timed(lesson_cmd, tmp)  # warm the derivation cache and the OS file cache once
        for _ in range(args.runs):
            seed.append(timed([sys.executable, args.seed_script], tmp))
            lesson.append(timed(lesson_cmd, tmp))
    s, l = statistics.median(seed), statistics.median(lesson)
    print(f"seed_network.py   median {s:.3f} s  ({', '.join(f'{t:.2f}' for t in seed)})")
    print(f"nntrace lesson    median {l:.3f} s  ({', '.join(f'{t:.2f}' for t in lesson)})")
    print(f"ratio lesson/seed {l / s:.2f}  (target <= 1.2)")
    inside = render_in_process(args.runs)
    r = statistics.median(inside)
    print(f"render six documents in-process  median {r:.3f} s  ({', '.join(f'{t:.2f}' for t in inside)})  (target <= 0.25)")
    return 0 if l / s <= 1.2 and r <= 0.25 else 1


if __name__ == "__main__":
    sys.exit(main())
