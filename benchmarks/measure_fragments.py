"""Which way keeps a --fragment's look inside a hostile host page? A measurement, not a timing.

For the default lesson's English fragment, three ways of embedding the same CSS and body:

- ``scoped``: selectors scoped under ``.nntrace-lesson`` in a plain ``<style>`` (no reset);
- ``scoped + reset``: the same plus ``.nntrace-lesson * { all: revert }`` before our rules;
- ``shadow`` (what nntrace ships): a declarative shadow root with a ``:host`` reset.

Each is opened alone and inside two host pages: the issue's hostile rules, and harder ones (id
selectors, ``!important``, inherited properties on html/body, rules aimed at MathML and SVG). It
prints, per way and host, how many (element, property) computed values differ from the fragment
alone, over 18 sample elements × 23 properties.

Run: ``python benchmarks/measure_fragments.py`` (needs Playwright and /usr/bin/chromium).
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from test_browser_fragments import HOSTILE, PROPS, SAMPLES  # noqa: E402

ISSUE = ("table { border: 3px solid green; width: 100%; } math { color: purple; } "
         "h2 { text-transform: uppercase; } * { font-size: 30px; } p { margin: 5em; }")
STYLES = """([samples, props]) => {
  const host = document.querySelector('article');
  const root = host.shadowRoot || host;
  const out = {};
  for (const sel of samples) { const el = root.querySelector(sel);
    if (el) { const s = getComputedStyle(el); out[sel] = props.map(p => s.getPropertyValue(p)); } }
  return out; }"""


def ways() -> dict[str, str]:
    import tracer
    from tracer.lesson.render import render_lesson

    trace = tracer.run(tracer.load_config(None, {"train.iterations": 600}))
    (doc,) = render_lesson(trace, langs=["en"], formats=["html"], fragment=True)
    shipped = doc.content.decode()
    css = re.search(r"<style>(.*?)</style>", shipped, re.S).group(1)
    body = re.search(r'<div class="nntrace-lesson" lang="en">(.*)</div>\s*</template>', shipped, re.S).group(1)
    return {
        "scoped": f'<article class="nntrace-lesson" lang="en"><style>{css}</style>{body}</article>',
        "scoped + reset": f'<article class="nntrace-lesson" lang="en"><style>.nntrace-lesson * {{ all: revert; }}\n'
                          f'{css}</style>{body}</article>',
        "shadow (shipped)": shipped,
    }


def main() -> None:
    from playwright.sync_api import sync_playwright

    folder = Path(tempfile.mkdtemp())
    hosts = {"issue": ISSUE, "harder": HOSTILE}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--headless", "--no-sandbox"])

        def styles(css: str, fragment: str) -> dict:
            path = folder / "page.html"
            path.write_text(f'<!DOCTYPE html><html><head><meta charset="utf-8"><style>{css}</style></head>'
                            f'<body><div id="main" class="content">{fragment}</div></body></html>')
            page = browser.new_page()
            page.goto(path.as_uri())
            found = page.evaluate(STYLES, [SAMPLES, PROPS])
            page.close()
            return found

        print(f"{'way':18s} {'host':8s} differing computed values")
        for name, fragment in ways().items():
            alone = styles("", fragment)
            total = sum(len(v) for v in alone.values())
            for host, css in hosts.items():
                inside = styles(css, fragment)
                differ = sum(a != b for sel in alone for a, b in zip(alone[sel], inside.get(sel, [None] * len(PROPS))))
                print(f"{name:18s} {host:8s} {differ:3d} of {total}")
        browser.close()


if __name__ == "__main__":
    main()
