"""Lesson notebooks: valid nbformat v4, the same bytes every run, runnable with numpy alone, checks that name a mismatch."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import tracer
from tracer.cli import main
from tracer.lesson.render import render_lesson

ROOT = Path(__file__).resolve().parent.parent
nbformat = pytest.importorskip("nbformat")


def _notebooks(trace, langs=("zh", "en", "zh-en")) -> dict[str, str]:
    return {d.path: d.content.decode() for d in render_lesson(trace, langs=langs, formats=["ipynb"])}


@pytest.fixture(scope="module")
def small_notebooks(small_trace):
    return _notebooks(small_trace)


def test_notebooks_are_valid_v4_and_byte_identical_to_nbformat(small_notebooks):
    assert sorted(small_notebooks) == ["lesson.en.ipynb", "lesson.zh-en.ipynb", "lesson.zh.ipynb"]
    for text in small_notebooks.values():
        nb = nbformat.reads(text, as_version=4)
        nbformat.validate(nb)
        assert nb.nbformat == 4 and nb.metadata.kernelspec.name == "python3"
        assert nb.metadata.language_info.name == "python"
        assert nbformat.writes(nb) + "\n" == text
        ids = [c.id for c in nb.cells]
        assert len(ids) == len(set(ids))
        assert all(c.outputs == [] and c.execution_count is None for c in nb.cells if c.cell_type == "code")


def test_same_trace_same_bytes(small_trace, small_notebooks):
    assert _notebooks(small_trace) == small_notebooks


def test_settings_come_first_and_only_numpy_is_imported(small_notebooks, small_trace):
    nb = json.loads(small_notebooks["lesson.en.ipynb"])
    code = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    settings = code[0]
    for name in ("seed = 1", "lr = 0.1", "layers = [3, 4, 1]", "iterations = 600", "shown = 0",
                 "x = np.array(", "y = np.array("):
        assert name in settings
    imports = {line.strip() for c in code for line in c.splitlines() if re.match(r"\s*(import|from)\s", line)}
    assert imports == {"import numpy as np"}
    assert not any("tracer" in c or "nntrace" in c.replace("nntrace recorded", "") for c in code[1:])
    checks = [c for c in nb["cells"] if c["id"].startswith("check-")]
    z1 = small_trace.get("z1", 0)
    assert any(repr(float(z1[1, 2])) in "".join(c["source"]) for c in checks)


def test_markdown_carries_prose_and_math_in_each_language(small_notebooks):
    zh = json.loads(small_notebooks["lesson.zh.ipynb"])
    both = json.loads(small_notebooks["lesson.zh-en.ipynb"])
    md = ["".join(c["source"]) for c in zh["cells"] if c["cell_type"] == "markdown"]
    assert any("$$\n" in m for m in md) and any(re.search(r"\$[^$\n]+\$", m) for m in md)
    assert "反向传播" in "".join(md) and "Backpropagation" not in "".join(md)
    ids = [c["id"] for c in both["cells"]]
    assert ids.index("md-forward-z1-zh") + 1 == ids.index("md-forward-z1-en")   # cell by cell
    assert ids.count("code-forward-z1") == 1


def test_cli_writes_notebooks_by_default_and_refuses_unknown_formats(tmp_path, capsys):
    out = tmp_path / "o"
    assert main(["lesson", "--iterations", "30", "--lang", "en", "--out", str(out)]) == 0
    assert {"lesson.en.md", "lesson.en.html", "lesson.en.ipynb"} <= {p.name for p in out.iterdir()}
    assert main(["lesson", "--iterations", "30", "--format", "pdf", "--out", str(tmp_path / "x")]) == 2
    assert "md, html, ipynb" in capsys.readouterr().err


def _run(text: str, cwd: Path, *, first: str = ""):
    """Execute a notebook in a fresh kernel where importing nntrace fails; returns the executed node."""
    from nbclient import NotebookClient

    nb = nbformat.reads(text, as_version=4)
    blocker = nbformat.v4.new_code_cell("import sys\nsys.modules['tracer'] = None  # the notebook must not need nntrace\n" + first)
    nb.cells.insert(0, blocker)
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}).execute()
    return nb


def _agreements(nb) -> int:
    text = "".join("".join(o.get("text", "")) for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    return text.count("agrees with the recorded numbers")


@pytest.mark.slow
@pytest.mark.parametrize("config", [None, "examples/deep_tanh_bias.toml", "examples/xor.toml"])
def test_notebook_runs_top_to_bottom_and_every_check_agrees(config, tmp_path):
    pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    from tracer.lesson.run import trace_for_lesson

    trace, _ = trace_for_lesson(tracer.load_config(ROOT / config if config else None))
    text = _notebooks(trace, ("en",))["lesson.en.ipynb"]
    nb = _run(text, tmp_path)
    checks = sum(1 for c in nb.cells if c.get("id", "").startswith("check-") for line in c.source.splitlines()
                 if line.startswith("check("))
    assert checks > 10 and _agreements(nb) == checks


@pytest.mark.slow
@pytest.mark.parametrize("lang, words", [("en", "differs: this notebook computed"), ("zh", "对不上：本笔记本算出")])
def test_a_changed_learning_rate_stops_at_a_named_mismatch(lang, words, small_trace, tmp_path):
    pytest.importorskip("nbclient")
    from nbclient.exceptions import CellExecutionError

    text = _notebooks(small_trace, (lang,))[f"lesson.{lang}.ipynb"]
    nb = nbformat.reads(text, as_version=4)
    settings = next(c for c in nb.cells if c.cell_type == "code")
    assert "lr = 0.1\n" in settings.source
    settings.source = settings.source.replace("lr = 0.1\n", "lr = 0.5\n")
    with pytest.raises(CellExecutionError) as caught:
        _run(nbformat.writes(nb), tmp_path)
    assert caught.value.ename == "Mismatch"
    w1 = small_trace.get("w1_next", 0)[0, 0]
    assert words in caught.value.evalue and caught.value.evalue.startswith("w1[0, 0]")
    assert repr(float(w1)) in caught.value.evalue   # the recorded value, next to the one computed


@pytest.mark.slow
def test_execute_stores_outputs(tmp_path):
    pytest.importorskip("nbclient")
    out = tmp_path / "o"
    assert main(["lesson", "--iterations", "30", "--lang", "en", "--format", "ipynb", "--execute", "--out", str(out)]) == 0
    nb = nbformat.read(out / "lesson.en.ipynb", as_version=4)
    nbformat.validate(nb)
    assert all(c.execution_count for c in nb.cells if c.cell_type == "code")
    assert _agreements(nb) > 10
