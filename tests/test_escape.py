"""Nothing from outside becomes markup: a payload corpus through every text field of every family
(lesson, diff report, batch index, worksheet, answer key), in Markdown and HTML.

The HTML is parsed and searched for any element, attribute or URL a payload could add; the
Markdown is rendered by a permissive host (raw HTML on, dollar math on) and searched the same way.
A browser check that no handler runs belongs to the browser tests."""

from __future__ import annotations

import json
import os
import re
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tracer

PAYLOADS = [
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    '"><svg onload=alert(1)>',
    "[click](javascript:alert(1))",
    "`` x ` <b onmouseover=alert(1)>b</b> ``",
    "$\\text{<img src=x onerror=alert(1)>}$",
    "$\\href{javascript:alert(1)}{x}$",
    "\\url{javascript:alert(1)}",
    "$$\\style{color:red}{x}$$",
    "a | b ` $ c $",
    "ctrl\u0085\u007f\u2028end",
]
EVIL_TAGS = {"script", "img", "iframe", "object", "embed", "a", "b", "style", "link", "meta", "form", "input"}


def _config(payload: str, **extra):
    return tracer.load_config({
        "title": payload, "train": {"iterations": 3},
        "data": {"name": payload, "columns": [payload + f" {i}" for i in range(4)],
                 "inputs": [[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], "targets": [[0], [1], [1], [0]]},
        **extra})


def _report_docs(trace, payload: str):
    from tracer.compare import diff
    from tracer.compare.report import render_report

    other = tracer.run(tracer.load_config(trace.config, {"init.seed": 2}))
    c = diff(trace, other)
    c.tensors = [replace(t, name=payload + t.name) for t in c.tensors]
    c.first_divergence = replace(c.first_divergence, tensor=payload)
    c.config_differences = [(payload, payload, [payload])]
    c.not_comparable = [payload]
    return render_report(c, trace, other, langs=("en", "zh-en"))


def _index_docs(trace, payload: str):
    from tracer.batch.index import render_index
    from tracer.batch.run import Job, SeedResult

    job = Job(trace.config, "out", langs=("en", "zh-en"), exercises=True)
    results = [SeedResult(1, "seed-001", 0.1, True), SeedResult(2, "seed-002", error=payload)]
    return render_index(job, results)


def _all_documents(payload: str):
    from tracer.lesson.render import render_lesson
    from tracer.worksheet import render_exercises

    trace = tracer.run(_config(payload))
    docs = render_lesson(trace, langs=("en", "zh-en"))
    docs += _report_docs(trace, payload)
    docs += _index_docs(trace, payload)
    sheets, keys = render_exercises(trace, langs=("en", "zh-en"))
    return [d for d in docs + sheets + keys if d.path.endswith((".md", ".html"))]


@pytest.fixture(scope="module", params=range(len(PAYLOADS)), ids=lambda i: f"payload{i}")
def documents(request):
    return PAYLOADS[request.param], _all_documents(PAYLOADS[request.param])


def _check_tree(tree, where: str) -> None:
    for el in tree.iter():
        tag = el.tag.split("}")[-1] if isinstance(el.tag, str) else ""
        ours = (tag == "a" and not el.get("href", "").lower().startswith("javascript")
                or tag == "img" and re.fullmatch(r"figures/[a-z0-9.-]+\.svg", el.get("src", "")))
        assert tag not in EVIL_TAGS or ours, (where, tag)
        for name, value in el.attrib.items():
            name = name.split("}")[-1].lower()
            assert not name.startswith("on"), (where, tag, name)
            if name in ("href", "src", "action", "formaction", "background", "poster", "srcset"):
                assert "javascript:" not in value.lower(), (where, tag, name, value)
            if name == "href":
                assert tag == "a", (where, tag, name, value)
            if name == "style":   # the page's own formula width, nothing else
                assert (tag in ("div", "span") and re.fullmatch(r"--nntrace-fit: [0-9.]+", value)
                        or tag in ("th", "td") and re.fullmatch(r"text-align:(left|right|center)", value)), (where, tag, value)
        if tag == "mtext":
            assert len(list(el)) == 0, (where, "an element inside mtext")
        if tag == "svg":
            assert not any(a.lower().startswith("on") for a in el.attrib), where


@pytest.mark.slow
def test_html_holds_no_markup_from_outside(documents):
    import html5lib

    payload, docs = documents
    pages = [d for d in docs if d.path.endswith(".html")]
    assert {d.path.split(".")[0] for d in pages} == {"lesson", "report", "index", "exercises", "answers"}
    for doc in pages:
        text = doc.content.decode()
        explorer = re.search(r'<div class="nntrace-explorer">.*?</script></div>\n', text, re.S)
        if explorer:   # the lesson explorer's own template, style and script (tests/test_explorer.py)
            assert "alert(1)" not in explorer.group(0), doc.path
            text = text.replace(explorer.group(0), "")
        tree = html5lib.parse(text, namespaceHTMLElements=False)
        assert [el.tag for el in tree.find(".//head")] == ["meta", "meta", "title", "meta", "style"], doc.path
        _check_tree(tree.find(".//body"), doc.path)
        visible = "".join(tree.find(".//body").itertext())
        assert "alert(1)" not in visible or "alert(1)" in payload, doc.path


def _host_render(markdown: str) -> str:
    """The Markdown as a permissive host renders it: raw HTML allowed, $…$ math recognised."""
    from markdown_it import MarkdownIt
    from mdit_py_plugins.dollarmath import dollarmath_plugin

    md = MarkdownIt("commonmark", {"html": True}).enable("table")
    md.use(dollarmath_plugin, double_inline=False, allow_digits=False)
    env: dict = {}
    tokens = md.parse(markdown, env)
    for token in tokens:
        for child in token.children or []:
            if child.type == "math_inline":
                assert not re.search(r"\\(href|url|style|text\{<)|<", child.content), child.content
        if token.type == "math_block":
            assert not re.search(r"\\(href|url|style)|<", token.content), token.content
    return md.renderer.render(tokens, md.options, env)


@pytest.mark.slow
def test_markdown_holds_no_markup_from_outside(documents):
    import html5lib

    payload, docs = documents
    for doc in (d for d in docs if d.path.endswith(".md")):
        text = doc.content.decode()
        front, body = text.split("\n---\n", 1)
        for line in front.splitlines()[1:]:
            key, _, value = line.partition(": ")
            json.loads(value)                        # a valid YAML double-quoted string
            assert not re.search(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]", value), (doc.path, key)
        html = _host_render(body)
        _check_tree(html5lib.parseFragment(html, namespaceHTMLElements=False), doc.path)
        for line in body.splitlines():            # a payload never adds a table column
            if line.startswith("| ") and payload in ("a | b ` $ c $",):
                assert " | b ` " not in line, line


def test_a_code_span_cannot_be_closed_from_inside():
    from tracer.render.escape import md_code

    for text in PAYLOADS + ["`", "``a``", "a`", "`a"]:
        span = md_code(text)
        fence = re.match(r"`+", span).group(0)
        inner = span[len(fence):-len(fence)]
        assert fence not in inner, (text, span)


def test_mathml_from_a_course_template_is_cleaned():
    from tracer.render.sanitize import safe_mathml

    out = safe_mathml(r"\text{<img src=x onerror=alert(1)>} + \href{javascript:alert(1)}{x} + \style{color:red}{y}")
    assert "<img" not in out and "href=" not in out and "style=" not in out
    assert out.startswith("<math") and "<mtext>" in out


@pytest.mark.parametrize("latex", [r"\text{<span>}", r"x = \text{<b>a</b> & \"q\" '}", r"\mbox{</mtext><script>}",
                                   r"\text{a{b<c}d} < e"])
def test_markup_inside_text_math_stays_text(latex):
    # latex2mathml copies \text{…} as is; the page shows the characters, never a tag, and the
    # width estimate and the sanitizer get well-formed MathML (no traceback)
    from tracer.render.mathml import display_html, formula_html

    import xml.etree.ElementTree as ET

    for out in (formula_html(latex), display_html(latex)):
        for math in re.findall(r"<math.*?</math>", out, re.S):
            tags = {el.tag.rsplit("}", 1)[-1] for el in ET.fromstring(math).iter()}
            assert tags <= {"math", "mrow", "mi", "mo", "mn", "mtext", "mstyle", "mspace"}, (latex, tags)
        assert "&lt;" in out


# -- the render layer under random text (part of the fuzz campaign: quick here, long with -m fuzz) --

_PIECES = [*"<>&\"'`$\\|*_[]{}()#!:/=;\n\t\r ", "\u0000", "\u0085", "\u2028", "\u202e", "数据", "é", "a", "1",
           *PAYLOADS]
#: Text made of markup characters, control characters, CJK and whole payloads, in any order.
_RISKY = st.lists(st.sampled_from(_PIECES), max_size=12).map("".join)


def _fuzz_render(text: str) -> None:
    """Random text in the title, data name and column names of every family: either a clean
    refusal by the config, or documents in which nothing from the text is markup."""
    import html5lib

    from hypothesis import event

    try:
        docs = _all_documents(text)
    except tracer.TracerError:
        event("refused by the config")   # one clear line (the CLI tests check the line)
        return
    event("rendered")
    for doc in docs:
        page = doc.content.decode()
        if doc.path.endswith(".html"):
            explorer = re.search(r'<div class="nntrace-explorer">.*?</script></div>\n', page, re.S)
            if explorer:
                page = page.replace(explorer.group(0), "")
            _check_tree(html5lib.parse(page, namespaceHTMLElements=False).find(".//body"), doc.path)
        else:
            body = page.split("\n---\n", 1)[1]
            _check_tree(html5lib.parseFragment(_host_render(body), namespaceHTMLElements=False), doc.path)


@pytest.mark.slow
@settings(max_examples=6, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(_RISKY)
def test_random_text_never_becomes_markup_quick(text):
    _fuzz_render(text)


@pytest.mark.fuzz
@settings(max_examples=max(1, int(os.environ.get("NNTRACE_FUZZ_EXAMPLES", "2500")) // 10), deadline=None,
          database=None, suppress_health_check=list(HealthCheck))
@given(_RISKY)
def test_random_text_never_becomes_markup_long(text):
    _fuzz_render(text)
