"""A strict, predictable command line: no abbreviations, one exit code per outcome, one line per error."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tracer.cli import build_parser, main

ROOT = Path(__file__).resolve().parent.parent


def one_error_line(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


def _parsers(parser):
    yield parser
    for action in parser._actions:
        for sub in getattr(action, "choices", None) or {}:
            if hasattr(action.choices[sub], "_actions"):
                yield from _parsers(action.choices[sub])


def test_every_parser_refuses_abbreviations():
    parsers = list(_parsers(build_parser()))
    assert len(parsers) >= 6
    assert all(p.allow_abbrev is False for p in parsers)


@pytest.mark.parametrize("argv", [
    ["trace", "--iter", "100", "-o", "x.npz"],
    ["show", "x.npz", "--ten", "w0"],
    ["diff", "a.npz", "b.npz", "--rt", "1"],
])
def test_abbreviations_are_refused(argv, capsys):
    assert main(argv) == 2
    assert "unrecognized arguments" in one_error_line(capsys)


def test_a_bug_is_one_line_and_exit_1(monkeypatch, capsys):
    import tracer.cli_trace as cli_trace

    def boom(args):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(cli_trace, "cmd_show", boom)
    monkeypatch.delenv("NNTRACE_DEBUG", raising=False)
    assert main(["show", "x.npz"]) == 1
    assert "internal error (ZeroDivisionError" in one_error_line(capsys)


def test_ctrl_c_is_exit_130_with_one_line(monkeypatch, capsys):
    import tracer.cli_trace as cli_trace

    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli_trace, "cmd_trace", interrupted)
    assert main(["trace", "-o", "x.npz"]) == 130
    assert one_error_line(capsys) == "nntrace: interrupted\n"


def test_a_closed_pipe_ends_quietly(tmp_path):
    trace = tmp_path / "t.npz"
    assert main(["trace", "--iterations", "3000", "--record", "all", "-o", str(trace)]) == 0
    proc = subprocess.run(f"{sys.executable} -m tracer show {trace} | head -1", shell=True,
                          capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert proc.stdout.startswith("network")
    assert proc.stderr == ""


@pytest.mark.slow
def test_ctrl_c_in_batch_prints_one_line_from_the_parent(tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "tracer", "batch", "--seeds", "1-40", "--jobs", "2",
                             "--lang", "en", "--format", "md", "--out", str(tmp_path / "class")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                            start_new_session=True)
    deadline = time.time() + 60
    while time.time() < deadline and not any((tmp_path / "class").glob("seed-*")):
        time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGINT)   # as a terminal's Ctrl-C: the parent and its workers
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert err == "nntrace: interrupted\n"
    assert not list((tmp_path / "class").glob(".seed-*"))


def test_error_lines_never_carry_raw_control_characters(capsys):
    assert main(["show", "x\x1b[2J\x07.npz"]) == 2
    err = one_error_line(capsys)
    assert "\x1b" not in err and "\x07" not in err
