"""The HTML lesson's explorer: its data, its size, and (in headless Chromium) what a reader can do with it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import tracer
from tracer.render.numbers import shown as num   # the explorer shows numbers signed with U+2212
from tracer.lesson.render import render_lesson
from tracer.lesson.write import write_documents

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
BLOCK = re.compile(r'<div class="nntrace-explorer">.*?</script></div>\n', re.S)
DATA = re.compile(r'<script type="application/json" class="nx-data">(.*?)</script>', re.S)


@pytest.fixture(scope="module")
def lesson():
    """The default lesson's trace (60000 iterations, its table rows and the loss-curve points)."""
    from tracer.lesson.run import trace_for_lesson

    return trace_for_lesson(tracer.load_config(None))


@pytest.fixture(scope="module")
def pages(lesson, tmp_path_factory):
    trace, table = lesson
    out = tmp_path_factory.mktemp("explorer")
    docs = render_lesson(trace, formats=["html"], table_iterations=table)
    frag = render_lesson(trace, langs=["en", "zh-en"], formats=["html"], fragment=True, table_iterations=table)
    write_documents(out, docs + frag)
    host = "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>host</title></head><body>{}{}</body></html>"
    (out / "two.host.html").write_text(host.format((out / "lesson.en.fragment.html").read_text(),
                                                   (out / "lesson.zh-en.fragment.html").read_text()))
    return out


def _payload(text: str) -> dict:
    return json.loads(DATA.search(text).group(1))


def test_default_lesson_sizes(pages):
    text = (pages / "lesson.en.html").read_text()
    data = DATA.search(text).group(1)
    script = re.search(r"</script><script>(.*?)</script></div>", text, re.S).group(1)
    assert len((pages / "lesson.zh-en.html").read_bytes()) <= 1_500_000
    assert len(data.encode()) <= 300_000
    assert len(script.encode()) <= 60_000
    assert "http://" not in script and "https://" not in script and "fetch(" not in script


def test_explorer_carries_the_table_iterations_and_every_loss(pages, lesson):
    from tracer.lesson.facts import table_iterations

    trace, wanted = lesson
    table = table_iterations(trace, wanted)   # the config's own rows and the curve's turning points
    assert set(wanted) < set(table)
    payload = _payload((pages / "lesson.en.html").read_text())
    assert payload["its"] == list(table)
    assert [it for it, _ in payload["loss"]] == [int(i) for i in trace.recorded_iterations]
    text = (pages / "lesson.en.html").read_text()
    assert f"iterations {', '.join(map(str, table))}" in text and f"all {len(trace.recorded_iterations)} recorded" in text


def test_chain_numbers_match_derive(pages, lesson):
    trace, _ = lesson
    payload = _payload((pages / "lesson.en.html").read_text())
    frame = payload["frames"][payload["its"].index(10000)]
    d = tracer.derive(trace, "w0[1,2]", 10000)[0]
    c = frame["chain"]["w0[1,2]"]
    assert (c["derived"], c["numpy"], c["fd"]) == (num(d.value, 12), num(d.numpy_value, 12), num(d.finite_difference, 12))
    assert c["grad"] == num(float(trace.get("w0_grad", 10000)[1, 2]), 4) and c["agree"]
    assert len(c["rows"]) == 5 and [r[-1] for r in c["rows"]][1] == num(float(
        (d.factors[0].values[1] * d.factors[1].values[1] * d.factors[2].values[0] * d.factors[3].values[1]
         * d.factors[4].values[1])), 4)


def test_biases_and_deep_networks(deep_trace):
    from tracer.explorer import prepare

    prepared = prepare(deep_trace, digits=4, iteration=0, table_iterations=None)
    frame = prepared.frames[0]
    for weight in ("b1[2]", "w2[3,1]", "w0[2,4]"):
        d = tracer.derive(deep_trace, weight, 0)[0]
        c = frame["chain"][weight]
        assert c["numpy"] == num(d.numpy_value, 12) and c["derived"] == num(d.value, 12) and c["agree"]
        assert abs(float(c["fd"].replace("\u2212", "-")) - d.finite_difference) <= 1e-9


def test_no_javascript_page_is_the_static_lesson(small_trace, monkeypatch):
    with_explorer = render_lesson(small_trace, langs=["en"], formats=["html"])[0].content.decode()
    static = render_lesson(small_trace, langs=["en"], formats=["html"], explorer=False)[0].content.decode()
    assert with_explorer != static and BLOCK.sub("", with_explorer) == static
    block = BLOCK.search(with_explorer).group(0)
    assert block.startswith('<div class="nntrace-explorer"><template class="nx-template">')
    outside = re.sub(r"<template.*?</template>", "", block, flags=re.S)
    assert block.count("<template") == 2
    assert re.fullmatch(r'<div class="nntrace-explorer"><script type="application/json" class="nx-data">.*?</script>'
                        r"<script>.*</script></div>\n", outside, re.S)
    assert ' id="' not in block   # several explorers can share a page


def test_json_cannot_close_its_script():
    from tracer.explorer.markup import json_script

    out = json_script({"x": "</script><script>alert(1)</script>&"})
    assert out.count("</script>") == 1 and "alert" in out
    assert json.loads(out[out.index(">") + 1:-len("</script>")]) == {"x": "</script><script>alert(1)</script>&"}


# ---- in a real browser ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser():
    import os

    if not Path(CHROMIUM).exists() or not _has_playwright():
        if os.environ.get("NNTRACE_REQUIRE_BROWSER") == "1":
            pytest.fail("NNTRACE_REQUIRE_BROWSER=1 but Chromium or Playwright is missing")
        pytest.skip("Chromium or Playwright is missing")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield instance
        instance.close()


def _has_playwright() -> bool:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return False
    return True


def _open(browser, path: Path, javascript: bool = True):
    context = browser.new_context(java_script_enabled=javascript, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log = {"outside": [], "errors": []}
    page.on("request", lambda r: None if r.url.startswith(("file://", "data:", "about:")) else log["outside"].append(r.url))
    page.on("console", lambda m: log["errors"].append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: log["errors"].append(str(e)))
    page.goto(path.as_uri())
    return page, log


@pytest.mark.browser
def test_select_a_weight_at_an_iteration(browser, pages, lesson):
    trace, _ = lesson
    page, log = _open(browser, pages / "lesson.en.html")
    try:
        page.locator("[data-nntrace-iteration]").select_option("10000")
        page.locator('.nx-matrix [data-nntrace-weight="w0[1,2]"]').click()
        grad = page.locator("[data-nntrace-panel] [data-nntrace-value=grad]").inner_text()
        assert grad == num(float(trace.get("w0_grad", 10000)[1, 2]), 4)
        panel = page.locator("[data-nntrace-panel]").inner_text()
        assert "w0[1,2]" in panel and "10000" in panel and "The three agree." in panel
        assert page.locator("[data-nntrace-panel] math").count() >= 6   # the general form and five factors
        page.locator('.nx-edge[data-nntrace-weight="w1[2,0]"]').click()   # on the figure
        assert page.locator("[data-nntrace-value=grad]").inner_text() == num(float(trace.get("w1_grad", 10000)[2, 0]), 4)
        page.locator(".nx-next").click()   # the panel follows the iteration
        assert page.locator("[data-nntrace-value=grad]").inner_text() == num(float(trace.get("w1_grad", 20000)[2, 0]), 4)
        page.locator('.nx-matrix[data-kind="grad"] td[data-i="1"][data-j="2"]').hover()
        assert page.locator('.nx-edge[data-nntrace-weight="w0[1,2]"]').get_attribute("class") == "nx-edge nx-hot"
        assert page.locator('.nx-matrix[data-kind="lT"][data-k="0"] td.nx-hot').count() == 5     # row 1 of l0ᵀ
        assert page.locator('.nx-matrix[data-kind="delta"][data-k="0"] td.nx-hot').count() == 5  # column 2 of δ1
        page.locator('[data-nntrace-iteration]').evaluate("el => { el.value = '0'; el.dispatchEvent(new Event('change')); }")
        assert page.locator(".nx-mean").inner_text() == num(float(trace.get("mean_error", 0)), 4)
        assert log == {"outside": [], "errors": []}
    finally:
        page.close()


@pytest.mark.browser
def test_keyboard_alone(browser, pages, lesson):
    trace, _ = lesson
    page, log = _open(browser, pages / "lesson.en.html")
    try:
        def tab_to(selector: str) -> None:
            for _ in range(400):
                page.keyboard.press("Tab")
                if page.evaluate(f"document.activeElement.matches({selector!r})"):
                    return
            raise AssertionError(f"Tab never reached {selector}")

        tab_to("[data-nntrace-iteration]")
        page.keyboard.press("ArrowDown")   # iteration 0 → 1
        assert page.locator("[data-nntrace-iteration]").input_value() == "1"
        tab_to('[data-nntrace-weight="w0[1,2]"]')
        page.keyboard.press("Enter")
        assert page.locator("[data-nntrace-value=grad]").inner_text() == num(float(trace.get("w0_grad", 1)[1, 2]), 4)
        assert log == {"outside": [], "errors": []}
    finally:
        page.close()


@pytest.mark.browser
def test_without_javascript_nothing_of_the_explorer_shows(browser, pages, small_trace, tmp_path, monkeypatch):
    page, _ = _open(browser, pages / "lesson.en.html", javascript=False)
    try:
        assert page.locator(".nx").count() == 0 and page.locator("[data-nntrace-panel]").count() == 0
        text = page.inner_text("body")
    finally:
        page.close()
    static = BLOCK.sub("", (pages / "lesson.en.html").read_text())
    (tmp_path / "static.html").write_text(static)
    page, _ = _open(browser, tmp_path / "static.html", javascript=False)
    try:
        assert page.inner_text("body") == text
    finally:
        page.close()


@pytest.mark.browser
def test_two_fragments_on_one_page_work_apart_in_their_languages(browser, pages):
    page, log = _open(browser, pages / "two.host.html")
    try:
        assert page.locator(".nx").count() == 2
        headings = page.locator(".nx-heading").all_inner_texts()
        assert headings[0] == "Explore the run" and "动手探索" in headings[1] and "Explore the run" in headings[1]
        second = page.locator(".nx").nth(1)
        second.locator("[data-nntrace-iteration]").select_option("20000")
        second.locator('.nx-matrix [data-nntrace-weight="w1[0,0]"]').click()
        assert "20000" in second.locator("[data-nntrace-panel]").inner_text()
        first = page.locator(".nx").nth(0)
        assert first.locator("[data-nntrace-iteration]").input_value() == "0"
        assert first.locator(".nx-body").is_hidden()
        assert log == {"outside": [], "errors": []}
    finally:
        page.close()


def test_a_network_too_large_for_the_explorer_says_so():
    trace = tracer.run(tracer.load_config({"network": {"layers": [3, 12, 1]}, "train": {"iterations": 20}}))
    docs = {d.path: d.content.decode() for d in render_lesson(trace, langs=["en", "zh"], formats=["html"])}
    for name, words in (("lesson.en.html", "widest layer has 12 units"), ("lesson.zh.html", "最宽的一层有 12 个单元")):
        page = docs[name]
        assert "nx-absent" in page and words in page
        assert "nx-data" not in page and "nx-template" not in page   # no explorer data or script
        # placed where the explorer goes: before the training section
        assert page.index("nx-absent") < page.index('id="nntrace-training"')
