"""Hostile traces and configs: data, never directions. Each case of issue 14 has a regression test."""

from __future__ import annotations

import io
import json
import os
import resource
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

import tracer
from tracer.cli import main
from tracer.errors import ConfigError, TracerError, TraceFileError
from tracer.schema import tensor_shapes

ROOT = Path(__file__).resolve().parent.parent


def one_error_line(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("good") / "good.npz"
    tracer.run(tracer.load_config(None, {"train.iterations": 30, "record.iterations": "0,1,5,last"})).save(path)
    return path


def rewrite(src: Path, dst: Path, change) -> None:
    """Copy a trace, letting ``change(entries, manifest)`` alter its arrays and manifest."""
    with np.load(src, allow_pickle=False) as npz:
        entries = {k: npz[k] for k in npz.files}
    manifest = json.loads(entries.pop("manifest").tobytes())
    change(entries, manifest)
    entries["manifest"] = np.frombuffer(json.dumps(manifest).encode(), dtype=np.uint8)
    np.savez(dst, **entries)


COMMANDS = [["show", "{t}"], ["derive", "{t}"], ["lesson", "--trace", "{t}", "--out", "{out}"],
            ["diff", "{t}", "{t}"]]


@pytest.mark.parametrize("argv", COMMANDS, ids=lambda a: a[0])
def test_a_trace_naming_a_file_is_refused_by_every_command(good, tmp_path, argv, capsys):
    bad = tmp_path / "bad.npz"
    rewrite(good, bad, lambda e, m: m["config"].update(data={"csv": "/etc/passwd"}))
    assert main([a.format(t=bad, out=tmp_path / "out") for a in argv]) == 2
    err = one_error_line(capsys)
    assert "must carry its data and weights, not name files" in err
    assert "root:" not in err


@pytest.mark.parametrize("path", ["/dev/zero", "/dev/null"])
def test_a_trace_naming_a_device_is_refused(good, tmp_path, path):
    bad = tmp_path / "bad.npz"
    rewrite(good, bad, lambda e, m: m["config"]["init"].update(weights=path))
    with pytest.raises(TraceFileError, match="not name files"):
        tracer.load_trace(bad)


def test_loading_a_fifo_or_device_never_blocks(tmp_path, capsys):
    fifo = tmp_path / "t.npz"
    os.mkfifo(fifo)
    assert main(["show", str(fifo)]) == 2
    assert "FIFO" in one_error_line(capsys)
    assert main(["show", "/dev/zero"]) == 2
    assert "character device" in one_error_line(capsys)


@pytest.mark.parametrize("change,pattern", [
    (lambda e, m: m.update(recorded_iterations=[5, 1, 0, 29]), "not strictly increasing"),
    (lambda e, m: m.update(recorded_iterations=[-1, 1, 5, 29]), "invalid manifest"),
    (lambda e, m: m.update(recorded_iterations=[0, 1, 5, 30]), "outside the run of 30 iterations"),
    (lambda e, m: m.update(recorded_iterations=[]), "invalid manifest"),
    (lambda e, m: m["config"]["train"].update(iterations=0), "train.iterations must be an integer of at least 1"),
    (lambda e, m: m["config"]["data"].update(columns=["a", "b"]), "data.columns has 2 names but"),
    (lambda e, m: m["config"]["network"].update(layers=[3, 5, 1]), "but the network \\[3, 5, 1\\]"),
    (lambda e, m: m["tensors"]["w0"].update(shape=[100000, 100000]), "invalid manifest|has shape"),
    (lambda e, m: m["tensors"]["z1"].update(dtype="object"), "invalid manifest"),
    (lambda e, m: m.update(names="z1"), "invalid manifest"),
    (lambda e, m: m.update(config=[[[[[[]]]]]]), "invalid config in its manifest"),
    (lambda e, m: m["config"]["train"].update(lr="x"), "train.lr must be"),
    (lambda e, m: m["tensors"]["z1"].update(storage="next_of:l0"), "storage"),
    (lambda e, m: m["config"].update(title=1), "title must be a string"),
])
def test_tampered_manifests_are_refused(good, tmp_path, change, pattern):
    bad = tmp_path / "bad.npz"
    rewrite(good, bad, change)
    with pytest.raises(TraceFileError, match=pattern):
        tracer.load_trace(bad)


def test_deep_json_is_refused(good, tmp_path):
    bad = tmp_path / "bad.npz"
    with np.load(good, allow_pickle=False) as npz:
        entries = {k: npz[k] for k in npz.files}
    entries["manifest"] = np.frombuffer(b"[" * 100000 + b"]" * 100000, dtype=np.uint8)
    np.savez(bad, **entries)
    with pytest.raises(TraceFileError, match="manifest"):
        tracer.load_trace(bad)


def _big_tensor_trace(good: Path, bad: Path, declared: int) -> None:
    """A trace whose z1 member claims ``declared`` bytes (a lying .npy header and zip entry)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(buf, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "z1.npy":
                header = io.BytesIO()
                np.lib.format.write_array_header_1_0(header, {"descr": "<f8", "fortran_order": False,
                                                                "shape": (declared // 8,)})
                data = header.getvalue() + b"\0" * 64
            dst.writestr(info, data)
    bad.write_bytes(buf.getvalue())


def test_a_declared_4gb_tensor_is_refused_fast_and_small(good, tmp_path):
    bad = tmp_path / "bad.npz"
    _big_tensor_trace(good, bad, 4 << 30)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    with pytest.raises(TraceFileError, match="shape|declares"):
        tracer.load_trace(bad)
    assert time.perf_counter() - start < 1.0   # the figure (0.1 s) is in benchmarks/bench_hostile.py
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 50 * 1024


def test_a_zip_bomb_member_is_never_inflated(good, tmp_path):
    bad = tmp_path / "bomb.npz"
    with np.load(good, allow_pickle=False) as npz:
        entries = {k: npz[k] for k in npz.files}
    entries["z1"] = np.zeros((20_000_000,))
    np.savez_compressed(bad, **entries)   # 160 MB of zeros deflate to ~150 KB
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(TraceFileError, match=r"has shape \[20000000\], expected \[4, 5, 4\]"):
        tracer.load_trace(bad)   # refused from its .npy header: only the header is inflated
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 50 * 1024


def test_a_member_claiming_more_than_deflate_can_give_is_refused(tmp_path):
    from tracer.npzread import NpzError, open_zip

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a.npy", b"\0" * 100_000)
    data = bytearray(buf.getvalue())
    # patch the declared size in the central directory to 4 GB - 1 (a lying archive)
    cd = data.rfind(b"PK\x01\x02")
    data[cd + 24:cd + 28] = (2**32 - 1).to_bytes(4, "little")
    with pytest.raises(NpzError, match="claims to expand"):
        open_zip(bytes(data))


def test_byte_mutations_of_a_trace_are_refused_cleanly(good, tmp_path):
    data = bytearray(good.read_bytes())
    rng = np.random.default_rng(0)
    for n in range(60):
        mutated = bytearray(data)
        for pos in rng.integers(0, len(data), size=1 + n % 4):
            mutated[pos] = int(rng.integers(0, 256))
        path = tmp_path / f"m{n}.npz"
        path.write_bytes(bytes(mutated))
        try:
            tracer.load_trace(path)
        except TraceFileError:
            pass


def test_show_of_a_config_says_use_config(tmp_path, capsys):
    cfg = ROOT / "examples" / "seed.toml"
    assert main(["show", str(cfg)]) == 2
    err = one_error_line(capsys)
    assert "looks like a config file (TOML)" in err and "--config" in err


def test_a_trace_given_as_config_is_named(good, capsys):
    assert main(["trace", "--config", str(good), "-o", "x.npz"]) == 2
    assert "is a trace file (.npz), not a config" in one_error_line(capsys)


@pytest.mark.parametrize("text,pattern", [
    (b"\xff\xfe[network]\n", "is not UTF-8 text"),
    (b"[data]\npreset = []\n", "data.preset must be"),
    (b"[train]\niterations = 1e20\n", "train.iterations must be an integer"),
    (b"[train]\nlr = " + b"9" * 400 + b"\n", "train.lr must be"),
    (b"[init]\nseed = " + b"9" * 400 + b"\n", "init.seed must be"),
    (b"[data]\ncsv = \"a\\u0000b.csv\"\n", "NUL character"),
    (b"[data]\ncsv = \"/dev/zero\"\n", "character device"),
    (b"[data]\ncsv = \"-\"\n", "standard input"),
    (b"[init]\nweights = \"/dev/zero.npz\"\n", "does not exist|not a regular file"),
    (b"[network]\nlayers = [3, 100000, 100000, 1]\n", "over the limit"),
    (b"title = 5\n", "title must be a string"),
    (b"[data]\ninputs = [[0, 1]]\ntargets = [0]\ncolumns = [\"a\"]\n", "data.columns has 1 names"),
])
def test_hostile_config_files_are_one_line_exit_2(tmp_path, text, pattern, capsys):
    cfg = tmp_path / "c.toml"
    cfg.write_bytes(text)
    assert main(["trace", "--config", str(cfg), "-o", str(tmp_path / "t.npz")]) == 2
    assert pattern.split("|")[0] in one_error_line(capsys) or any(p in capsys.readouterr().err for p in pattern.split("|"))


def test_config_paths_resolve_relative_to_the_config(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "d.csv").write_text("a,b,y\n0,1,1\n1,0,1\n")
    (tmp_path / "sub" / "c.toml").write_text("[data]\ncsv = \"d.csv\"\n")
    assert tracer.load_config(tmp_path / "sub" / "c.toml").data.columns == ("a", "b", "y")


def test_a_fifo_as_csv_is_refused_without_blocking(tmp_path):
    os.mkfifo(tmp_path / "d.csv")
    with pytest.raises(TracerError, match="FIFO"):
        tracer.load_config({"data": {"csv": str(tmp_path / "d.csv")}})


def test_a_corrupt_weights_file_is_one_line(tmp_path, capsys):
    (tmp_path / "w.npz").write_bytes(b"PK\x03\x04garbage")
    (tmp_path / "w.json").write_bytes(b"[" * 100000)
    for name in ("w.npz", "w.json"):
        (tmp_path / "c.toml").write_text(f"[init]\nweights = \"{name}\"\n")
        assert main(["trace", "--config", str(tmp_path / "c.toml"), "-o", str(tmp_path / "t.npz")]) == 2
        assert "init.weights file" in one_error_line(capsys)


def test_an_object_weights_npz_is_never_unpickled(tmp_path):
    np.savez(tmp_path / "w.npz", w0=np.array([object()], dtype=object))
    with pytest.raises(ConfigError, match="never objects"):
        tracer.load_config({"init": {"weights": str(tmp_path / "w.npz")}})


def test_huge_forced_layers_are_one_line(capsys, tmp_path):
    assert main(["trace", "--layers", "3,100000000,1", "--force", "-o", str(tmp_path / "t.npz")]) == 2
    assert "network.layers must be" in one_error_line(capsys)
    assert main(["trace", "--layers", "3,90000,90000,1", "--force", "-o", str(tmp_path / "t.npz")]) == 2
    assert "over the limit of 10000000" in one_error_line(capsys)


def test_the_schema_knows_every_tensor_the_trainer_records():
    for overrides in ({}, {"network.layers": [3, 5, 2, 1], "network.bias": "trainable"}):
        cfg = tracer.load_config(None, overrides)
        from tracer.train import tensor_shapes as trained

        assert tensor_shapes(cfg.network.layers, cfg.network.bias != "none", len(cfg.data.inputs)) == trained(cfg)


def test_show_escapes_control_characters_from_the_trace(good, tmp_path, capsys):
    bad = tmp_path / "esc.npz"
    trace = tracer.load_trace(good)
    from dataclasses import replace

    cfg = replace(trace.config, title="\x1b[31mred\x1b]0;pwned\x07", data=replace(trace.config.data, name="n\x1b[2J"))
    tracer.run(tracer.load_config(cfg, {"train.iterations": 3, "record.iterations": "all"})).save(bad)
    assert main(["show", str(bad)]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out
    assert "\\x1b[2J" in out


@pytest.mark.parametrize("flag", [0x1, 0x20], ids=["encrypted", "patched"])
def test_fuzz_finds_encrypted_or_patched_members_are_refused(good, tmp_path, flag):
    # found by tests/test_fuzz.py (byte mutations): zipfile raised RuntimeError / NotImplementedError
    data = bytearray(good.read_bytes())
    data[data.find(b"PK\x01\x02") + 8] |= flag   # the first member's flag bits, central directory
    bad = tmp_path / "bad.npz"
    bad.write_bytes(bytes(data))
    with pytest.raises(TraceFileError, match="encrypted or patched"):
        tracer.load_trace(bad)
