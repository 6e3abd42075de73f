"""Fragments survive any host page: a ``--fragment`` looks the same inside a hostile course page
as on its own, several fragments share one page without clashing ids or styles, and none of them
changes the host.

A fragment is a declarative shadow root (``<template shadowrootmode="open">``) with a ``:host``
reset; benchmarks/measure_fragments.py compares it with a scoped-CSS reset.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

#: The issue's hostile rules, then harder ones: inherited text properties on html and body, id
#: selectors, !important, a root font size (rem), and rules aimed at MathML and SVG.
HOSTILE = """
table { border: 3px solid green; width: 100%; } math { color: purple; } h2 { text-transform: uppercase; }
* { font-size: 30px; } p { margin: 5em; }
html { font-size: 30px; line-height: 3; } body { color: red; font-family: monospace; letter-spacing: 2px;
  word-spacing: 9px; text-align: right; font-style: italic; }
#main p { color: blue; padding: 1em; } body div table td { padding: 2em !important; }
.content h2 { font-size: 50px !important; } article * { font-weight: 900; } li { list-style: square; }
math * { color: orange !important; } [class] { text-decoration: underline; } svg { display: none; }
"""
PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>host</title><style>{css}</style></head>
<body><div id="main" class="content"><p id="host-before">host text before</p>
{body}
<p id="host-after">host text after</p></div></body></html>
"""
#: A fragment rendered with a course page.css that tries hard to restyle everything around it.
LEAKY = """
.nntrace-lesson p, p { color: rgb(1, 2, 3) !important; }
* { font-size: 40px !important; letter-spacing: 9px !important; }
"""
SAMPLES = ["h1", "h2", "h3", "p", "li", "ul", "table", "th", "td", "math", "mi", "mn", "mo", "code",
           "svg", ".nntrace-math", ".nntrace-eq", "figure"]
PROPS = ["font-size", "color", "font-family", "font-style", "font-weight", "line-height", "text-transform",
         "letter-spacing", "word-spacing", "text-align", "text-decoration-line", "display", "list-style-type",
         "margin-top", "margin-right", "margin-bottom", "margin-left", "padding-top", "padding-left",
         "border-top-width", "border-top-style", "border-top-color", "background-color"]
#: The computed styles of the first element matching each sample selector inside fragment ``id``
#: (its shadow root), or inside the page's own article when there is no shadow root.
STYLES = """([id, samples, props]) => {
  const host = id ? document.getElementById(id) : document.querySelector('article');
  const root = host.shadowRoot || host;
  const out = {};
  for (const sel of samples) {
    const el = root.querySelector(sel);
    if (el) { const s = getComputedStyle(el); out[sel] = Object.fromEntries(props.map(p => [p, s.getPropertyValue(p)])); }
  }
  return out;
}"""
IDS = """() => { const ids = [];
  const visit = root => { for (const el of root.querySelectorAll('[id]')) ids.push(el.id);
    for (const el of root.querySelectorAll('*')) if (el.shadowRoot) visit(el.shadowRoot); };
  visit(document); return ids; }"""


def _fragment(docs) -> str:
    (doc,) = [d for d in docs if d.path.endswith(".fragment.html")]
    return doc.content.decode()


@pytest.fixture(scope="module")
def fragments(small_trace, tmp_path_factory):
    """The zh and en lesson fragments, a diff-report fragment and a leaky one (its own CSS trying
    to restyle everything), each alone in a plain page, and all of them in one hostile page."""
    import tracer
    from tracer.compare import diff
    from tracer.compare.report import render_report
    from tracer.lesson.render import render_lesson
    from tracer.resources import templates_dir

    out = tmp_path_factory.mktemp("fragments")
    other = tracer.run(tracer.load_config(None, {"train.iterations": 600, "init.seed": 2}))
    course = out / "course"
    course.mkdir()
    (course / "page.css").write_text((templates_dir() / "page.css").read_text() + LEAKY)
    found = {
        "lesson.zh": _fragment(render_lesson(small_trace, langs=["zh"], formats=["html"], fragment=True)),
        "lesson.en": _fragment(render_lesson(small_trace, langs=["en"], formats=["html"], fragment=True)),
        "report.zh-en": _fragment(render_report(diff(small_trace, other), small_trace, other, langs=["zh-en"],
                                                formats=["html"], fragment=True)),
        "leaky.en": _fragment(render_lesson(other, langs=["en"], formats=["html"], fragment=True,
                                            templates=str(course))),
    }
    for name, text in found.items():
        (out / f"{name}.alone.html").write_text(PAGE.format(css="", body=text))
        (out / f"{name}.fragment.html").write_text(text)
    (out / "hostile.html").write_text(PAGE.format(css=HOSTILE, body="\n".join(found.values())))
    (out / "hostile-bare.html").write_text(PAGE.format(css=HOSTILE, body=""))
    ids = {name: text.split('id="', 1)[1].split('"', 1)[0] for name, text in found.items()}
    return out, ids


def _styles(browser, path: Path, fragment_id: str | None) -> dict:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto(path.as_uri())
        return page.evaluate(STYLES, [fragment_id, SAMPLES, PROPS])
    finally:
        page.close()


@pytest.mark.parametrize("name", ["lesson.zh", "lesson.en", "report.zh-en"])
def test_fragment_looks_the_same_inside_a_hostile_page(browser, fragments, name):
    out, ids = fragments
    alone = _styles(browser, out / f"{name}.alone.html", ids[name])
    inside = _styles(browser, out / "hostile.html", ids[name])
    assert {"h1", "p", "table", "td", "math", "mi"} <= set(alone), sorted(alone)
    differences = [(sel, prop, value, inside.get(sel, {}).get(prop))
                   for sel, values in alone.items() for prop, value in values.items()
                   if inside.get(sel, {}).get(prop) != value]
    assert differences == []


def test_a_fragment_looks_like_its_page(browser, fragments, tmp_path, small_trace):
    """The shadow root is not a look of its own: a fragment's elements are styled as the page's."""
    from tracer.lesson.render import render_lesson
    from tracer.lesson.write import write_documents

    out, ids = fragments
    write_documents(tmp_path, render_lesson(small_trace, langs=["en"], formats=["html"]))
    page_styles = _styles(browser, tmp_path / "lesson.en.html", None)
    fragment_styles = _styles(browser, out / "lesson.en.alone.html", ids["lesson.en"])
    assert page_styles == fragment_styles


def test_fragments_share_a_page_without_clashing(browser, fragments):
    out, ids = fragments
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto((out / "hostile.html").as_uri())
        all_ids = page.evaluate(IDS)
        shadow_roots = page.evaluate("[...document.querySelectorAll('article')].filter(a => a.shadowRoot).length")
        leaky_p = page.evaluate("""id => getComputedStyle(document.getElementById(id).shadowRoot
                                   .querySelector('p')).color""", ids["leaky.en"])
    finally:
        page.close()
    assert shadow_roots == len(ids) == 4
    assert len(all_ids) == len(set(all_ids)), sorted(i for i in all_ids if all_ids.count(i) > 1)
    assert len(set(ids.values())) == 4
    for name, prefix in ids.items():
        own = [i for i in all_ids if i.startswith(prefix + "-")]
        if name.startswith(("lesson", "leaky")):  # section headings carry the document's own prefix
            assert len(own) > 3, (name, prefix, own)
    assert all(any(i == p or i.startswith(p + "-") for p in ids.values()) for i in all_ids if i.startswith("nntrace"))
    # the leaky course CSS does apply to its own fragment (so the checks above are not vacuous) …
    assert leaky_p == "rgb(1, 2, 3)"
    # … and reaches neither the other fragments (test above: same styles as alone) nor the host


def test_fragments_do_not_change_the_host(browser, fragments):
    out, _ = fragments
    probe = """() => ['host-before', 'host-after'].map(id => {
        const s = getComputedStyle(document.getElementById(id));
        return [s.color, s.fontSize, s.fontFamily, s.lineHeight, s.letterSpacing, s.margin]; })"""
    found = {}
    for name in ("hostile-bare.html", "hostile.html"):
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        try:
            page.goto((out / name).as_uri())
            found[name] = page.evaluate(probe)
        finally:
            page.close()
    assert found["hostile.html"] == found["hostile-bare.html"]
    assert found["hostile-bare.html"][0][0] == "rgb(0, 0, 255)"  # the host's own rules do apply to it


def test_script_inserted_fragment_needs_the_inline_form(browser, fragments):
    """A declarative shadow root only attaches when the HTML parser reads the page; a host that
    inserts HTML by script (a notebook's innerHTML) needs ``inline_fragment``, which shows."""
    from tracer.render.page import inline_fragment

    out, _ = fragments
    shadow = (out / "lesson.en.fragment.html").read_text()
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.set_content("<!DOCTYPE html><html><body><div id=slot></div></body></html>")
        shown = []
        for html in (shadow, inline_fragment(shadow)):
            page.evaluate("html => { document.getElementById('slot').innerHTML = html; }", html)
            shown.append(page.evaluate("document.getElementById('slot').getBoundingClientRect().height"))
    finally:
        page.close()
    assert inline_fragment(shadow) != shadow and "shadowrootmode" not in inline_fragment(shadow)
    assert shown[0] < 50 < 2000 < shown[1]
