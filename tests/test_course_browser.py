"""The example course's built pages (MkDocs Material and Sphinx) in headless Chromium: every
formula reaches the page as math for the site's MathJax, figures load and have a size, and the
Chinese pages show Chinese text. Requests that leave file:// (the MathJax CDN) are refused, so the
checks read the math elements as the site's math renderer receives them.

Skipped without Chromium or Playwright unless NNTRACE_REQUIRE_BROWSER=1 (CI).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
COURSE = Path(__file__).resolve().parent.parent / "examples" / "course"


def _unavailable(reason: str):
    if os.environ.get("NNTRACE_REQUIRE_BROWSER") == "1":
        pytest.fail(f"NNTRACE_REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        _unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install playwright)")
    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield instance
        instance.close()


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    root = tmp_path_factory.mktemp("course")
    shutil.copytree(COURSE, root / "course")
    bindir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}"}
    for argv, cwd in ((["mkdocs", "build", "--strict", "-d", str(root / "mkdocs")], root / "course" / "mkdocs"),
                      ([sys.executable, "-m", "sphinx", "-W", "-q", "-b", "html", ".", str(root / "sphinx")],
                       root / "course" / "sphinx")):
        result = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
        assert result.returncode == 0, result.stderr
    return root


def _open(browser, path: Path):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(("file:", "data:"))
               else route.abort())
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return page


MATH = {
    "mkdocs": ".arithmatex",
    "sphinx": ".math",
}


@pytest.mark.parametrize("site,path,chinese", [
    ("mkdocs", "seed/en.html", False), ("mkdocs", "seed/zh.html", True), ("mkdocs", "xor/zh.html", True),
    ("mkdocs", "chain.html", False),
    ("sphinx", "seed-en.html", False), ("sphinx", "seed-zh.html", True), ("sphinx", "xor-zh.html", True),
])
def test_built_pages_show_math_figures_and_chinese(browser, sites, site, path, chinese):
    page = _open(browser, sites / site / path)
    try:
        maths = page.evaluate("""(sel) => [...document.querySelectorAll(sel)].map(m => m.textContent.trim())""",
                              MATH[site])
        assert len(maths) > 10, f"{path}: only {len(maths)} formulas"
        for tex in maths:
            assert tex.startswith(("\\(", "\\[")) and tex.endswith(("\\)", "\\]")), tex[:60]
            assert "<" not in tex and "$" not in tex, tex[:60]
        assert any("\\frac{\\partial E}" in tex for tex in maths), f"{path}: no chain-rule formula"
        text = page.evaluate("() => (document.querySelector('article, .body, main') || document.body).innerText")
        assert "$$" not in text and "$l^" not in text and "](figures" not in text, f"{path}: unconverted Markdown"
        figures = page.evaluate("""() => [
            ...[...document.querySelectorAll('img[src$=".svg"]')].map(i => [i.naturalWidth, i.getBoundingClientRect().height]),
            ...[...document.querySelectorAll('.nntrace-figure svg')].map(s => { const r = s.getBoundingClientRect();
                                                                               return [r.width, r.height]; })]""")
        assert len(figures) >= 2 and all(w > 0 and h > 0 for w, h in figures), f"{path}: figures {figures}"
        if chinese:
            heading = page.evaluate("""() => [...document.querySelectorAll('h2')].map(h => [h.innerText,
                                      h.getBoundingClientRect().width]).find(([t]) => /反向传播|数据、任务与激活函数|链式法则/.test(t))""")
            assert heading and heading[1] > 0, f"{path}: no Chinese heading shown"
            assert "前向传播" in text
    finally:
        page.close()
