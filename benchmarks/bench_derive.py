"""Time ``nntrace derive`` warm and cold against the seed script, whole processes, in one run.

Run from the repository root: ``python benchmarks/bench_derive.py [--runs 7]``. Every case runs in a
fresh process, the cases interleaved round by round so that machine load hits them alike; the
medians are printed side by side with their ratio to ``python seed_network.py``. Also printed:
whether a warm ``derive`` and a warm ``lesson`` import sympy (they must not), the sympy import a
warm run no longer pays, and the time to check every gradient element of a larger network through
the derived expressions.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED_SCRIPT = Path("/work/shared/seed/seed_network.py")

SYMPY_IMPORT = "import time; t = time.perf_counter(); import sympy; print(time.perf_counter() - t)"
LOADED = ("import sys, tracer.cli; rc = tracer.cli.main(sys.argv[1:]); "
          "print('sympy' in sys.modules, file=sys.stderr)")
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


def timed(command: list[str], env: dict, cwd: Path) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of one process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, env=env, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def sympy_loaded(args: list[str], env: dict, cwd: Path) -> bool:
    done = subprocess.run([sys.executable, "-c", LOADED, *args], env=env, cwd=cwd, capture_output=True,
                          text=True, check=True)
    return done.stderr.strip().splitlines()[-1] == "True"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--seed-script", type=Path, default=SEED_SCRIPT)
    options = parser.parse_args()
    nntrace = [sys.executable, "-m", "tracer"]
    derive = [*nntrace, "derive", "--config", str(ROOT / "examples" / "seed.toml")]
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        warm_env = {**os.environ, "NNTRACE_CACHE_DIR": str(work / "warm"), "PYTHONPATH": str(ROOT)}
        lesson = [*nntrace, "lesson", "--format", "md,html", "--out", str(work / "lesson")]
        timed(derive, warm_env, work)   # fill the cache
        timed(lesson, warm_env, work)
        cases = {
            "python seed_network.py": lambda: timed([sys.executable, str(options.seed_script)], warm_env, work),
            "nntrace derive, warm": lambda: timed(derive, warm_env, work),
            "nntrace derive, cold": lambda: _cold(derive, work),
            "nntrace lesson md,html, warm": lambda: timed(lesson, warm_env, work),
        }
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
        for _ in range(options.runs):
            for name, case in cases.items():
                times[name].append(case())
        imports = [float(subprocess.run([sys.executable, "-c", SYMPY_IMPORT], capture_output=True, text=True,
                                        check=True).stdout) for _ in range(options.runs)]
        loaded = {"derive": sympy_loaded(derive[3:], warm_env, work), "lesson": sympy_loaded(lesson[3:], warm_env, work)}
        full = [float(subprocess.run([sys.executable, "-c", FULL], env=warm_env, capture_output=True, text=True,
                                     check=True).stdout) for _ in range(3)]
    seed = [statistics.median(t[k] for t in times["python seed_network.py"]) for k in (0, 1)]
    print(f"medians of {options.runs} runs, each a fresh process, cases interleaved ({os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f})")
    print(f"{'case':<32}{'wall':>9}{'/ seed':>8}{'CPU':>10}{'/ seed':>8}")
    for name, values in times.items():
        wall, cpu = (statistics.median(t[k] for t in values) for k in (0, 1))
        print(f"{name:<32}{wall:>8.3f}s{wall / seed[0]:>8.2f}{cpu:>9.3f}s{cpu / seed[1]:>8.2f}")
    print("target: nntrace derive warm / seed script ≤ 0.40 (aim ≤ 0.25)")
    print(f"sympy imported by a warm run: derive {loaded['derive']}, lesson {loaded['lesson']} (must be False)")
    print(f"sympy import a warm run no longer pays (median, in a fresh interpreter): {statistics.median(imports):.3f}s")
    print(f"check every gradient element of [64,128,10] (2000 samples) through the derived trees: "
          f"{statistics.median(full):.3f}s")


def _cold(command: list[str], work: Path) -> float:
    with tempfile.TemporaryDirectory(dir=work) as empty:
        env = {**os.environ, "NNTRACE_CACHE_DIR": empty, "PYTHONPATH": str(ROOT)}
        return timed(command, env, work)


if __name__ == "__main__":
    main()
