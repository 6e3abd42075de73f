"""Time the course tools: the MkDocs plugin against ``nntrace lesson``, and ``nntrace grade``.

    python benchmarks/bench_course.py [--runs 3]

(1) ``mkdocs build`` of a copy of the example course's MkDocs site with its 4 lessons (3-4-1 and
XOR, zh and en, whole lessons) minus the same site built without the plugin's lessons: the time
the lessons add. Against ``nntrace lesson`` for the same lessons (``--lang zh,en --format md``,
once per config), target ≤ 2×. (2) ``nntrace grade`` of 1000 submissions of a 30-seed class
(whole process), target ≤ 1 s. Whole processes, runs alternating; medians printed side by side.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COURSE = ROOT / "examples" / "course"
LESSONS = """  - nntrace:
      lessons:
        - {config: ../lessons/seed.toml, lang: en, page: seed/en.md}
        - {config: ../lessons/seed.toml, lang: zh, page: seed/zh.md}
        - {config: ../lessons/xor.toml, lang: en, page: xor/en.md}
        - {config: ../lessons/xor.toml, lang: zh, page: xor/zh.md}
"""


def timed(cmd: list[str], cwd: Path) -> float:
    bindir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}", "NO_MKDOCS_2_WARNING": "1"}
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if done.returncode not in (0,):
        raise SystemExit(f"{' '.join(cmd)} failed: {done.stderr}")
    return time.perf_counter() - start


def sites(tmp: Path) -> tuple[Path, Path]:
    """The example site with its 4 lessons (no marker page), and the same site without lessons."""
    shutil.copytree(COURSE / "lessons", tmp / "lessons")
    made = []
    for name, plugin in (("with", LESSONS), ("without", "")):
        site = tmp / name
        shutil.copytree(COURSE / "mkdocs", site)
        (site / "docs" / "chain.md").unlink()
        text = (site / "mkdocs.yml").read_text()
        start, end = text.index("  - nntrace:"), text.index("markdown_extensions:")
        text = text[:start] + plugin + text[end:]
        text = text[:text.index("nav:")]   # the nav names generated pages; let MkDocs list what exists
        (site / "mkdocs.yml").write_text(text)
        made.append(site)
    return made[0], made[1]


def submissions(tmp: Path, rows: int) -> tuple[Path, Path]:
    """A 30-seed class's keys and ``rows`` submissions (answers near, far and missing)."""
    subprocess.run([sys.executable, "-m", "tracer", "batch", "--seeds", "1-30", "--iterations", "300",
                    "--exercises", "--lang", "en", "--format", "md", "--out", str(tmp / "class")],
                   check=True, stdout=subprocess.DEVNULL)
    keys = {}
    for path in (tmp / "class-answers").glob("seed-*/answers.json"):
        data = json.loads(path.read_text())
        keys[data["seed"]] = data["questions"]
    ids = [q["id"] for q in keys[1]]
    with (tmp / "subs.csv").open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["student", "seed", *ids])
        for n in range(rows):
            seed = 1 + n % 30
            answers = [q["shown"] if (n + i) % 4 else str(-q["value"]) if (n + i) % 8 else "" for i, q in enumerate(keys[seed])]
            writer.writerow([f"student {n}", seed, *answers])
    return tmp / "class-answers", tmp / "subs.csv"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        with_lessons, without = sites(tmp)
        lesson = [[sys.executable, "-m", "tracer", "lesson", "--config", str(COURSE / "lessons" / f"{c}.toml"),
                   "--lang", "zh,en", "--format", "md", "--out", str(tmp / f"out-{c}")] for c in ("seed", "xor")]
        mk_with, mk_without, cli = [], [], []
        for _ in range(args.runs):
            mk_with.append(timed(["mkdocs", "build", "-q", "-d", str(tmp / "site-a")], with_lessons))
            mk_without.append(timed(["mkdocs", "build", "-q", "-d", str(tmp / "site-b")], without))
            cli.append(sum(timed(cmd, tmp) for cmd in lesson))
        added = statistics.median(mk_with) - statistics.median(mk_without)
        base = statistics.median(cli)
        print(f"mkdocs build, 4 lessons          {statistics.median(mk_with):7.2f} s (median of {args.runs})")
        print(f"mkdocs build, no lessons         {statistics.median(mk_without):7.2f} s")
        print(f"  added by the lessons           {added:7.2f} s")
        print(f"nntrace lesson, same lessons     {base:7.2f} s  (2 configs × --lang zh,en --format md)")
        print(f"  ratio added / lesson           {added / base:7.2f}   target ≤ 2")
        keys, subs = submissions(tmp, 1000)
        grade = [timed([sys.executable, "-m", "tracer", "grade", "--answers", str(keys), str(subs),
                        "--out", str(tmp / "grades")], tmp) for _ in range(args.runs)]
        print(f"nntrace grade, 1000 rows         {statistics.median(grade):7.2f} s  target ≤ 1 s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
