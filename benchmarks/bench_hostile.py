"""The cost of the safety checks, and the refusal of a hostile trace.

1. What the safety checks cost ``nntrace lesson`` (six documents + figures): the whole process's
   median time, and in this process the time of each check on the same lesson: the all-or-nothing
   folder write (``write_tree``, minus plain writes of the same files), the config's schema
   (``load_config`` of the example config, an upper bound), and the MathML allowlist (every
   ``safe_formula`` call of one render). Their sum as a share of the whole run: target ≤ 2 %.
   (``--baseline REV`` instead times the whole lesson against an older revision, alternately;
   since the checks landed the lesson has grown, so that ratio no longer isolates them.)
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


def safety_share(runs: int) -> float:
    sys.path.insert(0, str(ROOT))
    import tracer
    import tracer.render.page as page
    from tracer.lesson.render import render_lesson
    from tracer.lesson.run import trace_for_lesson
    from tracer.lesson.write import write_documents
    from tracer.render import mathml

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "lesson"
        cmd = [sys.executable, "-m", "tracer", "lesson", "--format", "md,html", "--out", str(out)]
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        whole = []
        for i in range(runs + 1):
            start = time.perf_counter()
            subprocess.run(cmd, cwd=tmp, env=env, check=True, stdout=subprocess.DEVNULL)
            if i:   # the first run warms the caches
                whole.append(time.perf_counter() - start)
        trace, table = trace_for_lesson(tracer.load_config(None))
        real = page.safe_formula
        spent = [0.0]

        def timed_formula(html):
            start = time.perf_counter()
            try:
                return real(html)
            finally:
                spent[0] += time.perf_counter() - start

        render_lesson(trace, table_iterations=table, formats=["md", "html"])
        page.safe_formula = timed_formula
        mathml.formula_html.cache_clear()
        mathml.display_html.cache_clear()
        real.cache_clear()   # as in a fresh process: every formula cleaned once
        docs = render_lesson(trace, table_iterations=table, formats=["md", "html"])
        page.safe_formula = real
        writes, plain, configs = [], [], []
        for _ in range(runs):
            start = time.perf_counter()
            write_documents(Path(tmp) / "safe", docs)
            writes.append(time.perf_counter() - start)
            start = time.perf_counter()
            for doc in docs:
                target = Path(tmp) / "plain" / doc.path
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(doc.content)
            plain.append(time.perf_counter() - start)
            start = time.perf_counter()
            tracer.load_config(str(ROOT / "examples" / "seed.toml"))
            configs.append(time.perf_counter() - start)
    w = max(statistics.median(writes) - statistics.median(plain), 0.0)
    c = statistics.median(configs)
    total = statistics.median(whole)
    share = (w + c + spent[0]) / total
    print(f"nntrace lesson --format md,html     median {total:.3f} s  ({', '.join(f'{x:.2f}' for x in whole)})")
    print(f"  all-or-nothing write, beyond plain writes  {w * 1000:6.2f} ms")
    print(f"  config schema (whole load_config)           {c * 1000:6.2f} ms")
    print(f"  MathML allowlist (one render)               {spent[0] * 1000:6.2f} ms")
    print(f"  share of the whole run {share * 100:.2f} %  (target <= 2 %)")
    return share


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
    parser.add_argument("--baseline", default=None, help="instead: time the whole lesson against this git revision")
    parser.add_argument("--skip-lesson", action="store_true", help="only the hostile-trace figure")
    args = parser.parse_args()
    seconds, grown = hostile_trace()
    ok = seconds <= 0.1 and grown <= 50
    if not args.skip_lesson and args.baseline:
        ok = lesson_ab(args.runs, args.baseline) <= 1.02 and ok
    elif not args.skip_lesson:
        ok = safety_share(args.runs) <= 0.02 and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
