"""The HTML lesson in a real headless Chromium (Debian's /usr/bin/chromium, never a downloaded one).

Skipped when Chromium or Playwright is missing, unless NNTRACE_REQUIRE_BROWSER=1 (CI), which turns
the skip into a failure. Screenshots go to $NNTRACE_TEST_ARTIFACTS when it is set (to look at
them), else to pytest's tmp folder.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tracer.lesson.render import render_lesson
from tracer.lesson.write import write_documents

pytestmark = pytest.mark.browser
HOST = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>host</title>
<style>body { font-family: monospace; color: rgb(200, 0, 0); } p { font-size: 31px; color: rgb(0, 120, 0); }
h2 { text-transform: uppercase; } table { border: 7px solid black; }</style></head>
<body><p id="host-before">host text before</p>
{fragment}
<p id="host-after">host text after</p></body></html>
"""

SHOTS: list[Path] = []   # where _check saves its screenshots


@pytest.fixture(scope="module", autouse=True)
def _screenshots(tmp_path_factory):
    given = os.environ.get("NNTRACE_TEST_ARTIFACTS")
    SHOTS[:] = [Path(given) if given else tmp_path_factory.mktemp("screenshots")]


@pytest.fixture(scope="module")
def pages(small_trace, tmp_path_factory):
    """All three languages as pages and as fragments."""
    out = tmp_path_factory.mktemp("pages")
    docs = render_lesson(small_trace, formats=["html"])
    docs += render_lesson(small_trace, formats=["html"], fragment=True)
    write_documents(out, docs)
    return out


def _open(browser, path: Path):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    outside, errors = [], []
    page.on("request", lambda r: None if r.url.startswith(("file://", "data:", "about:")) else outside.append(r.url))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return page, outside, errors


#: ``all(selector)``: the matching elements of the page and of every open shadow root (fragments).
ALL = """const all = sel => { const out = [];
    const visit = root => { out.push(...root.querySelectorAll(sel));
      for (const el of root.querySelectorAll('*')) if (el.shadowRoot) visit(el.shadowRoot); };
    visit(document); return out; };"""


def _check(page, outside, errors, name: str, min_figures: int = 4, math: bool = True) -> None:
    maths = page.evaluate("""() => { %s return all('math').map(m =>
        [m instanceof MathMLElement, m.getBoundingClientRect().height]); }""" % ALL)
    assert maths or not math, f"{name}: no <math> elements"
    assert all(is_mathml for is_mathml, _ in maths), f"{name}: a <math> is not a MathMLElement"
    assert all(h > 0 for _, h in maths), f"{name}: a <math> has zero height"
    boxes = page.evaluate("""() => { %s return all('svg').map(s => {
        const r = s.getBoundingClientRect(); return [r.width, r.height]; }); }""" % ALL)
    assert len(boxes) >= min_figures and all(w > 0 and h > 0 for w, h in boxes), f"{name}: an empty figure {boxes}"
    assert outside == [], f"{name}: requests left file:// {outside}"
    assert errors == [], f"{name}: console errors {errors}"
    SHOTS[0].mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS[0] / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("lang", ["zh", "en", "zh-en"])
def test_page_renders_offline_with_mathml_and_figures(browser, pages, lang):
    page, outside, errors = _open(browser, pages / f"lesson.{lang}.html")
    try:
        _check(page, outside, errors, f"lesson.{lang}")
        text = page.inner_text("body")
        has_zh, has_en = bool(re.search(r"[\u4e00-\u9fff]{4}", text)), "backpropagation" in text.lower()
        assert (has_zh, has_en) == {"zh": (True, False), "en": (False, True), "zh-en": (True, True)}[lang] or \
            (lang == "en" and has_en and not re.search(r"[\u4e00-\u9fff]", text))
        if lang == "zh-en":
            assert page.locator('.nntrace-lang[lang="zh-CN"]').count() > 5
            assert page.locator('.nntrace-lang[lang="en"]').count() > 5
        math_font = page.evaluate("getComputedStyle(document.querySelector('math')).fontFamily")
        assert "TeX Gyre Termes Math" in math_font
    finally:
        page.close()


def test_every_page_parses_strictly(pages):
    import html5lib

    paths = sorted(pages.glob("lesson.*.html"))
    assert len(paths) == 6  # zh, en, zh-en: page and fragment
    for path in paths:
        parser = html5lib.HTMLParser(strict=True)
        text = path.read_text()
        parser.parseFragment(text) if path.name.endswith(".fragment.html") else parser.parse(text)


@pytest.fixture(scope="module")
def documents(tmp_path_factory):
    """The other documents that share the lesson's page renderer: a diff report, a batch index, a
    worksheet and its answer key, as pages and (the report) as a fragment in the host page."""
    import tracer
    from tracer.batch import Job, batch
    from tracer.batch.index import render_index
    from tracer.compare import diff
    from tracer.compare.report import render_report

    out = tmp_path_factory.mktemp("documents")
    a = tracer.run(tracer.load_config(None, {"train.iterations": 600}))
    b = tracer.run(tracer.load_config(None, {"train.iterations": 600, "init.seed": 2}))
    result = diff(a, b, align_units=True)
    docs = render_report(result, a, b, formats=["html"]) + render_report(result, a, b, formats=["html"], fragment=True)
    write_documents(out, docs)
    frag = out / "report.zh-en.fragment.html"
    (out / "report.host.html").write_text(HOST.replace("{fragment}", frag.read_text()))
    job = Job(a.config, str(out / "batch"), ("zh-en",), ("html",), exercises=True)
    results = batch(job, [1, 2], jobs=1)
    write_documents(out / "batch", render_index(job, results))
    return out


@pytest.mark.parametrize("path,figures,math", [
    ("report.en.html", 1, True), ("report.zh-en.html", 1, True), ("report.host.html", 1, True),
    ("batch/index.zh-en.html", 0, False), ("batch/seed-001/exercises.zh-en.html", 0, True),
    ("batch-answers/seed-002/answers.zh-en.html", 0, True),
])
def test_other_documents_render_offline(browser, documents, path, figures, math):
    page, outside, errors = _open(browser, documents / path)
    try:
        _check(page, outside, errors, path.replace("/", "-").removesuffix(".html"), min_figures=figures, math=math)
        text = page.evaluate("() => { %s return all('div.nntrace-lesson, article.nntrace-lesson')"
                             ".map(e => e.innerText).join('\\n'); }" % ALL)
        if "zh-en" in path or "host" in path:
            assert re.search(r"[\u4e00-\u9fff]{2}", text) and re.search(r"[A-Za-z]{6}", text)
        if path.startswith("batch/index"):
            for link in page.evaluate("() => [...document.querySelectorAll('a')].map(a => a.href)"):
                assert link.startswith("file://") and Path(link[len("file://"):]).is_file(), link
    finally:
        page.close()
