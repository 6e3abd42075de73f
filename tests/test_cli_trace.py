"""``nntrace trace`` and ``nntrace show`` through ``main(argv)``: exit codes, one-line errors, exact JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import tracer
from tracer.cli import main

ROOT = Path(__file__).resolve().parent.parent


def test_trace_then_show(tmp_path, capsys):
    out = tmp_path / "seed.npz"
    assert main(["trace", "--iterations", "300", "--record", "0,last", "-o", str(out)]) == 0
    assert "wrote" in capsys.readouterr().out
    assert main(["show", str(out)]) == 0
    text = capsys.readouterr().out
    assert "layers [3, 4, 1]" in text and "z1 [5, 4]" in text
    trace = tracer.load_trace(out)
    assert repr(float(trace.get("loss", 0))) in text
    assert main(["show", str(out), "--iteration", "-1", "--tensor", "w0_grad", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["iteration"] == 299 and shown["tensor"] == "w0_grad" and shown["shape"] == [3, 4]
    assert shown["dtype"] == "float64"
    assert np.array_equal(np.array(shown["value"]), trace.get("w0_grad", 299))  # floats read back exactly


def test_flags_override_the_config(tmp_path):
    out = tmp_path / "x.npz"
    argv = ["trace", "--config", str(ROOT / "examples" / "xor.toml"), "--seed", "4", "--lr", "0.25",
            "--iterations", "40", "--layers", "2,3,1", "--activation", "tanh,sigmoid", "--record", "all", "-o", str(out)]
    assert main(argv) == 0
    cfg = tracer.load_trace(out).config
    assert (cfg.init.seed, cfg.train.lr, cfg.train.iterations) == (4, 0.25, 40)
    assert cfg.network.layers == (2, 3, 1) and cfg.network.activation == ("tanh", "sigmoid")
    assert cfg.data.name == "xor"


def test_data_flag_takes_a_preset_or_a_csv(tmp_path):
    out = tmp_path / "x.npz"
    assert main(["trace", "--data", "and", "--iterations", "5", "-o", str(out)]) == 0
    assert tracer.load_trace(out).config.data.name == "and"
    assert main(["trace", "--data", str(ROOT / "examples" / "and.csv"), "--iterations", "5", "-o", str(out)]) == 0
    assert tracer.load_trace(out).config.data.columns == ("a", "b", "a_and_b")


@pytest.mark.parametrize("argv,pattern", [
    (["trace", "--lr", "0", "-o", "{out}"], "train.lr must be a finite number above 0"),
    (["trace", "--layers", "3,x,1", "-o", "{out}"], "--layers '3,x,1' must be integers"),
    (["trace", "--record", "0,70000", "-o", "{out}"], "record item '70000' is out of range"),
    (["trace", "--data", "iris", "-o", "{out}"], "data.preset 'iris' is not known"),
    (["trace", "--config", "{tmp}/missing.toml", "-o", "{out}"], "does not exist"),
    (["trace", "--activation", "linear", "--lr", "5", "--iterations", "3000", "-o", "{out}"], "training diverged"),
    (["trace", "--layers", "64,128,10", "--data", "{tmp}/wide.csv", "--iterations", "3000", "--record", "all",
      "-o", "{out}"], r"GiB; record fewer iterations \(--record\) or pass --force"),
    (["trace"], "the following arguments are required: -o/--output"),
    (["trace", "--seed", "one", "-o", "{out}"], "invalid int value: 'one'"),
    (["show", "{tmp}/missing.npz"], "does not exist"),
    (["show", "{tmp}/good.npz", "--iteration", "5", "--tensor", "z1"], "iteration 5 was not recorded"),
    (["show", "{tmp}/good.npz", "--iteration", "0"], "give --iteration and --tensor together"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys, argv, pattern):
    tracer.run({"train": {"iterations": 3}, "record": {"iterations": "0"}}).save(tmp_path / "good.npz")
    rows = np.zeros((200, 74))
    np.savetxt(tmp_path / "wide.csv", rows, delimiter=",")
    out = tmp_path / "out.npz"
    argv = [a.format(out=out, tmp=tmp_path) for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("nntrace: error: ")
    assert pattern in err or __import__("re").search(pattern, err)
    assert "Traceback" not in err
    assert not out.exists()
    assert not list(tmp_path.glob(".*.tmp"))


def test_console_script_exit_code_and_no_traceback(tmp_path):
    run = subprocess.run([sys.executable, "-m", "tracer", "trace", "--lr", "nan", "-o", str(tmp_path / "t.npz")],
                         capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 2
    assert run.stderr.strip().splitlines() == ["nntrace: error: train.lr must be a finite number above 0 such as 0.1, not nan"]


def test_trace_imports_no_heavy_libraries(tmp_path):
    code = (
        "import sys\nfrom tracer.cli import main\n"
        f"assert main(['trace', '--iterations', '10', '-o', {str(tmp_path / 't.npz')!r}]) == 0\n"
        "heavy = [m for m in ('sympy', 'jinja2', 'markdown_it', 'latex2mathml', 'tqdm') if m in sys.modules]\n"
        "print(heavy)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip().splitlines()[-1] == "[]"


def test_progress_bar_only_on_a_terminal(tmp_path):
    from tracer.cli_trace import progress_bar

    update, close = progress_bar(60000, enabled=None)  # pytest's stderr is not a terminal
    assert update is None
    from tracer.cli_trace import expected_seconds

    assert 0.5 < expected_seconds(tracer.load_config(None)) < 3          # the article's run: about a second
    assert expected_seconds(tracer.load_config(None, {"train.iterations": 100})) < 0.1
    update, close = progress_bar(100, enabled=True)
    update(50)
    close()
