"""``nntrace batch``: seed lists, one folder per seed, the index, failing seeds, interruption, and
output that does not depend on ``--jobs``."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import tracer
from tracer.batch import Job, batch, parse_seeds
from tracer.cli import main
from tracer.errors import TracerError, TrainingError

SMALL = ["--iterations", "300", "--lang", "en,zh-en", "--format", "md,html"]


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_seed_lists():
    assert parse_seeds("1-30") == list(range(1, 31))
    assert parse_seeds("1,5,9") == [1, 5, 9]
    assert parse_seeds("1-10,20") == list(range(1, 11)) + [20]
    assert parse_seeds(" 3 , 3,2-3") == [2, 3]
    for bad, pattern in [("1-x", "malformed"), ("5-1", "low <= high"), ("", "malformed"), ("-3", "malformed")]:
        with pytest.raises(TracerError, match=pattern):
            parse_seeds(bad)
    with pytest.raises(TracerError, match=r"more than 10,000 seeds; pass --force"):
        parse_seeds("1-10001")
    assert len(parse_seeds("1-10001", force=True)) == 10001


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    one, two = tmp_path_factory.mktemp("jobs1"), tmp_path_factory.mktemp("jobs2")
    assert main(["batch", "--seeds", "1-3", "--jobs", "1", "--out", str(one), *SMALL]) == 0
    assert main(["batch", "--seeds", "1-3", "--jobs", "2", "--out", str(two), *SMALL]) == 0
    return one, two


def test_output_is_byte_identical_whatever_jobs(two_runs):
    one, two = two_runs
    assert tree(one) == tree(two)


def test_each_seed_folder_is_the_lesson_of_its_single_run(two_runs, tmp_path):
    # the batch trains its seeds stacked; each folder must still be the seed's own lesson, byte for byte
    one, _ = two_runs
    assert main(["lesson", "--seed", "2", "--out", str(tmp_path), *SMALL]) == 0
    assert tree(tmp_path) == tree(one / "seed-002")


def test_one_folder_per_seed_and_an_index(two_runs):
    out, _ = two_runs
    for seed in (1, 2, 3):
        folder = out / f"seed-{seed:03d}"
        assert {p.name for p in folder.iterdir()} >= {"lesson.en.md", "lesson.en.html", "lesson.zh-en.md",
                                                      "lesson.zh-en.html", "figures"}
    index = json.loads((out / "index.json").read_text())
    assert [s["seed"] for s in index["seeds"]] == [1, 2, 3]
    single = tracer.run(tracer.load_config(None, {"train.iterations": 300, "init.seed": 2}))
    assert index["seeds"][1]["mean_error"] == float(single.stack("mean_error")[-1])
    md = (out / "index.en.md").read_text()
    assert "(seed-002/lesson.en.md)" in md and "| 2 |" in md
    html = (out / "index.zh-en.html").read_text()
    assert 'href="seed-003/lesson.zh-en.html"' in html and "种子" in html
    for link in re.findall(r'href="([^"#]+)"', html):
        assert (out / link).is_file(), link
    assert not [p for p in out.rglob("*") if ".partial-" in p.name or p.name.endswith(".tmp")]


def test_a_failing_seed_is_listed_and_exits_1(tmp_path, capsys):
    # a linear network with this step learns for seeds 1 and 2 and diverges for seed 3; the seeds
    # train stacked, and seed 3 must still report the error its single run gives
    flags = ["--activation", "linear", "--lr", "0.2"]
    with pytest.raises(TrainingError) as single:
        tracer.run({"network": {"activation": "linear"}, "train": {"lr": 0.2, "iterations": 300},
                    "init": {"seed": 3}})
    message = str(single.value)
    assert main(["batch", "--seeds", "1-3", "--jobs", "2", "--out", str(tmp_path), *flags, *SMALL]) == 1
    assert f"seed 3 failed: {message}" in capsys.readouterr().err
    index = json.loads((tmp_path / "index.json").read_text())
    assert index["failed"] == 1 and index["seeds"][2]["error"] == message
    assert index["seeds"][0]["error"] is None and index["seeds"][1]["error"] is None
    assert (tmp_path / "seed-001").is_dir() and (tmp_path / "seed-002").is_dir()
    assert not (tmp_path / "seed-003").exists()
    assert "training diverged" in (tmp_path / "index.en.md").read_text()


def test_interrupting_leaves_finished_folders_whole(tmp_path, monkeypatch):
    from tracer.lesson import write as lesson_write

    real = lesson_write.write_documents
    calls = []

    def interrupted(out_dir, documents):
        calls.append(out_dir)
        docs = list(documents)
        if "seed-003" in str(out_dir):
            real(out_dir, docs[:2])          # half the files, then Ctrl-C
            raise KeyboardInterrupt
        return real(out_dir, docs)

    monkeypatch.setattr(lesson_write, "write_documents", interrupted)
    job = Job(tracer.load_config(None, {"train.iterations": 300}), str(tmp_path), ("en",), ("md",))
    with pytest.raises(KeyboardInterrupt):
        batch(job, [1, 2, 3, 4], jobs=1)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["seed-001", "seed-002"]
    whole = tree(tmp_path / "seed-001")
    assert set(whole) == set(tree(tmp_path / "seed-002")) and "lesson.en.md" in whole


def test_rerunning_updates_a_folder_and_keeps_files_nntrace_did_not_write(tmp_path):
    config = tracer.load_config(None, {"train.iterations": 300})
    batch(Job(config, str(tmp_path), ("en",), ("md", "html")), [5], jobs=1)
    (tmp_path / "seed-005" / "teacher-notes.txt").write_text("mine")
    batch(Job(config, str(tmp_path), ("en",), ("md",)), [5], jobs=1)
    names = set(tree(tmp_path / "seed-005"))
    assert "lesson.en.md" in names and "teacher-notes.txt" in names
    assert "lesson.en.html" not in names          # written by the first run only: stale, removed
    assert (tmp_path / "seed-005" / "teacher-notes.txt").read_text() == "mine"
    assert not [p for p in tmp_path.rglob("*") if ".partial-" in p.name or ".nntrace-tmp" in p.name]


@pytest.mark.parametrize("argv,pattern", [
    (["batch", "--seeds", "1-3", "--seed", "4"], "remove --seed"),
    (["batch", "--seeds", "1-20000"], "pass --force"),
    (["batch", "--seeds", "1", "--jobs", "0"], "--jobs 0 must be at least 1"),
    (["batch", "--seeds", "1", "--lang", "fr"], "no prose for 'fr'"),
    (["batch", "--seeds", "1", "--config", "examples/explicit_weights.toml"], "remove [init] values"),
])
def test_bad_batch_options(argv, pattern, capsys, tmp_path):
    root = Path(__file__).resolve().parent.parent
    argv = [str(root / a) if a.startswith("examples/") else a for a in argv]
    assert main([*argv, "--out", str(tmp_path), "--iterations", "10"]) == 2
    assert pattern in capsys.readouterr().err
