"""Time ``tracer.derive``: cold (fresh process, empty cache), warm (disk cache hit), and a full check.

Run from the repository root: ``python benchmarks/bench_derive.py [--runs 5]``. Each case runs in a
fresh interpreter, alternating cold and warm, and the medians are printed beside the targets of
the symbolic-derivation issue; the sympy import alone is timed too, since "warm" is measured on
top of it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEEP = {"network": {"layers": [3, 5, 4, 2], "activation": "tanh", "bias": "trainable"},
        "data": {"inputs": [[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]],
                 "targets": [[0, 1], [1, 0], [1, 0], [0, 1]]}}
CASES = {"seed [3,4,1]": None, "[3,5,4,2] tanh + biases": DEEP}

CHILD = r"""
import json, sys, time
t0 = time.perf_counter()
import sympy
t1 = time.perf_counter()
import tracer, tracer.symbolic
from tracer.symbolic import cache
tc = time.perf_counter()
config = json.loads(sys.argv[1])
ta = time.perf_counter()
cache.architecture(tracer.load_config(config).network)   # the derivation alone: sympy, or the cache
tb = time.perf_counter()
cache.clear_memory()   # the call below reads the disk cache again
td = time.perf_counter()
derivations = tracer.derive(config)
t2 = time.perf_counter()
assert all(d.agree for d in derivations)
print(json.dumps({"sympy": t1 - t0, "derive": t2 - t1, "total": t2 - t0, "derivation": tb - ta,
                  "imports": tc - t1, "call": t2 - td}))
"""

FULL = r"""
import time, numpy as np, tracer
from tracer.symbolic import check_gradients, cache
rng = np.random.default_rng(0)
config = {"network": {"layers": [64, 128, 10], "activation": ["tanh", "sigmoid"]},
          "data": {"inputs": rng.normal(size=(2000, 64)).tolist(), "targets": rng.random((2000, 10)).tolist()},
          "train": {"lr": 0.01, "iterations": 1}, "record": {"iterations": "0"}}
trace = tracer.run(config)
cache.architecture(trace.config.network)    # derivation (from the cache after the first run)
t = time.perf_counter()
worst = check_gradients(trace, 0)
elapsed = time.perf_counter() - t
assert max(worst.values()) <= 1e-12
print(elapsed)
"""


def child(code: str, arg: str, cache_dir: str) -> str:
    env = {**os.environ, "NNTRACE_CACHE_DIR": cache_dir, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", code, arg], capture_output=True, text=True, env=env, check=True)
    return done.stdout.strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    rows = []
    for label, config in CASES.items():
        cold, warm, imports = [], [], []
        for _ in range(runs):
            with tempfile.TemporaryDirectory() as folder:
                cold.append(json.loads(child(CHILD, json.dumps(config), folder)))
                warm.append(json.loads(child(CHILD, json.dumps(config), folder)))
        imports = [r["sympy"] for r in cold + warm]
        rows.append((label, statistics.median(r["total"] for r in cold), statistics.median(r["total"] for r in warm),
                     statistics.median(r["derive"] for r in warm), statistics.median(imports),
                     statistics.median(r["derivation"] for r in warm), statistics.median(r["imports"] for r in warm),
                     statistics.median(r["call"] for r in warm)))
    with tempfile.TemporaryDirectory() as folder:
        full = [float(child(FULL, "", folder)) for _ in range(runs)]
    print(f"medians of {runs} runs, each in a fresh interpreter (times include the sympy import unless noted)")
    print(f"{'network':<26}{'cold':>9}{'warm':>9}{'warm − sympy import':>22}{'= imports':>11}"
          f"{'+ derive call':>15}{'(cache read)':>14}{'sympy import':>15}")
    for label, cold_t, warm_t, warm_only, imp, reading, imports, call in rows:
        print(f"{label:<26}{cold_t:>8.3f}s{warm_t:>8.3f}s{warm_only:>21.3f}s{imports:>10.3f}s{call:>14.3f}s"
              f"{reading:>13.3f}s{imp:>14.3f}s")
    print("(imports: numpy, tracer and the sympy modules tracer.symbolic uses; the derive call: reading the cache,"
          " training to the iteration, lambdify, the finite differences and the proof)")
    print(f"check every gradient element of [64,128,10] (2000 samples) through the derived expressions: "
          f"{statistics.median(full):.3f}s")
    print("targets: cold ≤ 2 s for [3,5,4,2]; warm ≤ 0.1 s on top of sympy's import; full check ≤ 1 s")


if __name__ == "__main__":
    main()
