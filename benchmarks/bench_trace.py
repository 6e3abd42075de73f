"""Benchmark: the instrumented trainer against the article's plain loop, side by side in one run.

    python benchmarks/bench_trace.py [--repeats 5]

(a) the article's loop as the article writes it; (b) ``tracer.run`` with the default record spec;
(c) ``tracer.run`` recording every iteration. Runs alternate (a, b, c, a, b, c, …) so that machine
noise hits all of them alike; medians and ratios are printed, with the trace file sizes and a
scale case ([64, 128, 10], 2000 samples, 200 iterations) against a plain numpy loop.
Targets: (b)/(a) <= 0.8, (c)/(a) <= 2.5, all-iterations trace <= 80 MB, scale (b)/plain <= 1.1.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import tracer  # noqa: E402


def article():
    """The article's computation as its code writes it (int inputs, fresh temporaries, a print check)."""
    def sigmoid(x, back=False):
        if back:
            return x * (1 - x)
        return 1 / (1 + np.exp(-x))

    x = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1], [0, 0, 1]])
    y = np.array([[0], [1], [1], [0], [0]])
    np.random.seed(1)
    lr = 0.1
    w0 = 2 * np.random.random(size=(3, 4)) - 1
    w1 = 2 * np.random.random(size=(4, 1)) - 1
    errors = []
    for j in range(60000):
        l0 = x
        l1 = sigmoid(np.dot(l0, w0))
        l2 = sigmoid(np.dot(l1, w1))
        l2_error = (l2 - y) ** 2 / 2
        l2_delta = (l2 - y) * sigmoid(l2, back=True)
        l1_error = np.dot(l2_delta, w1.T)
        l1_delta = l1_error * sigmoid(l1, back=True)
        w1 -= lr * np.dot(l1.T, l2_delta)
        w0 -= lr * np.dot(l0.T, l1_delta)
        if j % 10000 == 0:
            errors.append(np.mean(l2_error))
    return w0, w1, errors


def plain_wide(x, y, w0, w1, iterations, lr):
    """A plain numpy loop for the scale case, written the article's way."""
    w0, w1 = w0.copy(), w1.copy()
    for _ in range(iterations):
        l1 = 1 / (1 + np.exp(-np.dot(x, w0)))
        l2 = 1 / (1 + np.exp(-np.dot(l1, w1)))
        l2_delta = (l2 - y) * (l2 * (1 - l2))
        l1_delta = np.dot(l2_delta, w1.T) * (l1 * (1 - l1))
        w1 -= lr * np.dot(l1.T, l2_delta)
        w0 -= lr * np.dot(x.T, l1_delta)
    return w0, w1


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    all_cfg = tracer.load_config(None, {"record.iterations": "all"})
    times = {"a": [], "b": [], "c": []}
    default = full = None
    for _ in range(args.repeats):
        default = full = None  # each run starts with the previous results released, as a fresh process would
        t, (w0, w1, _) = timed(article)
        times["a"].append(t)
        t, default = timed(lambda: tracer.run())
        times["b"].append(t)
        t, full = timed(lambda: tracer.run(all_cfg))
        times["c"].append(t)
    same = np.array_equal(default.get("w0_next", -1), w0) and np.array_equal(full.get("w1_next", -1), w1)
    med = {k: statistics.median(v) for k, v in times.items()}
    with tempfile.TemporaryDirectory() as tmp:
        default.save(Path(tmp) / "b.npz")
        full.save(Path(tmp) / "c.npz")
        size_b = (Path(tmp) / "b.npz").stat().st_size
        size_c = (Path(tmp) / "c.npz").stat().st_size

    rng = np.random.default_rng(0)
    x, y = rng.random((2000, 64)), rng.random((2000, 10))
    wide = tracer.load_config({"network": {"layers": [64, 128, 10]}, "train": {"iterations": 200},
                               "data": {"inputs": x.tolist(), "targets": y.tolist()}})
    from tracer.train import initial_parameters

    p = initial_parameters(wide)
    scale = {"plain": [], "b": []}
    wtrace = None
    for _ in range(args.repeats):
        wtrace = None
        t, (pw0, _) = timed(lambda: plain_wide(x, y, p["w0"], p["w1"], 200, 0.1))
        scale["plain"].append(t)
        t, wtrace = timed(lambda: tracer.run(wide))
        scale["b"].append(t)
    wide_same = np.array_equal(wtrace.get("w0_next", -1), pw0)
    smed = {k: statistics.median(v) for k, v in scale.items()}

    print(f"repeats: {args.repeats} (alternating), medians in seconds")
    print(f"(a) article's loop            {med['a']:.3f} s")
    print(f"(b) tracer.run, default spec  {med['b']:.3f} s   (b)/(a) = {med['b'] / med['a']:.2f}  (target <= 0.8)")
    print(f"(c) tracer.run, every step    {med['c']:.3f} s   (c)/(a) = {med['c'] / med['a']:.2f}  (target <= 2.5)")
    print(f"bit-identical to the article: {same}")
    print(f"trace files: default {size_b / 1e3:.1f} kB, every iteration {size_c / 1e6:.1f} MB (target <= 80 MB)")
    seed_script = Path(__file__).resolve().parent.parent.parent / "shared" / "seed" / "seed_network.py"
    if seed_script.exists():
        import os
        import subprocess

        env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
        whole = {"seed": [], "trace": []}
        with tempfile.TemporaryDirectory() as tmp:
            for _ in range(args.repeats):
                t, _ = timed(lambda: subprocess.run([sys.executable, str(seed_script)], check=True,
                                                    stdout=subprocess.DEVNULL))
                whole["seed"].append(t)
                t, _ = timed(lambda: subprocess.run([sys.executable, "-m", "tracer", "trace", "-o", f"{tmp}/t.npz"],
                                                    check=True, stdout=subprocess.DEVNULL, env=env))
                whole["trace"].append(t)
        ws, wt = statistics.median(whole["seed"]), statistics.median(whole["trace"])
        print(f"whole processes: python seed_network.py {ws:.3f} s, nntrace trace {wt:.3f} s, "
              f"ratio {wt / ws:.2f} (target <= 0.80)")
    print(f"scale [64,128,10] x 2000 x 200: plain {smed['plain']:.3f} s, tracer.run {smed['b']:.3f} s, "
          f"ratio {smed['b'] / smed['plain']:.2f} (target <= 1.1), identical: {wide_same}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
