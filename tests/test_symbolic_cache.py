"""The derivation cache: hit, miss, corrupt or stale entry, unsafe text, unwritable folder."""

from __future__ import annotations

import json
import os

import pytest

import tracer
from tracer.config import Network
from tracer.symbolic import cache

NETWORK = Network((2, 2, 1), ("tanh", "sigmoid"), "trainable")


@pytest.fixture(autouse=True)
def folder(tmp_path, monkeypatch):
    monkeypatch.setenv("NNTRACE_CACHE_DIR", str(tmp_path / "cache"))
    cache.clear_memory()
    yield tmp_path / "cache"
    cache.clear_memory()


def count_builds(monkeypatch) -> list:
    calls = []
    real = cache.build
    monkeypatch.setattr(cache, "build", lambda network: calls.append(network) or real(network))
    return calls


def test_miss_writes_json_then_disk_hit_skips_sympy_work(folder, monkeypatch):
    calls = count_builds(monkeypatch)
    first = cache.architecture(NETWORK)
    path = cache.entry_path(NETWORK)
    assert calls == [NETWORK] and path.parent == folder and path.exists()
    json.loads(path.read_text())   # plain JSON
    cache.clear_memory()
    second = cache.architecture(NETWORK)
    assert calls == [NETWORK]   # read from disk, not rebuilt
    assert second.chains["w0"].factors == first.chains["w0"].factors
    assert second.chains["w0"].latex == first.chains["w0"].latex
    assert cache.architecture(NETWORK) is second   # process cache


def test_derivations_from_disk_equal_fresh_ones(folder):
    fresh = tracer.derive(NETWORK_CONFIG, iteration=0)
    cache.clear_memory()
    again = tracer.derive(NETWORK_CONFIG, iteration=0)
    assert [d.as_dict() for d in again] == [d.as_dict() for d in fresh]


NETWORK_CONFIG = {"network": {"layers": [2, 2, 1], "activation": ["tanh", "sigmoid"], "bias": "trainable"},
                  "data": {"preset": "xor"}}


@pytest.mark.parametrize("damage", ["not json {", json.dumps({"key": "other"}), json.dumps([1, 2])])
def test_corrupt_or_stale_entry_is_rebuilt(folder, monkeypatch, damage):
    cache.architecture(NETWORK)
    path = cache.entry_path(NETWORK)
    path.write_text(damage)
    cache.clear_memory()
    calls = count_builds(monkeypatch)
    arch = cache.architecture(NETWORK)
    assert calls == [NETWORK] and "w0" in arch.chains
    assert json.loads(path.read_text())["key"] == cache.key_of(NETWORK)   # replaced by a good entry


def test_cached_text_is_never_executed(folder, tmp_path, monkeypatch):
    cache.architecture(NETWORK)
    path = cache.entry_path(NETWORK)
    data = json.loads(path.read_text())
    marker = tmp_path / "executed"
    data["chains"]["w0"]["factors"][0][1] = f"__import__('pathlib').Path({str(marker)!r}).touch()"
    path.write_text(json.dumps(data))
    cache.clear_memory()
    calls = count_builds(monkeypatch)
    cache.architecture(NETWORK)
    assert not marker.exists() and calls == [NETWORK]
    with pytest.raises(cache.CacheEntryError):
        cache.parse_srepr("Symbol('a').__class__")
    assert str(cache.parse_srepr("Mul(Integer(-2), Symbol('a', real=True))")) == "-2*a"


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


@pytest.mark.parametrize("expression", [
    "Pow(Integer(10), Integer(1000000000))",                 # would never finish in sympy
    "Add(" * 80 + "Integer(1)" + ", Integer(1))" * 80,       # nested deeper than the limit
    "Float(1e308)",
])
def test_unbounded_entries_are_refused_fast_with_a_note(folder, monkeypatch, capsys, expression):
    cache.architecture(NETWORK)
    path = cache.entry_path(NETWORK)
    data = json.loads(path.read_text())
    data["chains"]["w0"]["factors"][0][1] = expression
    path.write_text(json.dumps(data))
    cache.clear_memory()
    calls = count_builds(monkeypatch)
    arch = cache.architecture(NETWORK)
    assert calls == [NETWORK] and "w0" in arch.chains
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "rebuilding it" in err and "Traceback" not in err
