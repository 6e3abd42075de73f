"""Benchmark: seeds trained stacked (``tracer.run_many``) against one ``tracer.run`` per seed.

    python benchmarks/bench_stacked.py [--repeats 3] [--seeds 30]
    python benchmarks/bench_stacked.py --memory 1000 [--jobs 2]

Trainer only, the default network, each seed recording what a lesson records. Runs alternate
(stacked, single, stacked, single, …) so machine noise hits both alike; medians and their ratio
are printed side by side, and every stacked trace is checked equal to its single run.
Target: stacked / single ≤ 0.15.

``--memory N`` runs ``nntrace batch --seeds 1-N`` (English Markdown and HTML) in a subprocess and
samples the summed resident memory of the whole process tree (parent plus workers) from /proc
every 20 ms; target: the peak under 1 GiB for N = 1000.
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

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import tracer  # noqa: E402
from tracer.lesson.run import lesson_recording  # noqa: E402


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def compare_speed(n_seeds: int, repeats: int) -> None:
    config = lesson_recording(tracer.load_config(None))[0]
    seeds = list(range(1, n_seeds + 1))
    times: dict[str, list[float]] = {"stacked": [], "single": []}
    same = True
    for _ in range(repeats):
        t, many = timed(lambda: tracer.run_many(config, seeds))
        times["stacked"].append(t)
        t, singles = timed(lambda: [tracer.run(tracer.load_config(config, {"init.seed": s})) for s in seeds])
        times["single"].append(t)
        same &= all(np.array_equal(a.stack(n), b.stack(n)) for a, b in zip(many, singles) for n in a.names)
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"{n_seeds} seeds of the default network, lesson recording, {repeats} alternating repeats (medians)")
    print(f"  stacked run_many {med['stacked']:.3f} s   single runs {med['single']:.3f} s   "
          f"ratio {med['stacked'] / med['single']:.3f} (target <= 0.15)   identical: {same}")


def tree_rss(root: int) -> int:
    """Summed resident bytes of ``root`` and all its descendants (Linux /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(entry), int(fields[1])
        children.setdefault(ppid, []).append(pid)
        rss[pid] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo += children.get(pid, [])
    return total


def measure_memory(n_seeds: int, jobs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        argv = [sys.executable, "-m", "tracer", "batch", "--seeds", f"1-{n_seeds}", "--jobs", str(jobs),
                "--out", tmp, "--lang", "en", "--format", "md,html"]
        env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
        start = time.perf_counter()
        proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL)
        peak = 0
        while proc.poll() is None:
            peak = max(peak, tree_rss(proc.pid))
            time.sleep(0.02)
        wall = time.perf_counter() - start
    print(f"nntrace batch --seeds 1-{n_seeds} --jobs {jobs} (en, md+html): exit {proc.returncode}, "
          f"{wall:.1f} s, peak resident memory of parent plus workers {peak / 2**20:.0f} MiB (target < 1024)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seeds", type=int, default=30)
    parser.add_argument("--memory", type=int, metavar="N", help="measure the memory of a batch of N seeds instead")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    if args.memory:
        measure_memory(args.memory, args.jobs)
    else:
        compare_speed(args.seeds, args.repeats)
    return 0


if __name__ == "__main__":
    sys.exit(main())
