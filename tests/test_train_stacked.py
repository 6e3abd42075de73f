"""``tracer.run_many``: seeds trained together, each trace bit-identical to ``tracer.run`` of its
seed (every tensor, every recorded iteration), chunked stacks, per-seed errors, and the fallback
to single runs when stacking is not exact."""

from __future__ import annotations

import numpy as np
import pytest

import tracer
from tracer import stacked
from tracer.errors import TrainingError

DEEP = {
    "network": {"layers": [3, 5, 4, 2], "activation": ["tanh", "tanh", "sigmoid"], "bias": "trainable",
                "loss": "bce", "reduction": "mean"},
    "data": {"inputs": [[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]],
             "targets": [[0, 1], [1, 0], [1, 0], [0, 1]]},
    "train": {"lr": 0.3, "iterations": 300},
    "record": {"iterations": "all"},
}
CONFIGS = {
    "article, every iteration": (None, {"train.iterations": 2000, "record.iterations": "all"}),
    "deep, tanh, bias, bce, mean": (DEEP, {}),
    "frozen biases, relu, sum": (DEEP, {"network.bias": "frozen", "network.loss": "half_sse",
                                        "network.reduction": "sum", "network.activation": ["relu", "linear", "sigmoid"]}),
    "tanh hidden, trainable bias": (None, {"network.activation": ["tanh", "sigmoid"], "network.bias": "trainable",
                                           "train.iterations": 1500, "record.iterations": "all"}),
    "wide and two outputs": ({"network": {"layers": [3, 16, 8, 2]}, "data": DEEP["data"],
                              "train": {"iterations": 400}, "record": {"iterations": "all"}}, {}),
}


def assert_same(a: tracer.Trace, b: tracer.Trace) -> None:
    assert a.names == b.names
    assert np.array_equal(a.recorded_iterations, b.recorded_iterations)
    assert a.config == b.config
    for name in a.names:
        assert a.stack(name).shape == b.stack(name).shape, name
        assert np.array_equal(a.stack(name), b.stack(name)), name


@pytest.mark.parametrize("name", list(CONFIGS))
def test_every_trace_equals_the_single_run_of_its_seed(name):
    base, changes = CONFIGS[name]
    cfg = tracer.load_config(base, changes)
    seeds = [1, 2, 3, 7, 11, 40]
    many = tracer.run_many(cfg, seeds)
    assert len(many) == len(seeds)
    for seed, trace in zip(seeds, many):
        assert trace.config.init.seed == seed
        assert_same(trace, tracer.run(tracer.load_config(cfg, {"init.seed": seed})))
        assert not trace.stack("w0").flags.writeable


@pytest.mark.slow
def test_the_article_run_of_60000_iterations_is_identical_for_every_seed():
    seeds = list(range(1, 9))
    for seed, trace in zip(seeds, tracer.run_many(None, seeds)):
        assert_same(trace, tracer.run({"init": {"seed": seed}}))


def test_chunked_stacks_give_the_same_traces_and_report_progress(monkeypatch):
    monkeypatch.setattr(stacked, "MAX_STACK", 4)
    cfg = tracer.load_config(None, {"train.iterations": 500})
    done = []
    many = tracer.run_many(cfg, range(10), progress=done.append)
    assert done == [4, 4, 2]
    for seed, trace in zip(range(10), many):
        assert_same(trace, tracer.run(tracer.load_config(cfg, {"init.seed": seed})))


def test_stack_size_keeps_memory_bounded():
    cfg = tracer.load_config(None)
    floats = sum(int(np.prod(s)) for s in tracer.train.tensor_shapes(cfg).values())
    assert stacked.stack_size(cfg, 60000) == 1   # one seed recording everything is already over budget
    size = stacked.stack_size(cfg, 3000)
    assert 1 < size < stacked.MAX_STACK and size * 8 * 3000 * floats <= stacked.STACK_BYTES
    assert stacked.stack_size(tracer.load_config(None), 9) == stacked.MAX_STACK


def test_a_diverging_seed_reports_its_own_error_and_the_others_train():
    # explicit weights would make every seed equal, so the divergence must depend on the seed:
    # with a linear network and a large step, some seeds blow up and others do not
    cfg = tracer.load_config({"network": {"activation": "linear"}, "train": {"lr": 0.45, "iterations": 3000},
                              "record": {"iterations": "0,last"}})
    seeds = list(range(1, 13))
    many = tracer.run_many(cfg, seeds, errors="return")
    kinds = set()
    for seed, result in zip(seeds, many):
        single_cfg = tracer.load_config(cfg, {"init.seed": seed})
        try:
            expected = tracer.run(single_cfg)
        except TrainingError as exc:
            assert isinstance(result, TrainingError) and str(result) == str(exc)
            kinds.add("diverged")
        else:
            assert_same(result, expected)
            kinds.add("trained")
    assert kinds == {"diverged", "trained"}
    with pytest.raises(TrainingError, match="training diverged"):
        tracer.run_many(cfg, seeds)


def test_worker_processes_give_the_same_traces_errors_and_progress():
    cfg = tracer.load_config({"network": {"activation": "linear"}, "train": {"lr": 0.45, "iterations": 3000},
                              "record": {"iterations": "0,1,2,last"}})
    seeds = list(range(1, 8))
    done = []
    shared = tracer.run_many(cfg, seeds, errors="return", jobs=2, progress=done.append)
    alone = tracer.run_many(cfg, seeds, errors="return")
    assert sum(done) == len(seeds)
    for a, b in zip(shared, alone):
        if isinstance(b, TrainingError):
            assert isinstance(a, TrainingError) and str(a) == str(b)
        else:
            assert_same(a, b)
    with pytest.raises(TrainingError, match="training diverged"):
        tracer.run_many(cfg, seeds, jobs=2)


def test_an_inexact_platform_falls_back_to_single_runs_with_a_note(monkeypatch):
    real = np.matmul

    def off_by_an_ulp(a, b, out):   # a BLAS whose batched product rounds differently
        real(a, b, out=out)
        return np.nextafter(out, np.inf, out=out)

    cfg = tracer.load_config(None, {"train.iterations": 200, "record.iterations": "all"})
    params = {n: np.stack([p, p]) for n, p in tracer.train.initial_parameters(cfg).items()}
    assert stacked.stack_is_exact([cfg, cfg], params)
    monkeypatch.setattr(np, "matmul", off_by_an_ulp)
    assert not stacked.stack_is_exact([cfg, cfg], params)
    notes = []
    many = tracer.run_many(cfg, [1, 2, 3], note=notes.append)
    assert len(notes) == 1 and "one by one" in notes[0]
    for seed, trace in zip([1, 2, 3], many):
        assert_same(trace, tracer.run(tracer.load_config(cfg, {"init.seed": seed})))
    with pytest.warns(RuntimeWarning, match="differs from single runs"):
        tracer.run_many(cfg, [1, 2])


def test_a_huge_record_spec_is_refused_unless_forced():
    cfg = {"network": {"layers": [64, 128, 10]}, "train": {"iterations": 2000},
           "data": {"inputs": np.zeros((200, 64)).tolist(), "targets": np.zeros((200, 10)).tolist()},
           "record": {"iterations": "all"}}
    with pytest.raises(tracer.TracerError, match="--force"):
        tracer.run_many(cfg, [1, 2])


def test_diff_seeds_compares_the_single_runs_of_both_seeds(capsys):
    import json

    from tracer.cli import main
    from tracer.compare import diff
    from tracer.lesson.run import trace_for_lesson

    assert main(["diff", "--seeds", "1", "2", "--iterations", "400", "--align", "--json"]) == 1
    stacked_json = json.loads(capsys.readouterr().out)
    a, b = (trace_for_lesson(tracer.load_config(None, {"train.iterations": 400, "init.seed": s}))[0] for s in (1, 2))
    assert stacked_json == json.loads(json.dumps(diff(a, b, align_units=True).as_dict()))
