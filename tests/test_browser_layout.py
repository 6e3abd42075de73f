"""Pages never clip: nothing scrolls sideways or runs past its box, on screens of 1280, 800 and
400 px and on A4 and Letter paper, for the documents with the widest content.

Each document is rendered once for the module and opened once; the test then changes the viewport
and the media (screen or print) on the same page. Print is measured as the print stylesheet at
the printable width of the paper (its width less the @page margins of page.css).
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

MM = 96 / 25.4                      # CSS px per millimetre
PAGE_MARGIN_MM = 16                 # @page { margin: 16mm } in page.css
LAYOUTS = [("screen-1280", "screen", 1280), ("screen-800", "screen", 800), ("screen-400", "screen", 400),
           ("print-A4", "print", round((210 - 2 * PAGE_MARGIN_MM) * MM)),
           ("print-Letter", "print", round((215.9 - 2 * PAGE_MARGIN_MM) * MM))]
DOCUMENTS = ["default/lesson.zh-en.html", "default/lesson.en.html", "deep/lesson.zh-en.html",
             "wide/lesson.en.html", "wide/lesson.zh-en.html", "report/report.zh-en.html",
             "worksheet/exercises.zh-en.html", "worksheet/answers.zh-en.html"]

#: Every element with a CSS box whose content is wider than the box (1 px of rounding allowed),
#: and every one that runs past the article's edges. Elements inside an <svg> or a <math> are
#: skipped: their geometry is the figure's or the formula's own layout, not CSS boxes (the <svg>
#: and the <math> themselves are checked).
OVERFLOW = """() => {
  const bad = [];
  const visit = root => {
    for (const el of root.querySelectorAll('*')) {
      if (el.shadowRoot) visit(el.shadowRoot);
      if (el instanceof SVGElement && !(el instanceof SVGSVGElement)) continue;
      if (el instanceof MathMLElement && el.tagName.toLowerCase() !== 'math') continue;
      const name = el.tagName.toLowerCase() + (el.className && el.className.baseVal === undefined ? '.' + el.className : '');
      const text = (el.textContent || '').replace(/\\s+/g, ' ').slice(0, 60);
      if (el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1)
        bad.push(`${name} scrollWidth ${el.scrollWidth} > clientWidth ${el.clientWidth}: ${text}`);
      const article = el.closest('.nntrace-lesson');
      if (article && article !== el) {
        const a = article.getBoundingClientRect(), r = el.getBoundingClientRect();
        if (r.width > 0 && (r.right > a.right + 1 || r.left < a.left - 1))
          bad.push(`${name} [${Math.round(r.left)}, ${Math.round(r.right)}] outside the article [${Math.round(a.left)}, ${Math.round(a.right)}]: ${text}`);
      }
    }
  };
  visit(document);
  const doc = document.documentElement;
  if (doc.scrollWidth > window.innerWidth + 1) bad.push(`the page is ${doc.scrollWidth} px wide in ${window.innerWidth}`);
  return bad;
}"""

#: How many display formulas span several lines, and how many tables show as cards.
REFLOW = """() => ({
  wrapped: [...document.querySelectorAll('.nntrace-eq')].filter(eq => {
    const tops = new Set([...eq.querySelectorAll(':scope > math')].map(m => Math.round(m.getBoundingClientRect().top)));
    return tops.size > 1; }).length,
  cards: [...document.querySelectorAll('.nntrace-table > table')].filter(t => getComputedStyle(t).display === 'block').length,
  shrunk: [...document.querySelectorAll('.nntrace-eq')].filter(eq =>
    parseFloat(getComputedStyle(eq).fontSize) < parseFloat(getComputedStyle(eq.parentElement).fontSize) - 0.5).length,
})"""


@pytest.fixture(scope="module")
def documents(small_trace, tmp_path_factory):
    """The default lesson, the deep example, a wide [3, 32, 16, 1] lesson, a diff report and a
    worksheet with its answer key, as HTML pages (each rendered once)."""
    import tracer
    from tracer.compare import diff
    from tracer.compare.report import render_report
    from tracer.lesson.render import render_lesson
    from tracer.lesson.write import write_documents
    from tracer.worksheet import render_exercises

    out = tmp_path_factory.mktemp("layout")
    examples = Path(__file__).resolve().parent.parent / "examples"
    deep = tracer.run(tracer.load_config(str(examples / "deep_tanh_bias.toml"), {"train.iterations": 600}))
    wide = tracer.run(tracer.load_config({"network": {"layers": [3, 32, 16, 1]}, "train": {"iterations": 600}}))
    langs = ["zh-en", "en"]
    write_documents(out / "default", render_lesson(small_trace, langs=langs, formats=["html"]))
    write_documents(out / "deep", render_lesson(deep, langs=["zh-en"], formats=["html"]))
    write_documents(out / "wide", render_lesson(wide, langs=langs, formats=["html"]))
    other = tracer.run(tracer.load_config(None, {"train.iterations": 600, "init.seed": 2}))
    write_documents(out / "report", render_report(diff(small_trace, other, align_units=True), small_trace, other,
                                                  langs=["zh-en"], formats=["html"]))
    sheets, keys = render_exercises(deep, langs=["zh-en"], formats=["html"])
    write_documents(out / "worksheet", sheets + keys)
    return out


@pytest.mark.parametrize("name", DOCUMENTS)
def test_nothing_scrolls_sideways_on_any_screen_or_paper(browser, documents, name):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto((documents / name).as_uri())
        problems, reflow = {}, {}
        for label, media, width in LAYOUTS:
            page.emulate_media(media=media)
            page.set_viewport_size({"width": width, "height": 900})
            bad = page.evaluate(OVERFLOW)
            if bad:
                problems[label] = bad[:8]
            reflow[label] = page.evaluate(REFLOW)
        assert not problems, f"{name}: {problems}"
        assert page.evaluate("document.querySelectorAll('math').length") > 0
    finally:
        page.close()
    narrow = reflow["screen-400"]
    if "lesson" in name or "answers" in name:
        # the check above is not vacuous: at 400 px long formulas do run over several lines
        assert narrow["wrapped"] > 0, reflow
    if name.startswith("deep/"):
        # nine-column chain-rule tables: side by side at 1280, cards on a phone
        assert narrow["cards"] > 0 and reflow["screen-1280"]["cards"] < narrow["cards"], reflow
    if name.startswith("wide/"):
        assert narrow["shrunk"] > 0 and reflow["screen-1280"]["shrunk"] < narrow["shrunk"], reflow


@pytest.mark.parametrize("name", ["worksheet/exercises.zh-en.html", "default/lesson.en.html"])
def test_print_keeps_questions_formulas_and_rows_whole(browser, documents, name):
    """On paper: no page break inside a question, a formula, a matrix or a table row, and no break
    between a heading and what follows it."""
    page = browser.new_page(viewport={"width": LAYOUTS[3][2], "height": 900})
    try:
        page.goto((documents / name).as_uri())
        page.emulate_media(media="print")
        found = page.evaluate("""() => {
          const all = sel => [...document.querySelectorAll(sel)];
          const inside = sel => all(sel).map(e => getComputedStyle(e).breakInside);
          return { question: inside('.nntrace-question'), math: inside('.nntrace-math'), matrix: inside('math'),
                   row: inside('tr'), heading: all('h2, h3').map(e => getComputedStyle(e).breakAfter) }; }""")
        page.emulate_media(media="screen")
        on_screen = page.evaluate("getComputedStyle(document.querySelector('.nntrace-math')).breakInside")
    finally:
        page.close()
    if name.startswith("worksheet"):
        assert len(found["question"]) >= 4, found["question"]
    for kind, values in found.items():
        assert values or kind == "question", kind
        assert set(values) <= {"avoid"}, (kind, set(values))
    assert on_screen == "auto"
