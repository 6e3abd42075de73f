"""Trace files: exact round trips, nothing stored twice, atomic writes, and unsafe or broken files refused."""

from __future__ import annotations

import errno

import json
import zipfile

import numpy as np
import pytest

import tracer
from tracer.errors import TraceFileError


@pytest.fixture(scope="module")
def small():
    return tracer.run({"train": {"iterations": 300}, "record": {"iterations": "0,1,2,5,100:300:50,last"},
                       "network": {"bias": "trainable"}})


def test_round_trip_is_exact(tmp_path, small):
    path = tmp_path / "t.npz"
    small.save(path)
    back = tracer.load_trace(path)
    assert back.config == small.config
    assert back.names == small.names
    assert np.array_equal(back.recorded_iterations, small.recorded_iterations)
    for name in small.names:
        assert np.array_equal(back.stack(name), small.stack(name)), name
    assert back.versions["numpy"] == np.__version__
    assert back.get("w0_next", 1).tolist() == small.get("w0", 2).tolist()


def test_manifest_lists_everything_with_checksums(tmp_path, small):
    path = tmp_path / "t.npz"
    small.save(path)
    with np.load(path, allow_pickle=False) as npz:
        manifest = json.loads(npz["manifest"].tobytes())
        assert manifest["schema"] == 1
        assert manifest["recorded_iterations"] == [0, 1, 2, 5, 100, 150, 200, 250, 299]
        assert manifest["config"]["network"]["bias"] == "trainable"
        assert set(manifest["versions"]) == {"numpy", "nntrace"}
        assert manifest["tensors"]["l0"]["storage"] == "constant"
        assert npz["l0"].shape == (5, 3)
        # w0_next rows are stored only where the next iteration is not recorded: rows of 2, 5, 100, …, 299
        assert manifest["tensors"]["w0_next"]["storage"] == "next_of:w0"
        assert npz["w0_next"].shape == (7, 3, 4)
        assert npz["z1"].shape == (9, 5, 4)
        assert all(len(t["sha256"]) == 64 for t in manifest["tensors"].values())


def test_all_iterations_trace_stores_each_weight_once(tmp_path):
    trace = tracer.run({"train": {"iterations": 1000}, "record": {"iterations": "all"}})
    path = tmp_path / "all.npz"
    trace.save(path)
    per_step = sum(int(np.prod(trace.stack(n).shape[1:])) for n in trace.names if n not in ("l0", "w0_next", "w1_next"))
    assert per_step == 165 - 15 - 16
    assert path.stat().st_size < 1000 * per_step * 8 + 64 * 1024


def test_save_is_atomic(tmp_path, small, monkeypatch):
    path = tmp_path / "t.npz"
    small.save(path)
    before = path.read_bytes()

    def broken(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(np, "savez", broken)
    with pytest.raises(tracer.errors.OutputError, match="the disk is full"):
        small.save(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["t.npz"]


def test_same_config_gives_the_same_bytes(tmp_path):
    a, b = tmp_path / "a.npz", tmp_path / "b.npz"
    tracer.run({"train": {"iterations": 50}}).save(a)
    tracer.run({"train": {"iterations": 50}}).save(b)
    assert a.read_bytes() == b.read_bytes()


def _rewrite(src, dst, change):
    with np.load(src, allow_pickle=False) as npz:
        entries = {k: npz[k] for k in npz.files}
    manifest = json.loads(entries["manifest"].tobytes())
    change(entries, manifest)
    if manifest:
        entries["manifest"] = np.frombuffer(json.dumps(manifest).encode(), dtype=np.uint8)
    np.savez(dst, **entries)


@pytest.mark.parametrize("damage,pattern", [
    (lambda e, m: m.update(schema=99), r"has trace schema 99 but this nntrace reads schema 1; re-create it"),
    (lambda e, m: e.update(z1=e["z1"] + 1), r"tensor 'z1' fails its sha256 check"),
    (lambda e, m: e.update(z1=np.array([object()] * 3, dtype=object)), r"member 'z1' holds object values; only plain numbers are read \(never objects\)"),
    (lambda e, m: e.update(manifest=np.zeros(2)) or m.clear(), r"manifest that is not JSON bytes"),
    (lambda e, m: m.update(names=["z1"]), r"the manifest's names and tensors disagree"),
    (lambda e, m: m["tensors"]["z1"].update(shape=[5, 5]), r"tensor 'z1' has shape \[5, 5\], but the network \[3, 4, 1\] with 5 samples gives \[5, 4\]"),
])
def test_damaged_trace_files_are_refused(tmp_path, small, damage, pattern):
    good, bad = tmp_path / "good.npz", tmp_path / "bad.npz"
    small.save(good)
    _rewrite(good, bad, damage)
    with pytest.raises(TraceFileError, match=pattern or r"bad.npz"):
        tracer.load_trace(bad)


def test_truncated_and_foreign_files(tmp_path, small):
    good = tmp_path / "good.npz"
    small.save(good)
    data = good.read_bytes()
    for n, cut in enumerate([len(data) // 2, len(data) - 100, 100]):
        truncated = tmp_path / f"cut{n}.npz"
        truncated.write_bytes(data[:cut])
        with pytest.raises(TraceFileError, match=r"is not a trace file \(\.npz\) or it is truncated|damaged"):
            tracer.load_trace(truncated)
    text = tmp_path / "notes.npz"
    text.write_text("hello")
    with pytest.raises(TraceFileError, match=r"is not a trace file"):
        tracer.load_trace(text)
    npy = tmp_path / "one.npy"
    np.save(npy, np.zeros(3))
    with pytest.raises(TraceFileError, match=r"single \.npy array"):
        tracer.load_trace(npy)
    plain = tmp_path / "plain.npz"
    np.savez(plain, a=np.zeros(3))
    with pytest.raises(TraceFileError, match=r"has no manifest"):
        tracer.load_trace(plain)
    with pytest.raises(TraceFileError, match=r"does not exist"):
        tracer.load_trace(tmp_path / "nope.npz")
    with zipfile.ZipFile(tmp_path / "z.npz", "w") as z:
        z.writestr("manifest.npy", b"garbage")
    with pytest.raises(TraceFileError):
        tracer.load_trace(tmp_path / "z.npz")


def test_traces_are_read_only(tmp_path, small):
    small.save(tmp_path / "t.npz")
    for trace in (small, tracer.load_trace(tmp_path / "t.npz")):
        for name in ("z1", "l0", "w0_next", "loss"):
            with pytest.raises(ValueError, match="read-only"):
                trace.stack(name)[0, ...] = 1.0


def test_get_names_unrecorded_iterations_and_unknown_tensors(small):
    assert small.get("z1", -1).shape == (5, 4)
    assert np.array_equal(small.get("z1", 299), small.get("z1", -1))
    with pytest.raises(TraceFileError, match=r"iteration 3 was not recorded; recorded: 0, 1, 2, 5"):
        small.get("z1", 3)
    with pytest.raises(TraceFileError, match=r"no tensor 'z9' in this trace; tensors: l0, z1"):
        small.get("z9", 0)
