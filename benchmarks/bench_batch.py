"""Time ``nntrace batch`` and ``nntrace diff`` against ``python seed_network.py``, side by side.

    python benchmarks/bench_batch.py [--runs 3] [--seeds 1-30]

(1) ``nntrace batch --seeds 1-30 --jobs 2`` (all languages, both formats) against 30 × the wall
time of the article's script (its median over the same run), target ≤ 0.7; (2) ``nntrace diff`` of
two all-iterations traces of the default network (60000 recorded iterations each), target ≤ 3 s.
Whole processes, interpreter start included, runs alternating; medians printed.
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


def timed(cmd: list[str], cwd: str, ok=(0,)) -> float:
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if done.returncode not in ok:
        raise SystemExit(f"{' '.join(cmd)} failed: {done.stderr}")
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seeds", default="1-30")
    parser.add_argument("--seed-script", default=str(SEED))
    args = parser.parse_args()
    n = len(range(int(args.seeds.split("-")[0]), int(args.seeds.split("-")[1]) + 1)) if "-" in args.seeds else 1
    py = sys.executable
    seed, batch, diff = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        a, b = str(Path(tmp) / "a.npz"), str(Path(tmp) / "b.npz")
        timed([py, "-m", "tracer", "trace", "--record", "all", "-o", a], tmp)
        timed([py, "-m", "tracer", "trace", "--record", "all", "--seed", "2", "-o", b], tmp)
        for run in range(args.runs):
            seed.append(timed([py, args.seed_script], tmp))
            batch.append(timed([py, "-m", "tracer", "batch", "--seeds", args.seeds, "--jobs", "2",
                                "--out", str(Path(tmp) / f"batch{run}")], tmp))
            diff.append(timed([py, "-m", "tracer", "diff", a, b], tmp, ok=(0, 1)))
    s, bt, d = statistics.median(seed), statistics.median(batch), statistics.median(diff)
    print(f"seed_network.py            median {s:.3f} s")
    print(f"nntrace batch ({n} seeds)   median {bt:.3f} s = {bt / (n * s):.2f} x {n} x seed_network.py  (target <= 0.7)")
    print(f"nntrace diff (2 x 60000 iterations) median {d:.3f} s  (target <= 3 s)")
    return 0 if bt <= 0.7 * n * s and d <= 3.0 else 1


if __name__ == "__main__":
    sys.exit(main())
