"""A fuzz campaign that stays: Hypothesis property tests of the config parser, the trace loader and
the command line.

Invariants: the exit code is 0, 1 or 2; a failure is one stderr line without a traceback (and not
an "internal error"); nothing outside the output is touched; each case ends within seconds.

Two profiles: the quick one runs with the normal suite (a few examples each, a few seconds); the
long one is ``python -m pytest -m fuzz`` (``NNTRACE_FUZZ_EXAMPLES`` per test, 2500 by default).
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tracer
from tracer.cli import main
from tracer.errors import TracerError

QUICK = settings(max_examples=12, deadline=None, database=None, derandomize=True,
                 suppress_health_check=list(HealthCheck))
LONG = settings(max_examples=int(os.environ.get("NNTRACE_FUZZ_EXAMPLES", "2500")), deadline=None,
                database=None, suppress_health_check=list(HealthCheck))
CASE_SECONDS = 30          # a hang detector, not a benchmark
PEAK_RSS_KB = 2 * 1024 * 1024

SECTION_KEYS = {
    "network": ["layers", "activation", "bias", "loss", "reduction"],
    "data": ["preset", "inputs", "targets", "csv", "name", "columns"],
    "init": ["seed", "weights", "values"],
    "train": ["lr", "iterations"],
    "record": ["iterations"],
}

odd_text = st.text(alphabet=st.characters(codec="utf-8"), max_size=12) | st.sampled_from(
    ["", "-", "/dev/zero", "/etc/passwd", "a\x00b", "sigmoid", "tanh", "seed", "xor", "trainable", "bce",
     "mean", "0,1,last", "all", "::0", "../../x.csv", "\x1b[2J", "$\\href{javascript:x}{y}$"])
odd_number = (st.integers(min_value=-(10**400), max_value=10**400) | st.floats(allow_nan=True, allow_infinity=True)
              | st.sampled_from([0, 1, 2, 3, 4, -1, 60000, 10**9, 10**20, 2**32, 1e20, 1e308, 0.1]))
leaf = odd_number | odd_text | st.booleans()
value = st.recursive(leaf, lambda inner: st.lists(inner, max_size=4)
                     | st.dictionaries(st.sampled_from(["w0", "w1", "b0", "x", "layers"]), inner, max_size=3),
                     max_leaves=12)


@st.composite
def config_trees(draw):
    """Random config trees: mostly the real sections and keys, with wrong types and odd values."""
    tree = {}
    for section, keys in SECTION_KEYS.items():
        if draw(st.booleans()):
            chosen = draw(st.lists(st.sampled_from(keys + ["bogus"]), max_size=3, unique=True))
            tree[section] = {k: draw(value) for k in chosen}
    if draw(st.booleans()):
        tree[draw(st.sampled_from(["title", "network", "extra"]))] = draw(value)
    return tree


def toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf") if math.isinf(v) else repr(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    return "{" + ", ".join(f"{json.dumps(k)} = {toml_value(x)}" for k, x in v.items()) + "}"


def to_toml(tree: dict) -> str:
    lines = [f"{json.dumps(k)} = {toml_value(v)}" for k, v in tree.items() if not isinstance(v, dict)]
    for k, v in tree.items():
        if isinstance(v, dict):
            lines.append(f"[{json.dumps(k)}]")
            lines += [f"{json.dumps(kk)} = {toml_value(vv)}" for kk, vv in v.items()]
    return "\n".join(lines) + "\n"


def run_cli(argv: list[str], cwd: Path) -> tuple[int, str, str]:
    """``main(argv)`` in this process, in ``cwd``, with its output captured; checks the invariants."""
    out, err = io.StringIO(), io.StringIO()
    old = os.getcwd()
    start = time.perf_counter()
    try:
        os.chdir(cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(argv)
    finally:
        os.chdir(old)
    stderr = err.getvalue()
    assert time.perf_counter() - start < CASE_SECONDS, argv
    assert code in (0, 1, 2), (argv, code, stderr)
    assert "Traceback" not in stderr and "internal error" not in stderr, (argv, stderr)
    if code == 2:
        assert stderr.count("\n") == 1 and stderr.startswith("nntrace: error: "), (argv, stderr)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss < PEAK_RSS_KB
    return code, out.getvalue(), stderr


def check_config_text(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "c.toml"
        path.write_bytes(data)
        try:
            config = tracer.load_config(path)
        except TracerError:
            return
        assert config.train.iterations >= 1 and len(config.network.layers) >= 2
        assert sorted(os.listdir(tmp)) == ["c.toml"]


# ---- the config parser -------------------------------------------------------------------

def _config_case(tree):
    check_config_text(to_toml(tree).encode())


def _config_bytes_case(data):
    check_config_text(data)


@QUICK
@given(config_trees())
def test_config_parser_quick(tree):
    _config_case(tree)


@pytest.mark.fuzz
@LONG
@given(config_trees())
def test_config_parser_long(tree):
    _config_case(tree)


@QUICK
@given(st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
def test_config_bytes_quick(data):
    _config_bytes_case(data)


@pytest.mark.fuzz
@LONG
@given(st.binary(max_size=400) | st.text(max_size=400).map(str.encode))
def test_config_bytes_long(data):
    _config_bytes_case(data)


# ---- the trace loader --------------------------------------------------------------------

@pytest.fixture(scope="module")
def trace_bytes() -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "t.npz"
        tracer.run(tracer.load_config(None, {"train.iterations": 8, "record.iterations": "0,1,5,last",
                                             "network.bias": "trainable"})).save(path)
        return path.read_bytes()


def load_bytes(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "t.npz"
        path.write_bytes(data)
        start = time.perf_counter()
        try:
            tracer.load_trace(path)
        except TracerError:
            pass
        assert time.perf_counter() - start < CASE_SECONDS
        assert sorted(os.listdir(tmp)) == ["t.npz"]


mutations = st.lists(st.tuples(st.integers(min_value=0), st.integers(min_value=0, max_value=255)),
                     min_size=1, max_size=8)


def _mutate(data: bytes, changes) -> bytes:
    out = bytearray(data)
    for pos, byte in changes:
        out[pos % len(out)] = byte
    return bytes(out)


@QUICK
@given(mutations, st.integers(min_value=0, max_value=10**6))
def test_trace_byte_mutations_quick(trace_bytes, changes, cut):
    data = _mutate(trace_bytes, changes)
    load_bytes(data if cut % 5 else data[: cut % len(data)])


@pytest.mark.fuzz
@LONG
@given(mutations, st.integers(min_value=0, max_value=10**6))
def test_trace_byte_mutations_long(trace_bytes, changes, cut):
    data = _mutate(trace_bytes, changes)
    load_bytes(data if cut % 5 else data[: cut % len(data)])


def _manifest_paths(obj, prefix=()):
    yield prefix
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _manifest_paths(v, (*prefix, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj[:4]):
            yield from _manifest_paths(v, (*prefix, i))


def _rewritten(trace_data: bytes, path_index: int, new_value) -> bytes:
    with np.load(io.BytesIO(trace_data), allow_pickle=False) as npz:
        entries = {k: npz[k] for k in npz.files}
    manifest = json.loads(entries.pop("manifest").tobytes())
    paths = [p for p in _manifest_paths(manifest) if p]
    target = paths[path_index % len(paths)]
    holder = manifest
    for part in target[:-1]:
        holder = holder[part]
    holder[target[-1]] = new_value
    entries["manifest"] = np.frombuffer(json.dumps(manifest, allow_nan=True).encode(), dtype=np.uint8)
    buf = io.BytesIO()
    np.savez(buf, **entries)
    return buf.getvalue()


@QUICK
@given(st.integers(min_value=0), value)
def test_trace_manifest_mutations_quick(trace_bytes, index, new_value):
    load_bytes(_rewritten(trace_bytes, index, new_value))


@pytest.mark.fuzz
@LONG
@given(st.integers(min_value=0), value)
def test_trace_manifest_mutations_long(trace_bytes, index, new_value):
    load_bytes(_rewritten(trace_bytes, index, new_value))


# ---- the command line --------------------------------------------------------------------

FLAG_VALUES = {
    "--seed": st.sampled_from(["1", "2", "-1", "x", "4294967296"]),
    "--lr": st.sampled_from(["0.1", "0", "nan", "inf", "-1", "1e400", "x"]),
    "--iterations": st.sampled_from(["1", "3", "20", "0", "-5", "1e20", "x"]),
    "--layers": st.sampled_from(["3,4,1", "3,2,2,1", "3", "3,0,1", "3,x,1", "3,100000000,1", ""]),
    "--activation": st.sampled_from(["tanh", "relu,sigmoid", "softmax", "", "linear"]),
    "--bias": st.sampled_from(["none", "trainable", "frozen", "yes"]),
    "--loss": st.sampled_from(["half_sse", "bce", "mse"]),
    "--data": st.sampled_from(["xor", "and", "iris", "missing.csv", "/dev/zero.csv"]),
    "--record": st.sampled_from(["all", "0,last", "5:", "::0", "x", "0,99999"]),
    "--digits": st.sampled_from(["3", "0", "40", "x"]),
    "--iteration": st.sampled_from(["0", "-1", "2", "999999", "x"]),
    "--tensor": st.sampled_from(["w0", "l1_delta", "nope", "\x1b[2J"]),
    "--weight": st.sampled_from(["w0[0,0]", "b1[0]", "w9[0]", "w0[99,99]", "x"]),
    "--lang": st.sampled_from(["en", "zh", "zh-en", "fr", ""]),
    "--format": st.sampled_from(["md", "html", "pdf", ""]),
    "--atol": st.sampled_from(["0", "-1", "nan"]),
    "--rtol": st.sampled_from(["0", "1e-9", "x"]),
}
COMMAND_FLAGS = {
    "trace": ["--seed", "--lr", "--layers", "--activation", "--bias", "--loss", "--data", "--record"],
    "show": ["--iteration", "--tensor"],
    "derive": ["--seed", "--layers", "--activation", "--bias", "--loss", "--weight", "--iteration", "--digits"],
    "lesson": ["--seed", "--layers", "--activation", "--bias", "--loss", "--digits", "--iteration"],
    "diff": ["--atol", "--rtol"],
}


@st.composite
def command_lines(draw):
    command = draw(st.sampled_from(list(COMMAND_FLAGS)))
    argv = [command]
    if command in ("show", "diff"):
        argv += draw(st.lists(st.sampled_from(["t.npz", "missing.npz", "c.toml", "."]), min_size=0, max_size=3))
    if command == "derive" and draw(st.booleans()):
        argv.append(draw(st.sampled_from(["t.npz", "c.toml"])))
    flags = draw(st.lists(st.sampled_from(COMMAND_FLAGS[command] + ["--bogus", "--iter", "--json"]), max_size=4))
    for flag in flags:
        argv.append(flag)
        if flag in FLAG_VALUES:
            argv.append(draw(FLAG_VALUES[flag]))
    if command in ("trace", "derive", "lesson") and "t.npz" not in argv:
        argv += ["--iterations", draw(FLAG_VALUES["--iterations"])]
    if command == "trace":
        argv += ["-o", "out.npz"]
    if command == "lesson":
        argv += ["--lang", "en", "--format", "md", "--out", "out"]
    return argv


@pytest.fixture(scope="module")
def cli_home(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("cli")
    tracer.run(tracer.load_config(None, {"train.iterations": 5, "record.iterations": "all"})).save(home / "t.npz")
    (home / "c.toml").write_text("[train]\niterations = 5\n")
    return home


def _cli_case(cli_home: Path, argv: list[str]) -> None:
    before = {p.name: p.stat().st_mtime_ns for p in cli_home.iterdir() if p.name in ("t.npz", "c.toml")}
    run_cli(argv, cli_home)
    after = {p.name: p.stat().st_mtime_ns for p in cli_home.iterdir() if p.name in ("t.npz", "c.toml")}
    assert before == after   # the inputs are never touched
    assert {p.name for p in cli_home.iterdir()} <= {"t.npz", "c.toml", "out.npz", "out"}


@QUICK
@given(command_lines())
def test_cli_quick(cli_home, argv):
    _cli_case(cli_home, argv)


@pytest.mark.fuzz
@settings(LONG, max_examples=max(1, LONG.max_examples // 5))
@given(command_lines())
def test_cli_long(cli_home, argv):
    _cli_case(cli_home, argv)
