"""The cost of the safety checks, and the refusal of a hostile trace.

1. ``nntrace lesson`` (all six documents + figures) with this tree against a baseline revision
   (default: the commit before tracer/files.py was added, ``--baseline REV``); whole processes,
   run alternately;
   prints both medians and the ratio (target ≤ 1.02).
2. ``load_trace`` of a trace whose member declares a 4 GB tensor: time and peak memory added
   (targets: ≤ 0.1 s, ≤ 50 MB).

Usage: ``python benchmarks/bench_hostile.py [--runs 9] [--baseline REV]``.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def default_baseline() -> str:
    """The commit before the one that added tracer/files.py: main before the safety checks."""
    added = subprocess.run(["git", "-C", str(ROOT), "log", "--diff-filter=A", "--format=%H", "--",
                            "tracer/files.py"], capture_output=True, text=True, check=True).stdout.split()
    return f"{added[-1]}^"


def timed(tree: Path, out: Path) -> float:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    cmd = [sys.executable, "-m", "tracer", "lesson", "--out", str(out)]
    start = time.perf_counter()
    subprocess.run(cmd, cwd=out.parent, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def lesson_ab(runs: int, baseline: str) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "baseline"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(base), baseline],
                       check=True, capture_output=True)
        try:
            trees = {"baseline": base, "this tree": ROOT}
            times: dict[str, list[float]] = {name: [] for name in trees}
            for name, tree in trees.items():
                timed(tree, Path(tmp) / f"out-{name.replace(' ', '-')}")   # warm caches once
            for _ in range(runs):
                for name, tree in trees.items():
                    times[name].append(timed(tree, Path(tmp) / f"out-{name.replace(' ', '-')}"))
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base)], check=False)
    medians = {name: statistics.median(t) for name, t in times.items()}
    for name, t in times.items():
        print(f"nntrace lesson ({name:9}) median {medians[name]:.3f} s  ({', '.join(f'{x:.2f}' for x in t)})")
    ratio = medians["this tree"] / medians["baseline"]
    print(f"ratio this/baseline {ratio:.3f}  (target <= 1.02)")
    return ratio


def hostile_trace() -> tuple[float, float]:
    sys.path.insert(0, str(ROOT))
    import numpy as np

    import tracer

    with tempfile.TemporaryDirectory() as tmp:
        good, bad = Path(tmp) / "good.npz", Path(tmp) / "bad.npz"
        tracer.run(tracer.load_config(None, {"train.iterations": 30})).save(good)
        buf = io.BytesIO()
        with zipfile.ZipFile(good) as src, zipfile.ZipFile(buf, "w") as dst:
            for info in src.infolist():
                data = src.read(info)
                if info.filename == "z1.npy":   # a header declaring 4 GB (512 M float64)
                    header = io.BytesIO()
                    np.lib.format.write_array_header_1_0(
                        header, {"descr": "<f8", "fortran_order": False, "shape": (4 << 30 >> 3,)})
                    data = header.getvalue()
                dst.writestr(info, data)
        bad.write_bytes(buf.getvalue())
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        start = time.perf_counter()
        try:
            tracer.load_trace(bad)
            refused = False
        except tracer.errors.TraceFileError:
            refused = True
        seconds = time.perf_counter() - start
        grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    print(f"4 GB tensor trace: refused={refused} in {seconds * 1000:.1f} ms, peak memory +{grown:.1f} MB "
          "(targets <= 100 ms, <= 50 MB)")
    return seconds, grown


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--baseline", default=None, help="a git revision (default: main before the checks)")
    parser.add_argument("--skip-lesson", action="store_true", help="only the hostile-trace figure")
    args = parser.parse_args()
    seconds, grown = hostile_trace()
    ok = seconds <= 0.1 and grown <= 50
    if not args.skip_lesson:
        ok = lesson_ab(args.runs, args.baseline or default_baseline()) <= 1.02 and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
