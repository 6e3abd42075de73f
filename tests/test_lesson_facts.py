"""The lesson's claims come from the run: its facts variable against the trace it was built from."""

from __future__ import annotations

import re
import shlex

import pytest

import tracer
from tracer.cli_trace import add_trace_options, config_from_args
from tracer.lesson.facts import lesson_facts, table_iterations
from tracer.lesson.run import trace_for_lesson


@pytest.fixture(scope="module")
def default():
    trace, table = trace_for_lesson(tracer.load_config())
    return trace, table, lesson_facts(trace, 4, 0)


def test_worked_path_formulas_carry_the_recorded_numbers(default):
    _, _, facts = default
    path = facts["path"]
    assert path["sample"] == "3"
    assert path["out_delta"].endswith(r"= 0.5447 \times 0.248 = 0.1351")
    w1 = path["updates"][0]
    assert w1["step"] == r"w^{(1)}_{0,0} \leftarrow -0.5911 - 0.1 \times 0.05749 = -0.5968"
    assert w1["gradient"].count(r" \cdot ") == 5   # one term per sample
    assert (path["loss_before"], path["loss_after"]) == ("0.6074", "0.6055")
    assert r"1 \cdot (-0.166) + 1 \cdot (-0.7065) + 1 \cdot (-0.2065)" in path["layers"][0]["z"]


def test_task_and_units_of_the_default_data(default):
    _, _, facts = default
    task = facts["task"]
    assert task["functions"] == [{"target": "y", "key": "xor", "a": "x0", "b": "x1"}]
    assert task["constant"][0]["column"] == "x2" and task["repeats"] == [{"first": "0", "copies": ["4"]}]
    assert [u["rule"] for u in facts["units"]] == ["a_or_not_b", "a_and_not_b", "nor", "not_a"]


def test_table_rows_include_every_turning_point(default):
    trace, table, facts = default
    rows = table_iterations(trace, table)
    assert set(table) <= set(rows)
    assert {int(t) for t in facts["story"]["turning_points"]} <= set(rows)
    assert facts["story"]["kinds"] == ["fall", "drop", "tail"]


def _config(flags: str, tmp_path=None):
    import argparse

    parser = argparse.ArgumentParser()
    add_trace_options(parser)
    return config_from_args(parser.parse_args(shlex.split(flags)))


@pytest.mark.parametrize("flags", ["", "--lr 1 --iterations 50", "--activation tanh,sigmoid --iterations 50",
                                   "--data xor --layers 2,4,1 --iterations 50", "--seed 7 --lr 0.01 --iterations 20"])
def test_try_next_never_suggests_the_lessons_own_settings(flags):
    config = _config(flags)
    trace = tracer.run(tracer.load_config(config.as_dict() | {"record": {"iterations": "0,last"}}))
    suggestions = lesson_facts(trace, 4, 0)["next"]
    assert len(suggestions) >= 4
    for s in suggestions:
        if not s["command"].startswith("nntrace lesson"):
            continue
        suggested = _config(s["command"].removeprefix("nntrace lesson").split(" --out ")[0])
        assert suggested != config, s
        assert s["command"].count("--out") == 1


def test_try_next_keeps_the_config_file(tmp_path):
    trace = tracer.run(tracer.load_config({"train": {"iterations": 5}}))
    commands = [s["command"] for s in lesson_facts(trace, 4, 0, source="my course.toml")["next"]]
    assert all("--config 'my course.toml'" in c for c in commands if c.startswith("nntrace lesson"))


def test_try_next_of_a_lesson_on_a_csv_keeps_the_file_and_runs(tmp_path, monkeypatch, capsys):
    from tracer.cli import main

    data = tmp_path / "my data" / "and.csv"
    data.parent.mkdir()
    data.write_text("a,b,y\n0,0,0\n0,1,0\n1,0,0\n1,1,1\n")
    assert main(["lesson", "--data", str(data), "--layers", "2,3,1", "--iterations", "300", "--lang", "en",
                 "--format", "md", "--out", str(tmp_path / "out")]) == 0
    text = (tmp_path / "out" / "lesson.en.md").read_text()
    commands = re.findall(r"`(nntrace lesson [^`]*)`", text)
    kept = [c for c in commands if "--data xor" not in c and "--data seed" not in c and "--config" not in c]
    assert kept and all(f"--data {shlex.quote(str(data))}" in c for c in kept), commands
    monkeypatch.chdir(tmp_path)   # a suggestion runs as written (trimmed to a few iterations)
    argv = shlex.split(kept[0])[1:] + ["--iterations", "50", "--lang", "en", "--format", "md"]
    capsys.readouterr()
    assert main(argv) == 0, capsys.readouterr().err
