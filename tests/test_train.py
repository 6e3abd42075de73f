"""The trainer against independent references: the article's loop (bit for bit), a plain
numpy implementation for other networks, and finite differences."""

from __future__ import annotations

import numpy as np
import pytest

import tracer
from tracer.errors import TracerError, TrainingError
from tracer.train import initial_parameters, objective, tensor_shapes


def article_loop(iterations: int, record: set[int]):
    """The article's computation, written the way its code writes it (x and y are int arrays)."""
    x = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1], [0, 0, 1]])
    y = np.array([[0], [1], [1], [0], [0]])
    np.random.seed(1)
    lr = 0.1
    w0 = 2 * np.random.random(size=(3, 4)) - 1
    w1 = 2 * np.random.random(size=(4, 1)) - 1

    def sig(v, back=False):
        return v * (1 - v) if back else 1 / (1 + np.exp(-v))

    seen = {}
    for j in range(iterations):
        l0 = x
        z1 = np.dot(l0, w0)
        l1 = sig(z1)
        z2 = np.dot(l1, w1)
        l2 = sig(z2)
        l2_error = (l2 - y) ** 2 / 2
        l2_delta = (l2 - y) * sig(l2, back=True)
        l1_error = np.dot(l2_delta, w1.T)
        l1_delta = l1_error * sig(l1, back=True)
        w0_before, w1_before = w0.copy(), w1.copy()
        w1_grad = np.dot(l1.T, l2_delta)
        w0_grad = np.dot(l0.T, l1_delta)
        w1 -= lr * w1_grad
        w0 -= lr * w0_grad
        if j in record:
            seen[j] = dict(
                l0=l0, z1=z1, l1=l1, z2=z2, l2=l2, l2_error=l2_error, l2_delta=l2_delta,
                l1_error=l1_error, l1_delta=l1_delta, w0=w0_before, w1=w1_before,
                w0_grad=w0_grad, w1_grad=w1_grad, w0_next=w0.copy(), w1_next=w1.copy(),
                mean_error=np.mean(l2_error), loss=np.sum(l2_error),
            )
    return seen


@pytest.fixture(scope="module")
def full_trace():
    return tracer.run({"record": {"iterations": "all"}})


def test_every_tensor_bit_identical_at_all_60000_iterations(full_trace):
    reference = article_loop(60000, set(range(60000)))
    assert full_trace.recorded_iterations.tolist() == list(range(60000))
    names = set(full_trace.names)
    for j, tensors in reference.items():
        assert set(tensors) == names
        for name, value in tensors.items():
            got = full_trace.get(name, j)
            assert np.array_equal(got, value), (name, j)


def test_default_record_spec_is_bit_identical_too(full_trace):
    trace = tracer.run()
    assert trace.recorded_iterations.tolist() == [0, 1, 2, 10000, 20000, 30000, 40000, 50000, 59999]
    for name in trace.names:
        assert np.array_equal(trace.stack(name), full_trace.stack(name)[trace.recorded_iterations]), name


def test_pinned_numbers_of_the_article_run():
    # seed_network.out.txt: the first error is exact everywhere; later ones move in the last digit
    # or two between BLAS builds (the article's own code does the same), so they are pinned to 1e-13.
    trace = tracer.run()
    mean = trace.stack("mean_error")
    assert float(mean[0]) == 0.12147927773116377
    printed = [0.0016428776802080124, 0.0004698892266159511, 0.0002577862541365471,
               0.00017372224218744633, 0.0001295282321497826]
    np.testing.assert_allclose(mean[3:8], printed, rtol=1e-13)
    final_l2 = [0.0078704, 0.98526917, 0.98369889, 0.02046995, 0.0078704]
    np.testing.assert_allclose(trace.get("l2", -1)[:, 0], final_l2, atol=6e-9)
    w0 = [[2.50383654, 4.47960883, -6.78185444, -6.03449232],
          [-0.46542655, -6.76283367, -6.84314425, 0.03388156],
          [0.11558385, -1.82983782, 2.55824155, 2.57533508]]
    np.testing.assert_allclose(trace.get("w0_next", -1), w0, atol=6e-9)
    np.testing.assert_allclose(trace.get("w1_next", -1)[:, 0],
                               [-4.71683644, 9.04079913, -10.63778979, 6.75921608], atol=6e-9)


ACT = {
    "sigmoid": (lambda z: 1 / (1 + np.exp(-z)), lambda a: a * (1 - a)),
    "tanh": (np.tanh, lambda a: 1 - a ** 2),
    "relu": (lambda z: np.where(z > 0, z, 0.0), lambda a: (a > 0).astype(float)),
    "linear": (lambda z: z.copy(), lambda a: np.ones_like(a)),
}


def reference_step(cfg, params):
    """An independent plain-numpy iteration (einsum and explicit sums instead of the trainer's buffers)."""
    net = cfg.network
    x, y = cfg.data.arrays()
    L = net.depth
    out = {"l0": x}
    a = x
    for k in range(L):
        z = np.einsum("ni,ij->nj", a, params[f"w{k}"]) + (params[f"b{k}"] if f"b{k}" in params else 0.0)
        a = ACT[net.activation[k]][0](z)
        out[f"z{k + 1}"], out[f"l{k + 1}"] = z, a
    if net.loss == "bce":
        err = -(y * np.log(a) + (1 - y) * np.log(1 - a))
        d = a - y
    else:
        err = 0.5 * (a - y) ** 2
        d = (a - y) * ACT[net.activation[-1]][1](a)
    scale = 1.0 / y.size if net.reduction == "mean" else 1.0
    out[f"l{L}_error"], out["mean_error"] = err, err.mean()
    out["loss"] = err.sum() * scale
    d = d * scale
    out[f"l{L}_delta"] = d
    for k in range(L - 1, 0, -1):
        e = np.einsum("nj,ij->ni", d, params[f"w{k}"])
        d = e * ACT[net.activation[k - 1]][1](out[f"l{k}"])
        out[f"l{k}_error"], out[f"l{k}_delta"] = e, d
    for k in range(L):
        out[f"w{k}"] = params[f"w{k}"]
        out[f"w{k}_grad"] = np.einsum("ni,nj->ij", out[f"l{k}"], out[f"l{k + 1}_delta"])
        out[f"w{k}_next"] = params[f"w{k}"] - cfg.train.lr * out[f"w{k}_grad"]
        if f"b{k}" in params:
            out[f"b{k}"] = params[f"b{k}"]
            out[f"b{k}_grad"] = out[f"l{k + 1}_delta"].sum(axis=0)
            step = cfg.train.lr * out[f"b{k}_grad"] if net.bias == "trainable" else 0.0
            out[f"b{k}_next"] = params[f"b{k}"] - step
    return out


DEEP = {
    "network": {"layers": [3, 5, 4, 2], "activation": ["tanh", "tanh", "sigmoid"], "bias": "trainable",
                "loss": "bce", "reduction": "mean"},
    "data": {"inputs": [[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]],
             "targets": [[0, 1], [1, 0], [1, 0], [0, 1]]},
    "init": {"seed": 3},
    "train": {"lr": 0.3, "iterations": 50},
    "record": {"iterations": "all"},
}


@pytest.mark.parametrize("variant", [
    {},
    {"network.bias": "frozen"},
    {"network.loss": "half_sse", "network.reduction": "sum"},
    {"network.activation": ["relu", "linear", "sigmoid"], "network.loss": "half_sse"},
    {"network.activation": ["sigmoid", "relu", "tanh"], "network.loss": "half_sse", "network.bias": "none"},
])
def test_every_tensor_matches_an_independent_reference(variant):
    cfg = tracer.load_config(DEEP, variant)
    trace = tracer.run(cfg)
    assert set(trace.names) == set(tensor_shapes(cfg))
    params = {k: v.copy() for k, v in initial_parameters(cfg).items()}
    for j in range(cfg.train.iterations):
        expected = reference_step(cfg, params)
        assert set(expected) == set(trace.names)
        for name, value in expected.items():
            np.testing.assert_allclose(trace.get(name, j), value, rtol=1e-12, atol=1e-14, err_msg=f"{name} at {j}")
        params = {k: np.array(trace.get(f"{k}_next", j)) for k in params}


def test_gradients_match_finite_differences_on_the_deep_network():
    cfg = tracer.load_config(DEEP, {"record.iterations": "7"})
    trace = tracer.run(cfg)
    params = {k: np.array(trace.get(k, 7)) for k in initial_parameters(cfg)}
    for name, value in params.items():
        grad = trace.get(f"{name}_grad", 7)
        for index in np.ndindex(value.shape):
            h = 1e-6
            plus = {k: v.copy() for k, v in params.items()}
            minus = {k: v.copy() for k, v in params.items()}
            plus[name][index] += h
            minus[name][index] -= h
            fd = (objective(cfg, plus) - objective(cfg, minus)) / (2 * h)
            assert fd == pytest.approx(grad[index], rel=1e-5, abs=1e-9), (name, index)


def test_frozen_biases_are_added_but_never_updated():
    cfg = tracer.load_config(DEEP, {"network.bias": "frozen", "init.values": None})
    cfg = tracer.load_config(DEEP, {"network.bias": "frozen"})
    trace = tracer.run(cfg)
    assert np.array_equal(trace.stack("b0_next"), trace.stack("b0"))
    assert np.abs(trace.stack("b0_grad")).max() > 0


def test_explicit_weights_and_biases_are_used():
    trace = tracer.run("examples/explicit_weights.toml")
    assert np.array_equal(trace.get("w0", 0), [[0.15, 0.25], [0.20, 0.30]])
    assert np.array_equal(trace.get("b1", 0), [0.6, 0.6])
    # Mazur's worked example: total error 0.298371109 and w5 after one step 0.35891648
    assert float(trace.get("loss", 0)) == pytest.approx(0.298371109, abs=1e-9)
    assert trace.get("w1_next", 0)[0, 0] == pytest.approx(0.35891648, abs=1e-8)


def test_biases_start_at_zero_and_leave_the_weight_stream_alone():
    plain = tracer.run({"train": {"iterations": 1}})
    biased = tracer.run({"train": {"iterations": 1}, "network": {"bias": "trainable"}})
    assert np.array_equal(plain.get("w0", 0), biased.get("w0", 0))
    assert np.array_equal(biased.get("b0", 0), np.zeros(4))
    assert np.array_equal(plain.get("l2", 0), biased.get("l2", 0))


@pytest.mark.parametrize("preset,n_in", [("xor", 2), ("and", 2), ("or", 2), ("trask", 3), ("seed", 3)])
def test_presets_set_the_input_width(preset, n_in):
    trace = tracer.run({"data": {"preset": preset}, "train": {"iterations": 3}})
    assert trace.config.network.layers == (n_in, 4, 1)
    assert trace.get("l0", 0).shape[1] == n_in


def test_a_wide_network_runs_and_records_shapes():
    rng = np.random.default_rng(0)
    cfg = {"network": {"layers": [64, 128, 10]}, "train": {"iterations": 4},
           "data": {"inputs": rng.random((20, 64)).tolist(), "targets": rng.random((20, 10)).tolist()}}
    trace = tracer.run(cfg)
    assert trace.get("w0_grad", 0).shape == (64, 128)
    assert trace.get("l1_error", 3).shape == (20, 128)


def test_divergence_names_the_iteration_and_tensor():
    cfg = {"network": {"activation": "linear"}, "train": {"lr": 5.0, "iterations": 5000},
           "record": {"iterations": "0"}}
    with pytest.raises(TrainingError, match=r"training diverged: \w+ holds NaN or inf at iteration \d+"):
        tracer.run(cfg)


def test_divergence_iteration_is_the_first_non_finite_one():
    cfg = tracer.load_config({"network": {"activation": "linear"}, "train": {"lr": 5.0, "iterations": 3000},
                              "record": {"iterations": "0"}})
    with pytest.raises(TrainingError) as info:
        tracer.run(cfg)
    j = int(str(info.value).split("at iteration ")[1].split(";")[0])
    # every tensor is finite one iteration earlier
    before = tracer.run(tracer.load_config(cfg, {"train.iterations": j, "record.iterations": "all"}))
    assert all(np.isfinite(before.stack(n)).all() for n in before.names)


def test_a_huge_record_spec_is_refused_unless_forced():
    cfg = {"network": {"layers": [64, 128, 10]}, "train": {"iterations": 2000},
           "data": {"inputs": np.zeros((200, 64)).tolist(), "targets": np.zeros((200, 10)).tolist()},
           "record": {"iterations": "all"}}
    with pytest.raises(TracerError, match=r"about \d+\.\d GiB.*--force"):
        tracer.run(cfg)
