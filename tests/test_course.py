"""Course sites: the MkDocs plugin and the Sphinx extension build the example course strictly,
rebuild when a config changes, and turn bad input into one clear build error."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tracer.course.lessons import CourseError, LessonSpec, keep_sections, make_spec, render_course_lesson

COURSE = Path(__file__).resolve().parent.parent / "examples" / "course"
SMALL = """title = "Small"
[network]
layers = [3, 4, 1]
[init]
seed = {seed}
[train]
iterations = 300
"""


def _run(*argv: str, cwd: Path) -> subprocess.CompletedProcess:
    bindir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}", "NO_COLOR": "1"}
    return subprocess.run(list(argv), cwd=cwd, capture_output=True, text=True, env=env, timeout=600)


def _site(tmp_path: Path, kind: str) -> Path:
    shutil.copytree(COURSE / "lessons", tmp_path / "lessons")
    shutil.copytree(COURSE / kind, tmp_path / kind)
    return tmp_path / kind


# -- the shared core ---------------------------------------------------------------------------

def test_spec_options_are_checked(tmp_path):
    spec = make_spec({"config": "a.toml", "lang": "zh-en", "iteration": "3", "sections": [1, 4]}, tmp_path, "here")
    assert spec == LessonSpec(tmp_path / "a.toml", "zh-en", 3, (1, 4), "here")
    for options, words in [({"config": "a.toml", "colour": "red"}, "unknown nntrace lesson option 'colour'"),
                           ({"lang": "en"}, "needs a config"),
                           ({"config": "a.toml", "iteration": "x"}, "iteration 'x' must be a whole number"),
                           ({"config": "a.toml", "sections": "1,b"}, "sections 'b' must be a whole number")]:
        with pytest.raises(CourseError, match=re.escape(words)):
            make_spec(options, tmp_path, "here")


def test_a_lesson_renders_one_language_with_its_figures_and_sections(tmp_path):
    config = tmp_path / "small.toml"
    config.write_text(SMALL.format(seed=1))
    lesson = render_course_lesson(make_spec({"config": str(config), "lang": "zh", "sections": "2,6"}, tmp_path, "t"),
                                  figures="small.figures")
    headings = re.findall(r"^## (\d+)\.", lesson.markdown, re.M)
    assert headings == ["2", "6"]
    assert "数据" in lesson.markdown and lesson.title == "Small"
    assert sorted(lesson.figures) == ["small.figures/loss.zh.svg", "small.figures/network-final.svg"]
    for path in lesson.figures:
        assert f"]({path})" in lesson.markdown
    with pytest.raises(CourseError, match="has no section 9; its sections are 2, 6"):
        keep_sections(lesson.markdown, (9,), "t")


def test_walking_another_iteration(tmp_path):
    config = tmp_path / "small.toml"
    config.write_text(SMALL.format(seed=1))
    at_0 = render_course_lesson(make_spec({"config": str(config), "sections": "4"}, tmp_path, "t")).markdown
    at_7 = render_course_lesson(make_spec({"config": str(config), "sections": "4", "iteration": 7}, tmp_path, "t")).markdown
    assert at_0 != at_7 and "7" in at_7
    with pytest.raises(CourseError, match=r"iteration 300 is beyond the run's 300 iterations; choose 0 to 299"):
        render_course_lesson(make_spec({"config": str(config), "iteration": 300}, tmp_path, "t"))


@pytest.mark.parametrize("text,words", [
    (None, "cannot be read (No such file or directory); fix the path"),
    ("[network]\nlayers = [3, 4, 1\n", "bad.toml"),
    ("[network]\nlayers = [3, 4, 1]\nactivation = \"swish\"\n", "swish"),
])
def test_bad_configs_name_the_file(tmp_path, text, words):
    config = tmp_path / "bad.toml"
    if text is not None:
        config.write_text(text)
    with pytest.raises(CourseError) as info:
        render_course_lesson(make_spec({"config": "bad.toml"}, tmp_path, "mkdocs.yml"))
    message = str(info.value)
    assert "bad.toml" in message and words in message and "\n" not in message


# -- MkDocs ------------------------------------------------------------------------------------

@pytest.mark.slow
def test_example_mkdocs_site_builds_strictly(tmp_path):
    site = _site(tmp_path, "mkdocs")
    result = _run("mkdocs", "build", "--strict", "-d", str(tmp_path / "out"), cwd=site)
    assert result.returncode == 0, result.stderr
    out = tmp_path / "out"
    for page in ("seed/en.html", "seed/zh.html", "xor/en.html", "xor/zh.html", "chain.html"):
        html = (out / page).read_text(encoding="utf-8")
        assert html.count('class="arithmatex"') > 5, page
        assert "Traceback" not in html and "nntrace-lesson" not in html
        for src in re.findall(r'<img[^>]+src="([^"]+)"', html):
            assert (out / page).parent.joinpath(src).resolve().is_file(), (page, src)
    assert "反向传播" in (out / "seed/zh.html").read_text(encoding="utf-8")
    assert not (site / "docs" / "seed").exists()   # nothing is written into the docs folder


def _small_mkdocs(tmp_path: Path, lessons: str, page: str = "# Home\n") -> Path:
    (tmp_path / "small.toml").write_text(SMALL.format(seed=1))
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text(page)
    (tmp_path / "mkdocs.yml").write_text(
        "site_name: t\nplugins:\n  - nntrace:\n" + lessons +
        "markdown_extensions:\n  - pymdownx.arithmatex:\n      generic: true\n")
    return tmp_path


@pytest.mark.parametrize("lessons,page,words", [
    ("      lessons:\n        - {config: missing.toml, lang: en, page: a.md}\n", "# Home\n",
     "missing.toml' cannot be read (No such file or directory); fix the path"),
    ("      lessons:\n        - {config: small.toml, lang: fr, page: a.md}\n", "# Home\n", "no prose for 'fr'"),
    ("      lessons:\n        - {config: small.toml, language: en, page: a.md}\n", "# Home\n", "language"),
    ("", '<!-- nntrace-lesson config="../nope.toml" -->\n', "docs/index.md"),
    ("", '<!-- nntrace-lesson config="../small.toml" colour="red" -->\n', "unknown nntrace lesson option 'colour'"),
])
def test_mkdocs_bad_input_fails_the_build_with_the_fix(tmp_path, lessons, page, words):
    site = _small_mkdocs(tmp_path, lessons, page)
    result = _run("mkdocs", "build", "--strict", cwd=site)
    assert result.returncode != 0
    assert words in result.stderr and "Traceback" not in result.stderr
    assert not (site / "site" / "index.html").exists()


def test_mkdocs_marker_and_serve_watch(tmp_path):
    site = _small_mkdocs(tmp_path, "", '# Home\n\nBefore.\n\n<!-- nntrace-lesson config="../small.toml" '
                                         'lang="zh" sections="6" -->\n\nAfter.\n')
    result = _run("mkdocs", "build", "--strict", cwd=site)
    assert result.returncode == 0, result.stderr
    html = (site / "site" / "index.html").read_text(encoding="utf-8")
    middle = html[html.index("Before."):html.index("After.")]
    assert "<h2" in middle and "训练" in middle and "<h1" not in middle
    assert (site / "site" / "index.figures" / "loss.zh.svg").is_file()

    from mkdocs.config import load_config

    from tracer.course.mkdocs import NntracePlugin

    config = load_config(str(site / "mkdocs.yml"))
    plugin = config.plugins["nntrace"]
    assert isinstance(plugin, NntracePlugin)
    from mkdocs.structure.files import get_files

    config = config.plugins.run_event("config", config)
    config.plugins.run_event("files", get_files(config), config=config)

    class Server:
        watched: list = []

        def watch(self, path):
            self.watched.append(path)

    server = Server()
    plugin.on_serve(server, config, None)
    assert [Path(p).resolve() for p in server.watched] == [(site / "small.toml").resolve()]


# -- Sphinx ------------------------------------------------------------------------------------

@pytest.mark.slow
def test_example_sphinx_site_builds_with_W_and_rebuilds_on_config_change(tmp_path):
    site = _site(tmp_path, "sphinx")
    out = tmp_path / "html"
    result = _run(sys.executable, "-m", "sphinx", "-W", "-b", "html", ".", str(out), cwd=site)
    assert result.returncode == 0, result.stderr
    for page in ("seed-en.html", "seed-zh.html", "xor-en.html", "xor-zh.html"):
        html = (out / page).read_text(encoding="utf-8")
        assert html.count('class="math notranslate nohighlight"') > 5, page
        assert html.count("<svg") >= 3 and html.count("<table") >= 2, page
        assert "Traceback" not in html and "nntrace-lesson" not in html
    assert "反向传播" in (out / "seed-zh.html").read_text(encoding="utf-8")
    before = {p: (out / p).read_text(encoding="utf-8") for p in ("seed-en.html", "xor-en.html")}
    config = tmp_path / "lessons" / "xor.toml"
    config.write_text(config.read_text().replace("seed = 1", "seed = 2"))
    again = _run(sys.executable, "-m", "sphinx", "-W", "-b", "html", ".", str(out), cwd=site)
    assert again.returncode == 0, again.stderr
    assert (out / "seed-en.html").read_text(encoding="utf-8") == before["seed-en.html"]
    assert (out / "xor-en.html").read_text(encoding="utf-8") != before["xor-en.html"]
    assert re.search(r"reading sources\.\.\. .*xor-en", again.stdout) and "seed-en" not in again.stdout.split("reading")[1].split("\n")[0]


def _small_sphinx(tmp_path: Path, pages: dict[str, str]) -> Path:
    (tmp_path / "small.toml").write_text(SMALL.format(seed=1))
    (tmp_path / "conf.py").write_text('extensions = ["myst_parser", "tracer.sphinx"]\nproject = "t"\n'
                                      'exclude_patterns = ["_build"]\n')
    toc = "\n".join(f"   {name.rsplit('.', 1)[0]}" for name in pages)
    (tmp_path / "index.rst").write_text(f"T\n=\n\n.. toctree::\n\n{toc}\n")
    for name, text in pages.items():
        (tmp_path / name).write_text(text)
    return tmp_path


def test_sphinx_rst_and_myst_pages(tmp_path):
    site = _small_sphinx(tmp_path, {
        "a.rst": ".. nntrace-lesson:: small.toml\n   :language: zh\n   :sections: 2, 4\n",
        "b.md": "```{nntrace-lesson} small.toml\n:language: en\n:iteration: 5\n:sections: 4\n```\n",
    })
    result = _run(sys.executable, "-m", "sphinx", "-W", "-q", "-b", "html", ".", "_build", cwd=site)
    assert result.returncode == 0, result.stderr
    a = (site / "_build" / "a.html").read_text(encoding="utf-8")
    b = (site / "_build" / "b.html").read_text(encoding="utf-8")
    assert "2. 数据、任务与激活函数" in a and "4. 一次迭代" in a and "3. 学习率" not in a
    assert "4. One iteration" in b and "2. The data" not in b
    assert re.search(r'<div class="math notranslate nohighlight">\s*\\\[', a)
    assert "iteration 5" in b


@pytest.mark.parametrize("page,words", [
    (".. nntrace-lesson:: missing.toml\n", "missing.toml' does not exist; give its path relative to this page"),
    (".. nntrace-lesson:: small.toml\n   :colour: red\n", "unknown option :colour:; the options are :language:"),
    (".. nntrace-lesson:: small.toml\n   :language: fr\n", "no prose for 'fr'"),
    (".. nntrace-lesson:: bad.toml\n", "bad.toml"),
    ("```{nntrace-lesson} small.toml\n:sections: 12\n```\n", "has no section 12"),
])
def test_sphinx_bad_input_is_one_error_line_and_a_failed_build(tmp_path, page, words):
    name = "p.md" if page.startswith("```") else "p.rst"
    site = _small_sphinx(tmp_path, {name: page})
    (site / "bad.toml").write_text("[network]\nlayers = [3, 4, 1\n")
    result = _run(sys.executable, "-m", "sphinx", "-q", "-b", "html", ".", "_build", cwd=site)
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if "ERROR" in line]
    assert len(errors) == 1 and words in errors[0] and name in errors[0], result.stderr
    assert "Traceback" not in result.stderr
    html = (site / "_build" / name.replace(".rst", ".html").replace(".md", ".html")).read_text(encoding="utf-8")
    assert "Traceback" not in html and "system-message" not in html


@pytest.mark.slow
def test_jupyter_book_1_loads_the_extension(tmp_path):
    """Jupyter Book 1 (in the test extra) builds a book using the extension with ``-W``; skipped
    only where ``jupyter-book`` < 2 is not installed (CI requires it: NNTRACE_REQUIRE_BROWSER=1
    is set there, and so is CI=true)."""
    jb = shutil.which("jupyter-book", path=str(Path(sys.executable).parent))
    if jb is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI installs the test extra, which has jupyter-book 1, but it is missing")
        pytest.skip("jupyter-book 1 is not installed in this environment")
    version = _run(jb, "--version", cwd=tmp_path)
    if "Jupyter Book      : 1." not in version.stdout and "Jupyter Book: 1." not in version.stdout:
        pytest.skip(f"not Jupyter Book 1: {version.stdout.strip()[:80]}")
    book = tmp_path / "book"
    book.mkdir()
    (book / "small.toml").write_text(SMALL.format(seed=1))
    (book / "_config.yml").write_text("title: t\nexecute:\n  execute_notebooks: 'off'\n"
                                      "sphinx:\n  extra_extensions:\n    - tracer.sphinx\n")
    (book / "_toc.yml").write_text("format: jb-book\nroot: intro\nchapters:\n  - file: lesson\n")
    (book / "intro.md").write_text("# Intro\n\nA course.\n")
    (book / "lesson.md").write_text("```{nntrace-lesson} small.toml\n:language: zh\n:sections: 4, 5\n```\n")
    result = _run(jb, "build", "-W", "-n", "--keep-going", str(book), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    html = (book / "_build" / "html" / "lesson.html").read_text(encoding="utf-8")
    assert "反向传播" in html and 'class="math notranslate nohighlight"' in html and "<svg" in html
