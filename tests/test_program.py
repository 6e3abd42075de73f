"""The generated numpy program prints the trace's numbers, bit for bit, for every kind of network."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import tracer
from tracer.program import printed_iterations, program, step, steps


def _run_program(config, tmp_path) -> tuple[list[tuple[int, float, float]], list[np.ndarray]]:
    """Run the generated script; return its (j, E, mean error) lines and the arrays it prints after."""
    script = tmp_path / "net.py"
    script.write_text(program(config), encoding="utf-8")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, check=True, timeout=300)
    lines = done.stdout.splitlines()
    n_prints = len(printed_iterations(config))
    losses = [(int(j), float(e), float(m)) for j, e, m in (line.split() for line in lines[:n_prints])]
    arrays, current = [], []
    for line in lines[n_prints:]:
        current.append(line)
        if line.count("]") - line.count("[") >= 0 and "".join(current).count("[") == "".join(current).count("]"):
            text = " ".join(current).replace("[", " ").replace("]", " ")
            arrays.append(np.array([float(v) for v in text.split()]))
            current = []
    return losses, arrays


CONFIGS = {
    "default-short": {"train": {"iterations": 300}},
    "tanh-relu-bias": {"network": {"layers": [3, 5, 1], "activation": ["tanh", "sigmoid"], "bias": "trainable"},
                       "train": {"iterations": 200, "lr": 0.3}},
    "relu-linear-frozen": {"network": {"layers": [3, 4, 1], "activation": ["relu", "linear"], "bias": "frozen"},
                           "train": {"iterations": 150, "lr": 0.05}, "init": {"seed": 3}},
    "deep-bce-mean": {"network": {"layers": [3, 5, 4, 1], "activation": ["tanh", "relu", "sigmoid"],
                                  "bias": "trainable", "loss": "bce", "reduction": "mean"},
                      "train": {"iterations": 120, "lr": 0.5}, "init": {"seed": 2}},
    "half-sse-mean-xor": {"network": {"layers": [2, 3, 2], "reduction": "mean"}, "data": {"inputs": [[0, 0], [0, 1], [1, 0], [1, 1]], "targets": [[0, 1], [1, 0], [1, 0], [0, 1]]},
                          "train": {"iterations": 50, "lr": 0.7}},
    "explicit": "examples/explicit_weights.toml",
    "one-iteration": {"train": {"iterations": 1}},
}


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_program_prints_the_trace_bit_for_bit(name, tmp_path):
    source = CONFIGS[name]
    config = tracer.load_config(source)
    printed = printed_iterations(config)
    last = config.train.iterations - 1
    spec = ",".join(str(j) for j in printed)
    trace = tracer.run(tracer.load_config(config.as_dict() | {"record": {"iterations": spec}}))
    losses, arrays = _run_program(config, tmp_path)
    assert [j for j, _, _ in losses] == printed
    for j, e, m in losses:
        assert e == float(trace.get("loss", j)) and m == float(trace.get("mean_error", j)), j
    L = config.network.depth
    expected = [trace.get(f"l{L}", last)]
    for k in range(L):
        expected.append(trace.get(f"w{k}_next", last))
        if config.network.bias != "none":
            expected.append(trace.get(f"b{k}_next", last))
    assert len(arrays) == len(expected)
    for got, want in zip(arrays, expected):
        assert np.array_equal(got, want.ravel())


@pytest.mark.slow
def test_default_program_prints_the_article_numbers(tmp_path):
    """The whole 60000-iteration default program: the trace bit for bit, the article's printed errors
    to 1e-13 (the last digits of the article's own output move between BLAS builds)."""
    config = tracer.load_config()
    trace = tracer.run(config)
    losses, arrays = _run_program(config, tmp_path)
    assert [m for _, _, m in losses] == [float(trace.get("mean_error", j)) for j, _, _ in losses]
    article = [0.12147927773116377, 0.0016428776802080124, 0.0004698892266159511,
               0.0002577862541365471, 0.00017372224218744633, 0.0001295282321497826]
    assert np.allclose([m for _, _, m in losses[:6]], article, rtol=1e-13, atol=0)
    assert np.array_equal(arrays[1], trace.get("w0_next", 59999).ravel())
    assert np.allclose(arrays[1], [2.50383654, 4.47960883, -6.78185444, -6.03449232, -0.46542655, -6.76283367,
                                   -6.84314425, 0.03388156, 0.11558385, -1.82983782, 2.55824155, 2.57533508])


def test_each_recorded_tensor_has_a_step_that_computes_it():
    config = tracer.load_config({"network": {"layers": [3, 5, 4, 1], "bias": "trainable"}})
    assigned = {name for s in steps(config) for name in s.assigns}
    from tracer.train import tensor_shapes

    recorded = set(tensor_shapes(config)) - {"l0"}
    recorded -= {n for n in recorded if n.endswith("_next")} | {f"w{k}" for k in range(3)} | {f"b{k}" for k in range(3)}
    assert recorded <= assigned
    assert len({s.id for s in steps(config)}) == len(steps(config))


def test_step_code_names_shapes_of_every_product():
    config = tracer.load_config()
    assert step(config, "error.l1").code == "l1_error = np.dot(l2_delta, w1.T)   # (5, 1) · (1, 4) -> (5, 4)"
    assert step(config, "grad.w0").code == "w0_grad = np.dot(l0.T, l1_delta)   # (3, 5) · (5, 4) -> (3, 4)"
    with pytest.raises(KeyError, match="grad.w0"):
        step(config, "grad.w7")


def test_frozen_bias_has_a_gradient_but_no_update():
    ids = [s.id for s in steps(tracer.load_config({"network": {"bias": "frozen"}}))]
    assert "grad.b0" in ids and "update.b0" not in ids and "update.w0" in ids


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "linear"])
def test_activation_code_computes_the_table_bit_for_bit(name):
    from tracer.activations import ACTIVATIONS
    from tracer.program import activation_code

    forward, back = activation_code(name)
    z = np.random.default_rng(0).normal(size=(7, 3)) * 4
    z[0, 0] = 0.0
    a = ACTIVATIONS[name].forward(z)
    assert np.array_equal(np.broadcast_to(eval(forward, {"np": np, "x": z}), z.shape), a)
    assert np.array_equal(np.broadcast_to(eval(back, {"np": np, "x": a}), a.shape), ACTIVATIONS[name].derivative(a))
