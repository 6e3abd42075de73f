"""The derivation cache: trees on disk, warm runs without sympy, and entries that are checked, not trusted."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import tracer
from tracer.config import Network
from tracer.symbolic import cache, convert, forms
from tracer.symbolic.tree import TreeError, layer_letters, validate

ROOT = Path(__file__).resolve().parents[1]
NETWORK = Network((2, 2, 1), ("tanh", "sigmoid"), "trainable")
NETWORK_CONFIG = {"network": {"layers": [2, 2, 1], "activation": ["tanh", "sigmoid"], "bias": "trainable"},
                  "data": {"preset": "xor"}}


@pytest.fixture(autouse=True)
def folder(tmp_path, monkeypatch):
    monkeypatch.setenv("NNTRACE_CACHE_DIR", str(tmp_path / "cache"))
    cache.clear_memory()
    yield tmp_path / "cache"
    cache.clear_memory()


def count_builds(monkeypatch) -> list:
    calls = []
    real = convert.build_chains
    monkeypatch.setattr(convert, "build_chains", lambda network: calls.append(network) or real(network))
    return calls


def entry() -> tuple[Path, dict]:
    path = cache.entry_path(NETWORK)
    return path, json.loads(path.read_text())


def test_miss_writes_trees_then_disk_hit_skips_sympy_work(folder, monkeypatch):
    calls = count_builds(monkeypatch)
    first = cache.architecture(NETWORK)
    path, data = entry()
    assert calls == [NETWORK] and path.parent == folder
    assert data["factors"]["w1"][0] == ["dE/dl2", ["add", ["idx", "l2", "n"], ["mul", ["num", -1, 1], ["idx", "y", "n"]]]]
    assert "latex" not in json.dumps(data)   # formulas are stored as trees, never as LaTeX
    cache.clear_memory()
    second = cache.architecture(NETWORK)
    assert calls == [NETWORK] and second.from_disk   # read from disk, not rebuilt
    assert second.factors == first.factors
    assert cache.architecture(NETWORK) is second   # process cache


def test_derivations_from_disk_equal_fresh_ones(folder):
    fresh = tracer.derive(NETWORK_CONFIG, iteration=0)
    cache.clear_memory()
    again = tracer.derive(NETWORK_CONFIG, iteration=0)
    assert [d.as_dict() for d in again] == [d.as_dict() for d in fresh]


# -- tampered entries: refused or caught by the checks, rebuilt with a note, right output --------------

def _set(path: list, value):
    def change(data):
        target = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    return change


def _move_a_factor_two(data):
    # the product stays right, each factor is wrong: only the per-factor check can tell
    factors = data["factors"]["w1"]
    factors[0][1] = ["mul", ["num", 2, 1], factors[0][1]]
    factors[1][1] = ["mul", ["num", 1, 2], *factors[1][1][1:]]


def _negate_both(data):
    for parameter in data["factors"].values():
        parameter[0][1] = ["add", ["idx", "y", "n"], ["mul", ["num", -1, 1], ["idx", "l2", "n"]]]


def _deep(data):
    tree = ["idx", "l2", "n"]
    for _ in range(500):
        tree = ["step", tree]
    data["factors"]["w0"][0][1] = tree


TAMPERED = {
    "wrong formula": _set(["factors", "w1", 0, 1], ["idx", "l2", "n"]),
    "sign of the error flipped": _negate_both,
    "a factor 2 moved between factors": _move_a_factor_two,
    "huge power": _set(["factors", "w1", 0, 1], ["pow", ["num", 10, 1], ["num", 10**9, 1]]),
    "huge number": _set(["factors", "w1", 0, 1], ["num", 10**400, 1]),
    "float number": _set(["factors", "w1", 0, 1], ["num", 1e308, 1]),
    "unknown node": _set(["factors", "w1", 0, 1], ["call", "__import__", "os"]),
    "markup in a name": _set(["factors", "w1", 2, 1], ["idx", r"\href{javascript:alert(1)}{l}", "n", "j"]),
    "markup in an index": _set(["factors", "w1", 2, 1], ["idx", "l1", "n", "<img src=x onerror=alert(1)>"]),
    "wrong indices": _set(["factors", "w1", 2, 1], ["idx", "l1", "j", "n"]),
    "renamed factor": _set(["factors", "w1", 0, 0], "dE/dl9"),
    "deep nesting": _deep,
    "proof claims that are not element names": _set(["proofs"], ["<b>w0</b>"]),
}


@pytest.mark.parametrize("damage", list(TAMPERED), ids=list(TAMPERED))
def test_tampered_entry_is_rebuilt_with_a_note_and_right_output(folder, monkeypatch, capsys, damage):
    fresh = [d.as_dict() for d in tracer.derive(NETWORK_CONFIG, iteration=0)]
    path, data = entry()
    TAMPERED[damage](data)
    path.write_text(json.dumps(data))
    cache.clear_memory()
    capsys.readouterr()
    calls = count_builds(monkeypatch)
    again = [d.as_dict() for d in tracer.derive(NETWORK_CONFIG, iteration=0)]
    err = capsys.readouterr().err
    assert calls == [NETWORK], "the entry was used instead of rebuilt"
    assert err.count("\n") == 1 and "rebuilding it" in err and "Traceback" not in err
    assert again == fresh
    assert "<img" not in err and "javascript" not in err   # the note does not echo the payload
    assert json.loads(path.read_text()) != data   # replaced by a good entry


@pytest.mark.parametrize("damage", ["not json {", json.dumps({"key": "other"}), json.dumps([1, 2]),
                                    "\xff\xfe", "[" * 100000])
def test_garbage_or_stale_entry_is_rebuilt_with_a_note(folder, monkeypatch, capsys, damage):
    cache.architecture(NETWORK)
    path = cache.entry_path(NETWORK)
    path.write_bytes(damage.encode("latin-1"))
    cache.clear_memory()
    calls = count_builds(monkeypatch)
    chains = cache.architecture(NETWORK)
    assert calls == [NETWORK] and "w0" in chains.factors and not chains.from_disk
    assert "rebuilding it" in capsys.readouterr().err
    assert json.loads(path.read_text())["key"] == cache.key_of(NETWORK)


def test_oversized_entry_is_not_read(folder, monkeypatch, capsys):
    cache.architecture(NETWORK)
    path = cache.entry_path(NETWORK)
    path.write_text(" " * (cache.MAX_BYTES + 10) + "{}")
    cache.clear_memory()
    calls = count_builds(monkeypatch)
    cache.architecture(NETWORK)
    assert calls == [NETWORK] and "larger than" in capsys.readouterr().err


def test_validate_refuses_without_evaluating():
    plan = layer_letters(NETWORK.layers)
    good = ["mul", ["num", 1, 2], ["pow", ["sym", "N"], ["num", -1, 1]]]
    assert validate(good, NETWORK, plan) is good
    for bad in (["pow", ["num", 10, 1], ["num", 10**9, 1]], ["num", 1, 0], ["num", True, 1],
                ["add", ["idx", "l2", "n"], ["idx", "l2", "n"]], ["mul", ["idx", "l2", "n"], ["num", 2, 1]],
                ["add", ["idx", "l2", "n"], ["add", ["idx", "y", "n"], ["num", 1, 1]]],
                ["idx", "l3", "n"], ["sym", "E"], ["idx", "x", "i", "n"], "l2", [], None):
        with pytest.raises(TreeError):
            validate(bad, NETWORK, plan)


def test_unwritable_folder_is_tolerated(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("NNTRACE_CACHE_DIR", str(blocker / "cache"))   # cannot be created
    (d, *_) = tracer.derive(NETWORK_CONFIG, iteration=0)
    assert d.agree and not (blocker / "cache").exists()
    readonly = tmp_path / "ro"
    readonly.mkdir()
    monkeypatch.setenv("NNTRACE_CACHE_DIR", str(readonly))
    monkeypatch.setattr(os, "replace", lambda *a: (_ for _ in ()).throw(PermissionError("read-only")))
    cache.clear_memory()
    assert cache.save(cache.architecture(NETWORK)) is False
    assert list(readonly.iterdir()) == []   # no temporary file left behind


def test_default_folder_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.delenv("NNTRACE_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.cache_dir() == tmp_path / "xdg" / "nntrace"


# -- warm runs never import sympy -----------------------------------------------------------------

def _sympy_loaded_after(args: list[str], folder: Path, cwd: Path) -> tuple[int, bool, str]:
    code = ("import sys, tracer.cli; rc = tracer.cli.main(sys.argv[1:]); "
            "print('SYMPY', 'sympy' in sys.modules, rc, file=sys.stderr)")
    env = {**os.environ, "NNTRACE_CACHE_DIR": str(folder), "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, cwd=cwd)
    line = [x for x in done.stderr.splitlines() if x.startswith("SYMPY")][-1].split()
    return int(line[2]), line[1] == "True", done.stderr


def test_warm_derive_leaves_sympy_unloaded(folder, tmp_path):
    args = ["derive", "--config", str(ROOT / "examples" / "seed.toml")]
    rc, cold, _ = _sympy_loaded_after(args, folder, tmp_path)
    assert rc == 0 and cold   # the cache miss derives with sympy
    rc, warm, err = _sympy_loaded_after(args, folder, tmp_path)
    assert rc == 0 and not warm, err


@pytest.mark.slow
def test_warm_lesson_leaves_sympy_unloaded(folder, tmp_path):
    args = ["lesson", "--out", str(tmp_path / "out")]
    rc, cold, _ = _sympy_loaded_after(args, folder, tmp_path)
    assert rc == 0 and cold
    rc, warm, err = _sympy_loaded_after(args, folder, tmp_path)
    assert rc == 0 and not warm, err
    assert (tmp_path / "out" / "lesson.en.md").exists()


# -- nntrace's printer writes what sympy's printer writes -------------------------------------------

@pytest.mark.parametrize("example", sorted((ROOT / "examples").glob("*.toml")), ids=lambda p: p.name)
def test_warm_latex_equals_sympy_latex_for_shipped_examples(example):
    from tracer.symbolic.chain import build
    from tracer.symbolic.notation import latex
    from tracer.symbolic.printing import latex as sympy_latex

    network = tracer.load_config(example).network
    arch = build(network)                      # sympy: expressions and their LaTeX
    chains = copy.deepcopy(convert.build_chains(network))
    for parameter, spec in arch.chains.items():
        trees = chains.factors[parameter]
        assert latex(forms.general(network, parameter, trees)) == spec.latex
        assert latex(forms.gradient_matrix(parameter)) == spec.matrix_latex
        assert [latex(t) for _, t in trees] == [sympy_latex(e) for _, e in spec.factors]
    for old, new in zip(arch.deltas, forms.deltas(chains), strict=True):
        assert (latex(new["tree"]), latex(new["matrix_tree"])) == (old["latex"], old["matrix_latex"])


def test_warm_derivation_text_and_digits(folder):
    tracer.derive(None, "w1[2,0]", 0)      # fills the cache
    cache.clear_memory()
    (d,) = tracer.derive(None, "w1[2,0]", 0, digits=3)
    assert d.substituted_latex.startswith(r"\frac{\partial E}{\partial w^{(1)}_{2}} = 0.474 \cdot 0.249 \cdot ")
    assert d.text == "∂E/∂w1[j] = Σ_n (l2[n] − y[n])·l2[n]·(1 − l2[n])·l1[n,j]"
    mean = Network((2, 3, 2), ("tanh", "tanh"), "none", "half_sse", "mean")
    general = forms.general(mean, "w1", cache.architecture(mean).factors["w1"])
    from tracer.symbolic.notation import text
    assert text(general) == "∂E/∂w1[j,k] = Σ_n 1/(2·N)·(l2[n,k] − y[n,k])·(1 − l2[n,k]²)·l1[n,j]"
