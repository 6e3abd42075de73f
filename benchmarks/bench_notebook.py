"""What ``--format ipynb`` adds to a lesson run, in process (target: at most 0.1 s).

The default lesson is traced and derived once; then, alternately, the lesson is rendered and
written with ``md,html`` and with ``md,html,ipynb`` (three notebooks more). Prints the median of
each, their difference, and the median of ``--format ipynb`` alone (the lesson's variables and
the three notebooks).
Usage: ``python benchmarks/bench_notebook.py [--runs 7]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    from tracer.config import load_config
    from tracer.lesson.render import derive_per_layer, render_lesson
    from tracer.lesson.run import trace_for_lesson
    from tracer.lesson.write import write_documents

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    trace, table = trace_for_lesson(load_config(None))
    derivations = derive_per_layer(trace, 0)
    times: dict[str, list[float]] = {"md,html": [], "md,html,ipynb": []}
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(args.runs + 1):   # the first round warms templates and caches
            for formats in times:
                start = time.perf_counter()
                docs = render_lesson(trace, formats=formats.split(","), derivations=derivations,
                                     table_iterations=table)
                write_documents(Path(tmp) / formats, docs)
                if run:
                    times[formats].append(time.perf_counter() - start)
        alone = []
        for _ in range(args.runs):
            start = time.perf_counter()
            render_lesson(trace, formats=["ipynb"], derivations=derivations, table_iterations=table)
            alone.append(time.perf_counter() - start)
    base, full = statistics.median(times["md,html"]), statistics.median(times["md,html,ipynb"])
    print(f"lesson md,html          median {base:.3f} s")
    print(f"lesson md,html,ipynb    median {full:.3f} s")
    print(f"added by ipynb          {full - base:+.3f} s  (target <= 0.100 s)")
    print(f"ipynb alone (3 notebooks and the lesson variables)  median {statistics.median(alone):.3f} s")
    return 0 if full - base <= 0.1 else 1


if __name__ == "__main__":
    sys.exit(main())
