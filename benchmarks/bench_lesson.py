"""Time ``nntrace lesson`` (all six documents + figures) against ``python seed_network.py``.

Whole processes, interpreter start included, run alternately; prints the median of each and the
ratio (target ≤ 2). Usage: ``python benchmarks/bench_lesson.py [--runs 5] [--seed-script PATH]``.
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed-script", default=str(SEED))
    args = parser.parse_args()
    seed, lesson = [], []
    with tempfile.TemporaryDirectory() as tmp:
        lesson_cmd = [sys.executable, "-m", "tracer", "lesson", "--out", str(Path(tmp) / "output")]
        timed(lesson_cmd, tmp)  # warm the derivation cache and the OS file cache once
        for _ in range(args.runs):
            seed.append(timed([sys.executable, args.seed_script], tmp))
            lesson.append(timed(lesson_cmd, tmp))
    s, l = statistics.median(seed), statistics.median(lesson)
    print(f"seed_network.py   median {s:.3f} s  ({', '.join(f'{t:.2f}' for t in seed)})")
    print(f"nntrace lesson    median {l:.3f} s  ({', '.join(f'{t:.2f}' for t in lesson)})")
    print(f"ratio lesson/seed {l / s:.2f}  (target <= 2.0)")
    return 0 if l / s <= 2.0 else 1


if __name__ == "__main__":
    sys.exit(main())
