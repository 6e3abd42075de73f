"""The rendered lesson against its own numbers: the story, "learned", the analogy and the program
it prints agree with the trace, for random networks; every link of the HTML lesson has a target."""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tracer
from tracer.errors import TrainingError
from tracer.lesson.render import render_lesson
from tracer.lesson.run import lesson_recording
from tracer.program import printed_iterations
from tracer.render.numbers import num

ACTS = ["sigmoid", "tanh", "relu", "linear"]
# 20 in the suite; a longer run: NNTRACE_CLAIM_EXAMPLES=300 python -m pytest tests/test_lesson_claims.py
EXAMPLES = int(os.environ.get("NNTRACE_CLAIM_EXAMPLES", "20"))


@st.composite
def configs(draw):
    hidden = draw(st.lists(st.integers(1, 4), min_size=0, max_size=2))
    loss = draw(st.sampled_from(["half_sse", "bce"]))
    acts = [draw(st.sampled_from(ACTS)) for _ in hidden]
    last = "sigmoid" if loss == "bce" else draw(st.sampled_from(ACTS))
    preset = draw(st.sampled_from(["seed", "xor", "and", "or", "trask"]))
    n_in = 3 if preset in ("seed", "trask") else 2
    iterations = int(10 ** draw(st.floats(0, math.log10(60000))))
    return {
        "network": {"layers": [n_in, *hidden, 1], "activation": [*acts, last], "loss": loss,
                    "bias": draw(st.sampled_from(["none", "trainable", "frozen"])),
                    "reduction": draw(st.sampled_from(["sum", "mean"]))},
        "data": {"preset": preset}, "init": {"seed": draw(st.integers(0, 50))},
        "train": {"lr": 10 ** draw(st.floats(-4, 6)), "iterations": iterations},
    }


def _lesson(raw):
    """The English Markdown lesson of ``raw`` (no chain-rule section: sympy is not what is tested)."""
    config, table = lesson_recording(tracer.load_config(raw))
    try:
        trace = tracer.run(config)
    except TrainingError:
        return None, None
    doc = render_lesson(trace, langs=["en"], formats=["md"], derivations=[], table_iterations=table)[0]
    return trace, doc.content.decode()


def _section(text: str, number: int) -> str:
    return re.split(r"^## \d+\. ", text, flags=re.M)[number]


@pytest.mark.slow
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(configs())
def test_the_lesson_never_contradicts_its_numbers(raw):
    trace, text = _lesson(raw)
    if trace is None:
        return   # diverged to inf/NaN: the trainer refuses with one line, and there is no lesson
    its = [int(i) for i in trace.recorded_iterations]
    values = {i: float(v) for i, v in zip(its, trace.stack("mean_error"))}
    training = _section(text, 6)
    first, last = values[its[0]], values[its[-1]]

    # the story's direction against the first and last mean error
    if len(its) > 1:
        opening = training.split("\n\n")[1]
        if "falls from" in opening:
            assert last < first
        elif "does not fall" in opening:
            assert last > first
        else:
            assert "hardly changes" in opening and abs(math.log(last / first)) < 0.1 if first > 0 and last > 0 else True
        # each phase names recorded iterations and their values, and moves the way it says
        phases = re.findall(r"^- Iterations (\d+)–(\d+): (a plateau|a fall|a steep drop|a slow tail|the mean error rises|"
                            r"the mean error diverges|the mean error goes up and down)", training, re.M)
        assert phases
        assert phases[0][0] == str(its[0]) and phases[-1][1] == str(its[-1])
        for (a, b, kind), line in zip(phases, re.findall(r"^- Iterations .*$", training, re.M)):
            va, vb = values[int(a)], values[int(b)]
            assert f"from {num(va, 4)} to {num(vb, 4)}" in line or f"near {num(va, 4)} ({num(vb, 4)}" in line, line
            if kind in ("a fall", "a steep drop", "a slow tail"):
                assert vb < va, line
            if kind in ("the mean error rises", "the mean error diverges"):
                assert vb > va, line
            # every turning point is a row of the loss table
            for i in (a, b):
                assert re.search(rf"^\| {i} \| ", training, re.M), (i, "missing from the table")

    # "learned" against the predictions, said once, and the analogy agrees
    L = trace.config.network.depth
    pred = trace.get(f"l{L}", its[-1])
    _, y = trace.config.data.arrays()
    learned = bool(np.all(np.round(pred) == y))
    said_learned = "the network has learned the task" in training
    said_not = "the network has not learned the task" in training
    assert said_learned == learned and said_not == (not learned)
    analogy = _section(text, 7)
    assert ("every rounded prediction equals its target" in analogy) == learned
    assert ("has not found weights that fit" in analogy) == (not learned)
    # the suggestions follow the same fact, and never repeat the lesson's own settings
    assert ("Ten times as many iterations" in _section(text, 8)) == (not learned)
    assert "examples/" not in _section(text, 8).replace("nntrace examples", "")
    # the walked iteration's E before and after its step
    assert f"goes from {num(float(trace.get('loss', its[0])), 4)} before the step" in text


def _program_from(markdown: str) -> str:
    tail = re.split(r"^### .*The whole program.*$", markdown, flags=re.M)[1]
    return re.search(r"```python\n(.*?)\n```", tail, re.S).group(1) + "\n"


@pytest.mark.parametrize("raw", [
    {"train": {"iterations": 300}},
    {"network": {"layers": [3, 5, 4, 1], "activation": ["tanh", "relu", "sigmoid"], "bias": "trainable",
                 "loss": "bce", "reduction": "mean"}, "train": {"iterations": 120, "lr": 0.5}, "init": {"seed": 2}},
], ids=["default", "deep-bce-mean"])
def test_the_program_at_the_end_of_the_lesson_prints_the_trace(raw, tmp_path):
    config = tracer.load_config(raw)
    trace = tracer.run(tracer.load_config(config.as_dict() | {"record": {"iterations": "all"}}))
    doc = render_lesson(trace, langs=["zh-en"], formats=["md"])[0].content.decode()
    script = tmp_path / "lesson_program.py"
    script.write_text(_program_from(doc), encoding="utf-8")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, check=True, timeout=300)
    lines = done.stdout.splitlines()
    printed = printed_iterations(config)
    assert [int(line.split()[0]) for line in lines[:len(printed)]] == printed
    for line in lines[:len(printed)]:
        j, e, m = line.split()
        assert float(e) == float(trace.get("loss", int(j))) and float(m) == float(trace.get("mean_error", int(j)))
    # then the last forward pass's output layer, as recorded
    out = " ".join(lines[len(printed):]).split("]]")[0].replace("[", " ").replace("]", " ")
    L = config.network.depth
    assert np.array_equal(np.array([float(v) for v in out.split()]), trace.get(f"l{L}", config.train.iterations - 1).ravel())


@pytest.mark.parametrize("fragment", [False, True])
def test_every_link_of_the_html_lesson_has_a_target(fragment, deep_trace):
    import html5lib

    for trace in (tracer.run(tracer.load_config(None, {"train.iterations": 3})), deep_trace):
        for doc in render_lesson(trace, langs=["en", "zh-en"], formats=["html"], fragment=fragment, explorer=False):
            tree = html5lib.parse(doc.content.decode(), namespaceHTMLElements=False)
            ids = {el.get("id") for el in tree.iter() if el.get("id")}
            links = [el.get("href")[1:] for el in tree.iter("a") if (el.get("href") or "").startswith("#")]
            factor_links = [a for a in links if "eq-" in a]
            assert factor_links, doc.path
            for target in links:
                assert target in ids, (doc.path, target)


def test_a_run_that_rises_is_not_told_as_a_fall():
    trace, text = _lesson({"train": {"lr": 1e6, "iterations": 3000}})
    training = _section(text, 6)
    assert "does not fall" in training and "falls from" not in training
    assert "the network has not learned the task" in training
    assert "error is small" not in text and "steep at first" not in text


def test_a_walk_through_a_later_iteration_does_not_call_its_weights_the_starting_ones():
    config, table = lesson_recording(tracer.load_config(None, {"train.iterations": 300}), 100)
    trace = tracer.run(config)
    text = render_lesson(trace, langs=["en"], formats=["md"], iteration=100, table_iterations=table)[0].content.decode()
    setup = _section(text, 3)
    assert "starting weights, before the first step" not in setup
    assert "weights at its start, after 100 steps" in setup
