"""Time ``nntrace batch`` and ``nntrace diff`` against ``python seed_network.py``, side by side.

    python benchmarks/bench_batch.py [--runs 3] [--seeds 1-30]

(1) ``nntrace batch --seeds 1-30 --jobs 2`` (all languages, Markdown and HTML) per lesson against
the wall time of the article's script (its median over the same run), target ≤ 0.25; (2) ``nntrace
diff --seeds 1 2 --align`` (both seeds traced in memory, stacked) against the script, target ≤ 0.80;
(3) ``nntrace diff`` of two all-iterations trace files (60000 recorded iterations each), target ≤ 3 s.
Whole processes, interpreter start included, runs alternating; medians printed side by side.
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
    seed, batch, diff, seeds_diff = [], [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        a, b = str(Path(tmp) / "a.npz"), str(Path(tmp) / "b.npz")
        timed([py, "-m", "tracer", "trace", "--record", "all", "-o", a], tmp)
        timed([py, "-m", "tracer", "trace", "--record", "all", "--seed", "2", "-o", b], tmp)
        for run in range(args.runs):
            seed.append(timed([py, args.seed_script], tmp))
            batch.append(timed([py, "-m", "tracer", "batch", "--seeds", args.seeds, "--jobs", "2",
                                "--out", str(Path(tmp) / f"batch{run}")], tmp))
            diff.append(timed([py, "-m", "tracer", "diff", a, b], tmp, ok=(0, 1)))
            seeds_diff.append(timed([py, "-m", "tracer", "diff", "--seeds", "1", "2", "--align"], tmp, ok=(0, 1)))
    s, bt, d = statistics.median(seed), statistics.median(batch), statistics.median(diff)
    sd = statistics.median(seeds_diff)
    print(f"{args.runs} runs, alternating; medians of whole processes")
    print(f"seed_network.py                          {s:.3f} s")
    print(f"nntrace batch --seeds {args.seeds} --jobs 2    {bt:.3f} s   per lesson / seed script "
          f"{bt / (n * s):.3f}  (target <= 0.25)")
    print(f"nntrace diff --seeds 1 2 --align         {sd:.3f} s   / seed script {sd / s:.3f}  (target <= 0.80)")
    print(f"nntrace diff (2 files x 60000 iterations) {d:.3f} s  (target <= 3 s)")
    return 0 if bt <= 0.25 * n * s and sd <= 0.8 * s and d <= 3.0 else 1


if __name__ == "__main__":
    sys.exit(main())
