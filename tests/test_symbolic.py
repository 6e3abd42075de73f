"""tracer.symbolic: pinned LaTeX, the symbolic identity, numbers against the trace, the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import tracer
from tracer.config import Network
from tracer.errors import DerivationError

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def cache_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("NNTRACE_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture(scope="module")
def seed():
    return {d.weight: d for d in tracer.derive(None, iteration=0)}


def deep_config(activation="tanh", bias="trainable", loss="half_sse", reduction="sum", layers=(3, 5, 4, 2)):
    rng = np.random.default_rng(0)
    n_out = layers[-1]
    targets = rng.random((4, n_out)).round(3).tolist()
    return {"network": {"layers": list(layers), "activation": activation, "bias": bias, "loss": loss,
                        "reduction": reduction},
            "data": {"inputs": rng.normal(size=(4, layers[0])).round(3).tolist(), "targets": targets},
            "train": {"lr": 0.1, "iterations": 20}}


# -- pinned LaTeX for the seed network --------------------------------------------------------

SEED_W0 = (r"\frac{\partial E}{\partial w^{(0)}_{ij}} = \sum_{n} \left(l^{(2)}_{n} - y_{n}\right) \cdot "
           r"l^{(2)}_{n} \left(1 - l^{(2)}_{n}\right) \cdot w^{(1)}_{j} \cdot l^{(1)}_{nj} \left(1 - l^{(1)}_{nj}\right) \cdot l^{(0)}_{ni}")
SEED_W1 = (r"\frac{\partial E}{\partial w^{(1)}_{j}} = \sum_{n} \left(l^{(2)}_{n} - y_{n}\right) \cdot "
           r"l^{(2)}_{n} \left(1 - l^{(2)}_{n}\right) \cdot l^{(1)}_{nj}")


def test_seed_latex_is_pinned(seed):
    assert seed["w0[0,0]"].latex == SEED_W0
    assert seed["w1[0,0]"].latex == SEED_W1
    assert seed["w0[0,0]"].matrix_latex == r"\frac{\partial E}{\partial w^{(0)}} = {l^{(0)}}^{\top} \delta^{(1)}"
    assert seed["w1[0,0]"].matrix_latex == r"\frac{\partial E}{\partial w^{(1)}} = {l^{(1)}}^{\top} \delta^{(2)}"
    assert [f.latex for f in seed["w0[0,0]"].factors] == [
        r"l^{(2)}_{n} - y_{n}", r"l^{(2)}_{n} \left(1 - l^{(2)}_{n}\right)", r"w^{(1)}_{j}",
        r"l^{(1)}_{nj} \left(1 - l^{(1)}_{nj}\right)", r"l^{(0)}_{ni}"]
    assert [f.name for f in seed["w0[0,0]"].factors] == ["dE/dl2", "dl2/dz2", "dz2/dl1", "dl1/dz1", "dz1/dw0"]


def test_seed_deltas_are_pinned(seed):
    deltas = seed["w0[0,0]"].deltas
    assert [d["layer"] for d in deltas] == [2, 1]
    assert deltas[0]["matrix_latex"] == r"\delta^{(2)} = \left(l^{(2)} - y\right) \odot l^{(2)} \odot \left(1 - l^{(2)}\right)"
    assert deltas[1]["matrix_latex"] == (r"\delta^{(1)} = \left(\delta^{(2)} {w^{(1)}}^{\top}\right) \odot l^{(1)} "
                                         r"\odot \left(1 - l^{(1)}\right)")
    assert deltas[1]["latex"] == r"\delta^{(1)}_{nj} = \delta^{(2)}_{n} w^{(1)}_{j} \cdot l^{(1)}_{nj} \left(1 - l^{(1)}_{nj}\right)"


def test_seed_numbers_match_the_article(seed):
    # the article's first step, computed independently here
    x = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1], [0, 0, 1]], dtype=float)
    y = np.array([[0], [1], [1], [0], [0]], dtype=float)
    np.random.seed(1)
    w0 = 2 * np.random.random((3, 4)) - 1
    w1 = 2 * np.random.random((4, 1)) - 1
    l1 = 1 / (1 + np.exp(-x @ w0))
    l2 = 1 / (1 + np.exp(-l1 @ w1))
    d2 = (l2 - y) * l2 * (1 - l2)
    d1 = d2 @ w1.T * l1 * (1 - l1)
    for name, grad in (("w0[0,0]", x.T @ d1), ("w1[0,0]", l1.T @ d2)):
        d = seed[name]
        assert d.agree and d.proved
        assert d.numpy_value == pytest.approx(grad[0, 0], rel=1e-12)
        assert d.value == pytest.approx(d.numpy_value, rel=1e-12)
        assert d.finite_difference == pytest.approx(d.value, rel=1e-6)
    assert seed["w0[0,0]"].factors[0].values == pytest.approx((l2 - y)[:, 0].tolist(), rel=1e-15)


def test_substituted_latex_uses_digits():
    (d,) = tracer.derive(None, "w1[2,0]", 0, digits=3)
    assert d.substituted_latex.startswith(r"\frac{\partial E}{\partial w^{(1)}_{2}} = 0.474 \cdot 0.249 \cdot ")
    assert d.substituted_latex.endswith(f"= {d.value:.3g}")


def test_a_negative_factor_keeps_its_parentheses_first_in_a_term_too():
    (d,) = tracer.derive(None, "w1[0,0]", 0, digits=4)
    # sample 1's first factor l2 - y is -0.511: its term is added, not turned into a subtraction
    assert r" + \left(-0.511\right) \cdot 0.2499 \cdot 0.2864 + " in d.substituted_latex
    assert " - 0.511" not in d.substituted_latex
    from tracer.symbolic.notation import latex

    tree = ["terms", False, ["chain", ["float", 2.0], ["float", 3.0]], ["chain", ["float", -2.0], ["float", -3.0]]]
    assert latex(tree) == r"2 \cdot 3 + \left(-2\right) \cdot \left(-3\right)"


def all_latex(derivations):
    for d in derivations:
        yield from (d.latex, d.matrix_latex, d.substituted_latex)
        yield from (f.latex for f in d.factors)
        for delta in d.deltas:
            yield from (delta["latex"], delta["matrix_latex"])


@pytest.mark.parametrize("config", [None, deep_config(), deep_config("relu", "frozen", reduction="mean", layers=(2, 3, 1)),
                                    deep_config("sigmoid", "none", "bce", "mean", layers=(2, 3, 3, 2))])
def test_every_latex_string_converts_with_latex2mathml(config):
    from latex2mathml.converter import convert

    strings = list(all_latex(tracer.derive(config, iteration=1)))
    assert len(strings) > 10
    for text in strings:
        assert r"\begin{aligned}" not in text
        mathml = convert(text)
        assert "<mi>\\" not in mathml, (text, mathml)
        assert "<merror" not in mathml


# -- the symbolic identity ------------------------------------------------------------------

def small_networks():
    for activation in ("sigmoid", "tanh", "relu", "linear"):
        for loss in ("half_sse", "bce"):
            for reduction in ("sum", "mean"):
                for bias in ("none", "trainable", "frozen"):
                    output = "sigmoid" if loss == "bce" else activation
                    yield Network((2, 2, 1), (activation, output), bias, loss, reduction)


@pytest.mark.parametrize("network", list(small_networks()), ids=lambda n: "-".join((*n.activation, n.bias, n.loss, n.reduction)))
def test_product_of_factors_equals_sympy_diff(network):
    from tracer.symbolic.chain import build
    from tracer.symbolic.proof import prove

    arch = build(network)
    for name, spec in arch.chains.items():
        last = tuple(n - 1 for n in (network.layers[int(name[1])], network.layers[int(name[1]) + 1])) \
            if name[0] == "w" else (network.layers[int(name[1]) + 1] - 1,)
        assert prove(network, spec, last), name


def test_proof_fails_for_a_wrong_chain():
    import sympy as sp
    from tracer.symbolic.chain import build
    from tracer.symbolic.proof import prove

    network = Network((2, 2, 2), ("tanh", "sigmoid"), "trainable")
    spec = build(network).chains["w0"]
    good = prove(network, spec, (1, 0))
    spec.factors[1] = (spec.factors[1][0], spec.factors[1][1] * sp.Rational(1, 2))   # halve dl2/dz2
    assert good and not prove(network, spec, (1, 0))


def test_deeper_network_proof_and_every_element():
    from tracer.symbolic import check_gradients

    config = deep_config(layers=(3, 3, 2, 2))
    derivations = tracer.derive(config, iteration=4)
    assert [d.weight for d in derivations] == ["w0[0,0]", "w1[0,0]", "w2[0,0]", "b0[0]", "b1[0]", "b2[0]"]
    assert all(d.agree and d.proved is None for d in derivations)   # too deep for derive's own proof
    from tracer.symbolic.chain import build
    from tracer.symbolic.proof import prove

    network = tracer.load_config(config).network
    spec = build(network).chains["w0"]
    assert prove(network, spec, (2, 1))
    trace = tracer.run(tracer.load_config(config, {"record.iterations": "0,4,19"}))
    for it in (0, 4, 19):
        worst = check_gradients(trace, it)
        assert set(worst) == {"w0", "w1", "w2", "b0", "b1", "b2"} and max(worst.values()) <= 1e-12


# -- numbers --------------------------------------------------------------------------------

def test_disagreement_is_an_error_naming_the_three_values():
    trace = tracer.run(tracer.load_config(None, {"record.iterations": "0", "train.iterations": 1}))
    trace.arrays["w0_grad"] = trace.arrays["w0_grad"].copy()
    trace.arrays["w0_grad"][0, 1, 2] *= 1 + 1e-9
    tracer.derive(trace, "w0[1,1]")   # an untouched element still agrees
    with pytest.raises(DerivationError, match=r"w0\[1,2\].*iteration 0.*derived.*numpy.*finite difference"):
        tracer.derive(trace, "w0[1,2]")


def test_factors_of_deep_networks_run_over_the_layer_above():
    (d,) = tracer.derive(deep_config(), "w0[2,4]", iteration=0)
    by_name = {f.name: f for f in d.factors}
    assert by_name["dl3/dz3"].indices == ("n", "m") and by_name["dl3/dz3"].shape == (4, 2)
    assert by_name["dz2/dl1"].indices == ("k",) and by_name["dz2/dl1"].shape == (4,)
    assert list(d.as_dict()["factors"][0]["value"]) == ["0", "1", "2", "3"]
    assert r"\cdots" in d.substituted_latex   # 4 samples × 4 × 2 units: too many terms to show


@pytest.mark.parametrize("weight, message", [
    ("w0[3,0]", r"w0 has shape \[3, 4\].*0\.\.2, 0\.\.3"),
    ("w2[0,0]", r"'w2' does not exist.*w0\[3, 4\], w1\[4, 1\]"),
    ("b0[0]", r"'b0' does not exist \(biases need"),
    ("w0[0]", r"out of range"),
    ("v0[0,0]", r"not of the form"),
])
def test_bad_weights_list_the_valid_range(weight, message):
    with pytest.raises(DerivationError, match=message):
        tracer.derive(None, weight)


# -- hypothesis: random small networks ---------------------------------------------------------

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings, strategies as st  # noqa: E402


@st.composite
def random_configs(draw):
    layers = draw(st.lists(st.integers(1, 4), min_size=3, max_size=4))
    activations = draw(st.lists(st.sampled_from(["sigmoid", "tanh", "relu", "linear"]),
                                min_size=len(layers) - 1, max_size=len(layers) - 1))
    loss = draw(st.sampled_from(["half_sse", "bce"]))
    if loss == "bce":
        activations[-1] = "sigmoid"
    n = draw(st.integers(1, 5))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    return {"network": {"layers": layers, "activation": activations, "loss": loss,
                        "bias": draw(st.sampled_from(["none", "trainable", "frozen"])),
                        "reduction": draw(st.sampled_from(["sum", "mean"]))},
            "data": {"inputs": rng.normal(size=(n, layers[0])).tolist(), "targets": rng.random((n, layers[-1])).tolist()},
            "init": {"seed": seed}, "train": {"lr": 0.05, "iterations": 3}}


@settings(max_examples=25, deadline=None)
@given(random_configs(), st.integers(0, 2))
def test_random_networks_derive_the_trace_gradients(config, iteration):
    from tracer.symbolic import check_gradients

    trace = tracer.run(tracer.load_config(config, {"record.iterations": "all"}))
    worst = check_gradients(trace, iteration)
    assert max(worst.values()) <= 1e-12
    for d in tracer.derive(trace, iteration=iteration):
        assert d.agree and d.iteration == iteration
        grad = trace.get(f"{d.parameter}_grad", iteration)[d.index]
        assert abs(d.value - grad) <= 1e-12 * max(abs(grad), 1e-300) or abs(d.value - grad) < 1e-15


# -- command line ---------------------------------------------------------------------------

def run_cli(*args, env_dir):
    env = {"NNTRACE_CACHE_DIR": str(env_dir), "PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-m", "tracer", *args], capture_output=True, text=True, env=env, cwd=ROOT)


def test_cli_json_has_the_agreed_keys(cache_folder, tmp_path):
    from tracer.cli import main

    trace = tracer.run(tracer.load_config(None, {"record.iterations": "0,3", "train.iterations": 4}))
    trace.save(tmp_path / "t.npz")
    done = run_cli("derive", str(tmp_path / "t.npz"), "--iteration", "3", "--weight", "w0[1,2]", "--json",
                   env_dir=cache_folder)
    assert done.returncode == 0, done.stderr
    (obj,) = json.loads(done.stdout)
    for key in ("weight", "iteration", "latex", "matrix_latex", "substituted_latex", "factors", "value",
                "numpy_value", "finite_difference", "agree"):
        assert key in obj
    assert obj["weight"] == "w0[1,2]" and obj["iteration"] == 3 and obj["agree"] is True
    assert obj["factors"][0]["value"]["4"] == trace.get("l2", 3)[4, 0] - 0.0
    assert obj["numpy_value"] == trace.get("w0_grad", 3)[1, 2]
    assert main(["derive", "--weight", "w0[1,2]", "--iteration", "2"]) == 0


def test_cli_errors_are_one_line_exit_2(cache_folder):
    done = run_cli("derive", "--weight", "w9[0,0]", env_dir=cache_folder)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "w0[3, 4]" in done.stderr and "Traceback" not in done.stderr


def test_cli_text_output(capsys):
    from tracer.cli import main

    assert main(["derive", "--layers", "2,2,1", "--data", "xor", "--weight", "w1[1,0]"]) == 0
    out = capsys.readouterr().out
    assert "∂E/∂w1[1,0] at iteration 0" in out and "agree              yes" in out


def test_parser_does_not_import_sympy():
    code = "import sys, tracer.cli; tracer.cli.build_parser(); print('sympy' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert done.stdout.strip() == "False", done.stderr


@pytest.mark.parametrize("example", sorted((ROOT / "examples").glob("*.toml")), ids=lambda p: p.name)
def test_shipped_examples_agree(example):
    for iteration in (0, 1, 2):
        assert all(d.agree for d in tracer.derive(example, iteration=iteration))
