"""The analysis facts of the article's run, against numbers computed independently here."""

from __future__ import annotations

import numpy as np
import pytest

import tracer
from tracer.analysis import fit, hidden_units, outcome, read_story, read_task, worked_path


@pytest.fixture(scope="module")
def default_trace():
    config = tracer.load_config({"record": {"iterations": "0,1,2,0:60000:200,last"}})
    return tracer.run(config)


def test_worked_path_of_the_article_run(default_trace):
    p = worked_path(default_trace, 0)
    assert p.sample == 3 and p.input_column == 0
    hidden, out = p.layers
    assert hidden.unit == 0 and out.unit == 0
    # the output delta as a product: (l2 − y) · l2 (1 − l2) = 0.5447 × 0.2480 = 0.1351
    assert round(p.difference, 4) == 0.5447 and round(out.derivative, 4) == 0.2480
    assert out.delta == pytest.approx(p.difference * out.derivative, rel=1e-15)
    assert round(out.delta, 4) == 0.1351
    assert p.loss_element == pytest.approx(p.difference ** 2 / 2, rel=1e-15)
    # z1[3, 0] = 1·w0[0,0] + 1·w0[1,0] + 1·w0[2,0]
    w0 = default_trace.get("w0", 0)
    assert hidden.z.value == pytest.approx(w0[:, 0].sum(), rel=1e-15)
    assert [a for a, _ in hidden.z.terms] == [1.0, 1.0, 1.0]
    # hidden error: δ2[3, 0] · w1[0, 0]
    assert hidden.error.value == pytest.approx(out.delta * default_trace.get("w1", 0)[0, 0], rel=1e-15)
    w1_update = p.updates[0]
    assert w1_update.k == 1 and w1_update.index == (0, 0)
    assert (round(w1_update.before, 4), round(w1_update.gradient.value, 5), round(w1_update.after, 4)) == (-0.5911, 0.05749, -0.5968)
    assert w1_update.gradient.value == pytest.approx(sum(a * b for a, b in w1_update.gradient.terms), rel=1e-12)
    assert len(w1_update.gradient.terms) == 5
    assert (round(p.loss_before, 4), round(p.loss_after, 4)) == (0.6074, 0.6055)


def test_loss_after_is_recomputed_when_the_next_iteration_is_not_recorded():
    trace = tracer.run(tracer.load_config({"record": {"iterations": "0,5"}, "train": {"iterations": 10}}))
    full = tracer.run(tracer.load_config({"record": {"iterations": "0,1"}, "train": {"iterations": 10}}))
    assert worked_path(trace, 0).loss_after == pytest.approx(float(full.get("loss", 1)), rel=1e-14)


def test_task_facts_of_the_article_data():
    config = tracer.load_config()
    task = read_task(*config.data.arrays(), config.network.layers)
    assert task.constant == ((2, 1.0),)
    assert task.repeats == ((0, (4,)),)
    assert task.conflicts == ()
    assert (task.functions[0].key, task.functions[0].columns) == ("xor", (0, 1))
    assert task.hidden == (4,)


@pytest.mark.parametrize("targets, key, columns", [
    ([0, 0, 0, 1], "and", (0, 1)), ([0, 1, 1, 1], "or", (0, 1)), ([1, 1, 0, 0], "not_a", (0,)),
    ([0, 1, 0, 1], "a", (1,)), ([1, 0, 0, 0], "nor", (0, 1)), ([0, 0, 1, 0], "a_and_not_b", (0, 1)),
    ([1, 1, 1, 1], "always", ())])
def test_boolean_functions_of_two_columns(targets, key, columns):
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    found = fit(np.array(targets), x)
    assert (found.key, found.columns) == (key, columns)


def test_no_function_when_the_data_do_not_pin_it_down():
    x = np.array([[0, 0, 0], [0, 1, 1], [1, 0, 1], [1, 1, 0]], dtype=float)
    assert fit(np.array([1, 0, 0]), x[:3, :2]) is None   # (1, 1) missing: NOR? NOT (a OR b)? not pinned down
    task = read_task(np.array([[0.0], [0.0]]), np.array([[0.0], [1.0]]), (1, 2, 1))
    assert task.conflicts == ((0, 1),)


def test_hidden_units_of_the_article_run(default_trace):
    units = hidden_units(default_trace, 59999)
    assert len(units) == 4
    l1 = default_trace.get("l1", 59999)
    for u in units:
        assert np.array_equal(u.outputs, l1[:, u.index])
        assert u.on == tuple(bool(v > 0.5) for v in l1[:, u.index])
    assert [(u.rule.key, u.rule.columns) for u in units] == [
        ("a_or_not_b", (0, 1)), ("a_and_not_b", (0, 1)), ("nor", (0, 1)), ("not_a", (0,))]


def test_learned_is_rounded_predictions_equal_targets(default_trace):
    y = tracer.load_config().data.arrays()[1]
    assert outcome(default_trace.get("l2", 59999), y, 59999).learned
    early = outcome(default_trace.get("l2", 0), y, 0)
    assert not early.learned and early.correct == tuple(bool(v) for v in np.round(default_trace.get("l2", 0)).ravel() == y.ravel())
    assert not outcome(np.array([[0.2]]), np.array([[0.3]]), 0).learned   # targets not 0/1


def test_story_of_the_article_run(default_trace):
    its = default_trace.recorded_iterations
    story = read_story(its, default_trace.stack("mean_error"))
    kinds = [p.kind for p in story.phases]
    assert kinds == ["fall", "drop", "tail"]
    fall, drop, tail = story.phases
    assert fall.slowing and tail.slowing and fall.whole.start == 0 and tail.whole.end == 59999
    assert 4000 <= fall.whole.end <= 5400 and drop.whole.end <= 7000
    # the late drop is much steeper than the fall before it, per 1000 iterations
    assert drop.whole.per(1000) < 2 * fall.last.per(1000) < 0
    assert story.unit == 1000 and set(story.turning_points) <= set(int(i) for i in its)


def test_a_curve_over_many_orders_of_magnitude_is_read_as_it_rises():
    # a diverging run: 0.75, then ×22, then ×1000 per step; small values are not clipped to a plateau
    values = [0.749, 16.68, 1.651e4, 1.622e7, 1.577e10, 1.514e13, 1.428e16, 1.317e19, 1.175e22, 9.967e24]
    story = read_story(range(10), values)
    assert [p.kind for p in story.phases] == ["divergence"] and story.direction == "up"


def test_a_fall_to_exactly_zero_is_a_drop():
    story = read_story([0, 10, 20, 30], [0.5, 0.49, 0.0, 0.0])
    assert [p.kind for p in story.phases][:2] == ["plateau", "drop"]
