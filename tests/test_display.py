"""Rich display: Trace, Derivation and the lesson object in Jupyter (HTML, Markdown, LaTeX)."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

import tracer
from tracer.render.numbers import num

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = "<script>alert(1)</script> & _x_ $y$"


@pytest.fixture(scope="module")
def titled_trace():
    return tracer.run(tracer.load_config(None, {"train.iterations": 300, "title": HOSTILE}))


def test_trace_html_lists_every_tensor_and_escapes_the_title(titled_trace):
    out = titled_trace._repr_html_()
    assert "<script>" not in out
    assert html.escape(HOSTILE) in out
    for name in titled_trace.names:
        assert f"<td>{name}</td>" in out
    last = int(titled_trace.recorded_iterations[-1])
    assert f"<td>{last}</td><td>{num(float(titled_trace.get('loss', last)), 6)}</td>" in out


def test_trace_markdown_and_latex_are_compact_and_escaped(titled_trace):
    md = titled_trace._repr_markdown_()
    assert "<script>" not in md and "&lt;script&gt;" in md
    assert "| w0\\_grad | 3×4 |" in md
    latex = titled_trace._repr_latex_()
    assert latex.startswith(r"\begin{tabular}") and r"\_x\_" in latex and r"\$y\$" in latex


def test_long_traces_elide_the_middle_iterations():
    trace = tracer.run(tracer.load_config(None, {"train.iterations": 40, "record.iterations": "all"}))
    out = trace._repr_html_()
    assert "<td>39</td>" in out and "<td>0</td>" in out and "<td>…</td>" in out
    assert "<td>20</td>" not in out


def test_derivation_shows_formula_and_three_numbers(small_trace):
    d = tracer.derive(small_trace, "w0[1,2]", 100)[0]
    out = d._repr_html_()
    assert "<math" in out and "w0[1,2]" in out
    for value in (d.value, d.numpy_value, d.finite_difference):
        assert num(value, 12) in out
    md = d._repr_markdown_()
    assert f"$$\n{d.latex}\n$$" in md and num(d.numpy_value, 12) in md
    assert d._repr_latex_().startswith(f"$$ {d.latex} $$")


def test_lesson_object_renders_in_the_language_asked(small_trace):
    zh = tracer.make_lesson(small_trace, lang="zh")
    en = tracer.make_lesson(small_trace, lang="en")
    assert zh._repr_html_().startswith('<article class="nntrace-lesson" lang="zh-CN">')
    assert en._repr_html_().startswith('<article class="nntrace-lesson" lang="en">')
    assert "反向传播" in zh._repr_html_() and "反向传播" not in en._repr_html_()
    md = en._repr_markdown_()
    assert not md.startswith("---") and "](figures/" not in md
    assert "](data:image/svg+xml;base64," in md


def test_lesson_object_matches_the_written_lesson(small_trace, tmp_path):
    from tracer.lesson.render import render_lesson

    lesson = tracer.make_lesson(small_trace, lang="en")
    written = {p.name: p.read_bytes() for p in lesson.write(tmp_path)}
    expected = {d.path: d.content for d in render_lesson(small_trace, langs=("en",))}
    assert written["lesson.en.html"] == expected["lesson.en.html"]
    assert lesson.markdown().encode() == expected["lesson.en.md"]


def test_make_lesson_refuses_an_unknown_language(small_trace):
    with pytest.raises(tracer.TracerError, match="'fr'"):
        tracer.make_lesson(small_trace, lang="fr")
    with pytest.raises(tracer.TracerError, match="digits"):
        tracer.make_lesson(small_trace, digits=0)


def _readme_cells() -> list[str]:
    text = (ROOT / "README.md").read_text()
    section = text.split("### In Jupyter", 1)[1]
    block = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    return [cell.strip() for cell in block.split("\n\n") if cell.strip()]


@pytest.mark.slow
def test_readme_jupyter_section_runs_in_a_kernel():
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    cells = _readme_cells()
    assert len(cells) == 3
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    nbclient.NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}).execute()
    shown = [cell.outputs[-1]["data"] for cell in nb.cells]
    for data in shown:
        assert {"text/html", "text/markdown"} <= set(data)
    assert "nntrace Trace" in shown[0]["text/html"] and "<td>w0_grad</td>" in shown[0]["text/html"]
    grad = tracer.run(tracer.load_config(ROOT / "examples/seed.toml")).get("w0_grad", 10000)[1, 2]
    assert num(float(grad), 12) in shown[1]["text/html"]
    assert shown[2]["text/html"].startswith('<article class="nntrace-lesson" lang="zh-CN">')
