"""Property tests over random configs: the story's direction agrees with the numbers, "learned"
agrees with the predictions, and no two facts contradict each other."""

from __future__ import annotations

import math
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tracer
from tracer.analysis import outcome, read_story, worked_path
from tracer.errors import TrainingError

ACTS = ["sigmoid", "tanh", "relu", "linear"]
# 30 per test in the suite; a longer run: NNTRACE_STORY_EXAMPLES=400 python -m pytest tests/test_analysis_properties.py
EXAMPLES = int(os.environ.get("NNTRACE_STORY_EXAMPLES", "30"))


@st.composite
def configs(draw):
    hidden = draw(st.lists(st.integers(1, 5), min_size=1, max_size=2))
    acts = [draw(st.sampled_from(ACTS)) for _ in hidden]
    loss = draw(st.sampled_from(["half_sse", "bce"]))
    last = "sigmoid" if loss == "bce" else draw(st.sampled_from(ACTS))
    preset = draw(st.sampled_from(["seed", "xor", "and", "or", "trask"]))
    n_in = 3 if preset in ("seed", "trask") else 2
    lr = 10 ** draw(st.floats(-4, 3))
    iterations = int(10 ** draw(st.floats(0, math.log10(60000))))
    return {
        "network": {"layers": [n_in, *hidden, 1], "activation": [*acts, last], "loss": loss,
                    "bias": draw(st.sampled_from(["none", "trainable", "frozen"])),
                    "reduction": draw(st.sampled_from(["sum", "mean"]))},
        "data": {"preset": preset}, "init": {"seed": draw(st.integers(0, 50))},
        "train": {"lr": lr, "iterations": iterations},
        "record": {"iterations": f"0:{iterations}:{max(1, iterations // 200)},last"},
    }


def _trace(raw):
    try:
        return tracer.run(tracer.load_config(raw))
    except TrainingError:
        return None   # diverged to inf/NaN: the trainer says so itself


@pytest.mark.slow
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(configs())
def test_story_direction_matches_the_numbers(raw):
    trace = _trace(raw)
    if trace is None:
        return
    its = [int(i) for i in trace.recorded_iterations]
    values = trace.stack("mean_error")
    story = read_story(its, values)
    assert story.whole.start == its[0] and story.whole.end == its[-1]
    if len(its) > 1:
        assert story.phases[0].whole.start == its[0] and story.phases[-1].whole.end == its[-1]
    for a, b in zip(story.phases, story.phases[1:]):
        assert a.whole.end == b.whole.start and a.kind != b.kind or a.kind == b.kind == "fall"
    value_at = dict(zip(its, values))
    for p in story.phases:
        c = p.whole
        assert value_at[c.start] == c.start_value and value_at[c.end] == c.end_value
        if p.kind in ("fall", "drop", "tail"):
            assert c.end_value < c.start_value
        elif p.kind in ("rise", "divergence"):
            assert c.end_value > c.start_value
        elif p.kind == "plateau" and c.start_value > 0 and c.end_value > 0:
            assert abs(math.log(c.ratio)) < 0.1 + 1e-9
        if p.kind == "divergence":
            assert c.ratio >= 10
        if p.kind == "tail":
            assert p is story.phases[-1] and any(q.kind == "drop" for q in story.phases)
    assert set(story.turning_points) <= set(its)
    if story.direction == "down":
        assert values[-1] < values[0]
    elif story.direction == "up":
        assert values[-1] > values[0]
    assert story.lowest[1] == values.min()


@pytest.mark.slow
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(configs())
def test_learned_agrees_with_the_predictions_and_the_path_with_the_trace(raw):
    trace = _trace(raw)
    if trace is None:
        return
    cfg = trace.config
    L = cfg.network.depth
    last = int(trace.recorded_iterations[-1])
    _, y = cfg.data.arrays()
    pred = trace.get(f"l{L}", last)
    result = outcome(pred, y, last)
    assert result.learned == bool(np.all(np.round(pred) == y))
    if result.learned:   # every output within 0.5 of its 0/1 target
        assert result.worst[1] <= 0.5
        if cfg.network.loss == "half_sse":
            assert float(trace.get("mean_error", last)) <= 0.125
    path = worked_path(trace, 0)
    out = path.layers[-1]
    assert path.loss_before == float(trace.get("loss", 0))
    for u in path.updates:
        assert u.after == u.before - cfg.train.lr * u.gradient.value or (
            abs(u.after - (u.before - cfg.train.lr * u.gradient.value)) <= 1e-12 * max(1.0, abs(u.before)))
    expected = path.difference * (out.derivative if out.derivative is not None else 1.0)
    expected *= path.scale if path.scale is not None else 1.0
    assert math.isclose(out.delta, expected, rel_tol=1e-12, abs_tol=1e-300)
