"""The lesson: the committed gallery, languages, formats, escaping and other networks."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tracer.cli import main
from tracer.lesson.render import render_lesson

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "output"
EXPLORER = re.compile(r'<div class="nntrace-explorer">.*?</script></div>\n', re.S)
SIX = ["lesson.zh.md", "lesson.en.md", "lesson.zh-en.md", "lesson.zh.html", "lesson.en.html", "lesson.zh-en.html"]


@pytest.fixture(scope="module")
def gallery(tmp_path_factory):
    """``nntrace lesson`` with no arguments, run in a temporary folder."""
    out = tmp_path_factory.mktemp("gallery") / "output"
    assert main(["lesson", "--out", str(out)]) == 0
    return out


def test_gallery_is_reproduced_byte_for_byte(gallery):
    # regenerate with: nntrace lesson   (from the repository root)
    produced = sorted(p.relative_to(gallery).as_posix() for p in gallery.rglob("*") if p.is_file())
    committed = sorted(p.relative_to(OUTPUT).as_posix() for p in OUTPUT.rglob("*") if p.is_file())
    assert set(SIX) <= set(produced)
    assert any(p.startswith("figures/") and p.endswith(".svg") for p in produced)
    assert produced == committed
    for name in produced:
        assert (gallery / name).read_bytes() == (OUTPUT / name).read_bytes(), f"output/{name} is stale"


def test_rendering_is_deterministic(small_trace):
    a = render_lesson(small_trace, langs=["en"])
    b = render_lesson(small_trace, langs=["en"])
    assert [(d.path, d.content) for d in a] == [(d.path, d.content) for d in b]


def test_gallery_holds_the_real_numbers(gallery):
    en = (gallery / "lesson.en.md").read_text()
    zh = (gallery / "lesson.zh.md").read_text()
    for text in (en, zh):
        assert "0.1215" in text          # the article's first printed error, 0.12147927773116377
        assert "0.0001295" in text       # its last, 0.0001295282321497826
    assert en.startswith('---\ntitle: "') and "\ndescription: " in en.split("---")[1]
    assert "![" in en and "](figures/" in en


def test_markdown_math_is_arithmatex_and_myst_friendly(gallery):
    text = (gallery / "lesson.zh-en.md").read_text()
    for line in text.splitlines():
        if line != "$$":
            for math in re.findall(r"\$([^$]+)\$", line.replace("\\$", "")):
                assert math == math.strip(), f"inline math must not start or end with a space: {math!r}"
    for block in re.findall(r"\n\$\$\n(.*?)\n\$\$\n", text, re.S):
        assert "\n\n" not in block and "begin{aligned}" not in block
    assert "::: " not in text and "{#nntrace" not in text  # HTML-only extensions stay out of the .md


def test_bilingual_terms_get_their_counterpart_once(gallery):
    text = (gallery / "lesson.zh-en.md").read_text()
    assert text.count("**反向传播**（backpropagation）") == 1
    assert text.count("**backpropagation** (反向传播)") == 1
    assert "**学习率**（learning rate）" in text
    assert "（backpropagation）" not in (gallery / "lesson.zh.md").read_text()


def _prose_shape(code: str):
    from jinja2 import meta, nodes

    from tracer.render.environment import environment

    env = environment(None)
    source = env.loader.get_source(env, f"lesson/prose/{code}.md.j2")[0]
    ast = env.parse(source)
    macros = sorted(m.name for m in ast.find_all(nodes.Macro))
    attrs = sorted({(n.node.name, n.attr) for n in ast.find_all(nodes.Getattr) if isinstance(n.node, nodes.Name)})
    sets = sorted({n.target.name for n in ast.find_all(nodes.Assign) if isinstance(n.target, nodes.Name)})
    keys = {}
    for assign in ast.find_all(nodes.Assign):
        if isinstance(assign.node, nodes.Dict):
            keys[assign.target.name] = sorted(p.key.value for p in assign.node.items)
    return macros, sorted(meta.find_undeclared_variables(ast)), attrs, sets, keys


def test_every_language_has_the_same_sections_and_variables():
    from tracer.render.environment import languages

    codes = languages()
    assert {"zh", "en"} <= set(codes)
    shapes = {code: _prose_shape(code) for code in codes}
    first = shapes[codes[0]]
    assert "chain_intro" in first[0] and "lead" in first[0]
    for code, shape in shapes.items():
        assert shape == first, f"prose/{code}.md.j2 differs from prose/{codes[0]}.md.j2"


def test_html_page_and_fragment_structure(small_trace):
    import html5lib

    docs = {d.path: d.content.decode() for d in render_lesson(small_trace, langs=["zh-en"], formats=["html"])}
    page = docs["lesson.zh-en.html"]
    assert page.startswith("<!DOCTYPE html>\n<html lang=\"zh-CN\">")
    assert 'lang="en"' in page and 'lang="zh-CN"' in page and "<math" in page and "<svg" in page
    static = EXPLORER.sub("", page)   # the explorer's own data and script (tests/test_explorer.py)
    assert "<script" not in static and "http://" not in page.replace("http://www.w3.org/", "")
    html5lib.HTMLParser(strict=True).parse(page)
    frag = render_lesson(small_trace, langs=["en"], formats=["html"], fragment=True)[0]
    assert frag.path == "lesson.en.fragment.html"
    text = frag.content.decode()
    assert text.startswith('<article class="nntrace-lesson"') and text.rstrip().endswith("</article>")
    assert text.count("<article") == 1 and "<html" not in text and "<body" not in text
    assert all(i.startswith("nntrace-") for i in re.findall(r'\bid="([^"]*)"', text))
    css = re.search(r"<style>(.*?)</style>", text, re.S).group(1)
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    css = re.sub(r"@page\s*\{[^}]*\}", "", css)
    css = re.sub(r"@(media|container)[^{]*\{", "", css)
    for rule in re.findall(r"([^{}]+)\{", css):
        for selector in rule.split(","):
            assert selector.strip().startswith((".nntrace-lesson", ":host")), selector
    html5lib.HTMLParser(strict=True).parseFragment(text)


def test_user_text_is_escaped_everywhere():
    import tracer

    config = tracer.load_config({"title": "<script>alert(1)</script> | x", "train": {"iterations": 50},
                                 "data": {"inputs": [[0, 1], [1, 0]], "targets": [[1], [0]],
                                          "columns": ["a|b", "<script>", "$y*"]},
                                 "network": {"layers": [2, 2, 1]}})
    docs = {d.path: d.content.decode() for d in render_lesson(tracer.run(config), langs=["en"])}
    md, html = docs["lesson.en.md"], docs["lesson.en.html"]
    front, body = md.split("\n---\n", 1)
    assert 'title: "<script>alert(1)</script> | x"' in front  # a YAML string: text, not markup
    assert "<script>" not in body and "<script" not in EXPLORER.sub("", html) and "alert" not in EXPLORER.search(html).group(0)
    assert "# &lt;script&gt;alert" in body and "a\\|b" in md and "\\$y\\*" in md
    assert "<title>&lt;script&gt;alert(1)&lt;/script&gt; | x</title>" in html
    assert "a|b</th>" in html and "&lt;script&gt;</th>" in html and "$y*</th>" in html
    header = next(line for line in md.splitlines() if line.startswith("| n |"))
    assert header.count(" | ") == 3  # the | in a column name did not add a table column


def test_autoescape_covers_html_j2_templates():
    from tracer.render.environment import environment

    env = environment(None)
    assert env.autoescape("page.html.j2") and env.autoescape("x.html") and not env.autoescape("lesson/lesson.md.j2")


def test_deeper_network_with_biases_tanh_and_bce_renders(deep_trace):
    docs = {d.path: d.content for d in render_lesson(deep_trace, langs=["zh", "en"])}
    en = docs["lesson.en.md"].decode()
    for k in (1, 2, 3):
        assert f"`l{k}_delta`" in en
    assert "### `w2[0,0]`" in en and "### `w0[0,0]`" in en
    assert r"\ln" in en and "b^{(0)}" in en
    assert "figures/chain-w2.svg" in docs


def test_large_matrices_are_sliced_with_shape_and_norms():
    import tracer

    rng_inputs = [[(i * 7 + j) % 5 / 4 for j in range(12)] for i in range(10)]
    config = tracer.load_config({"network": {"layers": [12, 9, 1]}, "train": {"iterations": 20},
                                 "data": {"inputs": rng_inputs, "targets": [[i % 2] for i in range(10)]}})
    text = render_lesson(tracer.run(config), langs=["en"], formats=["md"])[0].content.decode()
    assert r"\cdots" in text and r"\vdots" in text and "has shape 12×9, Frobenius norm" in text


def test_bad_options_are_one_line_errors(capsys, tmp_path):
    assert main(["lesson", "--lang", "fr", "--out", str(tmp_path)]) == 2
    assert "no prose for 'fr'" in capsys.readouterr().err
    assert main(["lesson", "--format", "pdf", "--out", str(tmp_path)]) == 2
    assert main(["lesson", "--templates", str(tmp_path / "none"), "--iterations", "10", "--out", str(tmp_path)]) == 2
    assert list(tmp_path.iterdir()) == []


def test_templates_override_any_template(tmp_path, small_trace):
    (tmp_path / "page.css").write_text(".nntrace-lesson { color: #123456; }\n")
    html = render_lesson(small_trace, langs=["en"], formats=["html"], templates=str(tmp_path))[0].content.decode()
    assert "#123456" in html


def test_unknown_latex_macro_fails_loudly():
    from tracer.render.mathml import MathError, to_mathml

    with pytest.raises(MathError, match="foo"):
        to_mathml(r"\foo{x}")
    with pytest.raises(MathError, match="aligned"):
        to_mathml(r"\begin{aligned} a &= b \end{aligned}")


def test_importing_the_lesson_cli_stays_light():
    code = ("import sys, tracer.cli; tracer.cli.build_parser(); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('jinja2','markdown_it','sympy','latex2mathml')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": str(ROOT)}).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize("example", sorted(p.name for p in (Path(__file__).resolve().parent.parent / "examples").glob("*.toml")))
def test_every_shipped_example_renders(example, tmp_path):
    import tracer
    from tracer.lesson.run import lesson

    path = Path(__file__).resolve().parent.parent / "examples" / example
    config = tracer.load_config(path, {"train.iterations": 300, "record.iterations": "0,1,2,last"})
    written = lesson(config, out=tmp_path, langs=("zh-en",), formats=("md", "html"))
    names = {p.name for p in written}
    assert {"lesson.zh-en.md", "lesson.zh-en.html"} <= names
    md = (tmp_path / "lesson.zh-en.md").read_text()
    w0 = tracer.run(config).get("w0", 0)
    assert f"{w0[0, 0]:.4g}".rstrip("0") in md or f"{w0[0, 0]:.4g}" in md
    assert "<mi>\\" not in (tmp_path / "lesson.zh-en.html").read_text()
