"""Text from a config never runs in the browser: HTML tags, event handlers and javascript: URLs
placed in a title and in column names are shown as text in every page and fragment.

The browser is the judge: no dialog opens, no handler sets its window flag, and the DOM (shadow
roots included) holds no <script> but the lesson explorer's own, no on* attribute and no
javascript: URL.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

PAYLOADS = [
    '<script>window.__pwned = 1; alert(1)</script>',
    '<img src=x onerror="window.__pwned = 2; alert(2)">',
    '<svg onload="window.__pwned = 3">',
    '[click](javascript:window.__pwned=4)',
    '<a href="javascript:window.__pwned=5">x</a>',
    '"><iframe srcdoc="<script>parent.__pwned=6</script>">',
    '$\\href{javascript:alert(7)}{x}$',
    '<math><mtext><a href="javascript:alert(8)">m</a></mtext></math>',
]
FINDINGS = """() => { const found = [];
  const visit = root => {
    for (const el of root.querySelectorAll('*')) {
      if (el.shadowRoot) visit(el.shadowRoot);
      const tag = el.tagName.toLowerCase();
      const own = el.closest('.nntrace-explorer');  // the lesson's own explorer script and its data
      if (['script', 'iframe', 'object', 'embed', 'img'].includes(tag) && !(tag === 'script' && own)) found.push(tag);
      for (const a of el.attributes) {
        if (a.name.startsWith('on')) found.push(tag + ' ' + a.name);
        if (/^\\s*javascript:/i.test(a.value)) found.push(tag + ' ' + a.name + '=' + a.value);
      }
    }
  };
  visit(document);
  if (window.__pwned) found.push('window.__pwned = ' + window.__pwned);
  return found; }"""


@pytest.fixture(scope="module")
def hostile_pages(tmp_path_factory):
    import tracer
    from tracer.lesson.render import render_lesson
    from tracer.lesson.write import write_documents

    out = tmp_path_factory.mktemp("payloads")
    config = {"title": " ".join(PAYLOADS[:4]), "train": {"iterations": 50},
              "data": {"inputs": [[0, 1, 1], [1, 0, 1]], "targets": [[1], [0]], "columns": PAYLOADS[4:8]},
              "network": {"layers": [3, 2, 1]}}
    trace = tracer.run(tracer.load_config(config))
    docs = render_lesson(trace, langs=["en", "zh-en"], formats=["html"])
    docs += render_lesson(trace, langs=["en"], formats=["html"], fragment=True)
    write_documents(out, docs)
    host = out / "host.html"
    host.write_text("<!DOCTYPE html><html><head><meta charset=utf-8></head><body>"
                    + (out / "lesson.en.fragment.html").read_text() + "</body></html>")
    return out


@pytest.mark.parametrize("name", ["lesson.en.html", "lesson.zh-en.html", "host.html"])
def test_no_payload_runs_or_becomes_markup(browser, hostile_pages, name):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        page.goto((hostile_pages / name).as_uri())
        page.wait_for_load_state("load")
        findings = page.evaluate(FINDINGS)
        text = page.evaluate("""() => [document, ...[...document.querySelectorAll('article')]
            .map(a => a.shadowRoot).filter(Boolean)].map(r => (r.body || r).textContent).join(' ')""")
    finally:
        page.close()
    assert dialogs == [] and findings == [], (dialogs, findings)
    # the words arrived as text (so the check above is about escaping, not about dropping them)
    assert "window.__pwned = 1" in text and "onerror" in text


def test_the_check_sees_a_payload_that_does_run(browser, tmp_path):
    """Control: the same payloads written raw into a page are found (and one runs)."""
    raw = tmp_path / "raw.html"
    raw.write_text("<!DOCTYPE html><html><body>" + "".join(PAYLOADS[:3]) + "</body></html>")
    page = browser.new_page()
    page.on("dialog", lambda d: d.dismiss())
    try:
        page.goto(raw.as_uri())
        page.wait_for_load_state("load")
        findings = page.evaluate(FINDINGS)
    finally:
        page.close()
    assert "script" in findings and "img onerror" in findings and any("__pwned" in f for f in findings)
