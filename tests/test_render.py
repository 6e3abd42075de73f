"""The shared rendering layer: one function for every family, a third language as one prose file
per family, course folders that hold only what they change, template errors as one line, the
sandbox's limits, folders that never leave themselves, ``--digits`` everywhere."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

import tracer
from tracer.cli import main
from tracer.resources import templates_dir

FAMILIES = ("lesson", "report", "index", "worksheet", "explorer", "notebook")


def _fixture_language(root: Path, code: str = "xx") -> Path:
    """A course folder adding language ``code`` to every family: each prose file is the English
    one with a marker in its title and ``html_lang`` set to the code."""
    for family in FAMILIES:
        source = (templates_dir() / family / "prose" / "en.md.j2").read_text()
        source = re.sub(r'{% set html_lang = "en" %}', f'{{% set html_lang = "{code}" %}}', source)
        source = source.replace('{% set title = "', '{% set title = "XX-TITLE ')
        assert "XX-TITLE" in source, family
        target = root / family / "prose" / f"{code}.md.j2"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(source)
    return root


@pytest.fixture(scope="module")
def tiny():
    return tracer.run(tracer.load_config(None, {"train.iterations": 3}))


def test_a_third_language_renders_in_every_family(tmp_path, tiny):
    from tracer.compare import diff
    from tracer.compare.report import render_report
    from tracer.lesson.render import render_lesson
    from tracer.worksheet import render_exercises

    folder = str(_fixture_language(tmp_path / "course"))
    langs = ("xx", "zh-xx")
    docs = render_lesson(tiny, langs=langs, templates=folder)
    docs += render_report(diff(tiny, tiny), tiny, tiny, langs=langs, templates=folder)
    sheets, keys = render_exercises(tiny, langs=langs, templates=folder)
    docs += sheets + keys
    names = {d.path: d.content.decode() for d in docs}
    for stem in ("lesson", "report", "exercises", "answers"):
        for lang in langs:
            assert "XX-TITLE" in names[f"{stem}.{lang}.md"], (stem, lang)
            assert f'lang="xx"' in names[f"{stem}.{lang}.html"] or lang == "zh-xx"
        assert '<html lang="xx">' in names[f"{stem}.xx.html"]


def test_batch_takes_a_language_of_the_course_folder(tmp_path):
    folder = _fixture_language(tmp_path / "course")
    out = tmp_path / "class"
    assert main(["batch", "--seeds", "1", "--jobs", "1", "--iterations", "3", "--lang", "xx", "--exercises",
                 "--templates", str(folder), "--out", str(out)]) == 0
    assert "XX-TITLE" in (out / "index.xx.md").read_text()
    assert "XX-TITLE" in (out / "seed-001" / "lesson.xx.html").read_text()
    assert "XX-TITLE" in (out / "seed-001" / "exercises.xx.md").read_text()
    assert "XX-TITLE" in (tmp_path / "class-answers" / "seed-001" / "answers.xx.md").read_text()


def test_a_prose_file_may_hold_only_the_entries_it_changes(tmp_path, tiny):
    from tracer.lesson.render import render_lesson

    prose = tmp_path / "lesson" / "prose" / "en.md.j2"
    prose.parent.mkdir(parents=True)
    prose.write_text('{% set title = "Our course: backpropagation" %}\n'
                     '{% set headings = {"data": "Our data"} %}\n')
    packaged = render_lesson(tiny, langs=["en"], formats=["md"])[0].content.decode()
    changed = render_lesson(tiny, langs=["en"], formats=["md"], templates=str(tmp_path))[0].content.decode()
    assert "# Our course: backpropagation" in changed and "# Our course" not in packaged
    assert "## 2. Our data" in changed
    # every other entry falls back to the packaged prose: the other headings and sections are unchanged
    assert "One iteration, number by number" in changed
    assert changed.split("## 3.", 1)[1] == packaged.split("## 3.", 1)[1]


def test_exported_templates_render_the_same_bytes(tmp_path, tiny):
    from tracer.lesson.render import render_lesson

    assert main(["templates", "export", str(tmp_path / "t")]) == 0
    exported = sorted(p.relative_to(tmp_path / "t").as_posix() for p in (tmp_path / "t").rglob("*") if p.is_file())
    assert "lesson/prose/zh.md.j2" in exported and "worksheet/prose/en.md.j2" in exported and "page.css" in exported
    a = render_lesson(tiny, langs=["zh-en"])
    b = render_lesson(tiny, langs=["zh-en"], templates=str(tmp_path / "t"))
    assert [(d.path, d.content) for d in a] == [(d.path, d.content) for d in b]
    assert main(["templates", "export", str(tmp_path / "t")]) == 2      # never overwrites a course's edits


BROKEN = {
    "syntax": ("lesson/lesson.md.j2", "{% extends 'lesson/base.md.j2' %}\n{% block title %}\n{% if %}\n{% endblock %}\n", 3),
    "undefined in prose": ("lesson/prose/en.md.j2", '{% macro lead() %}\nline one\n{{ no_such_name }}\n{% endmacro %}\n', 3),
    "sandbox": ("lesson/lesson.md.j2", "x\n{{ ''.__class__.__mro__ }}\n", 2),
    "missing include": ("lesson/lesson.md.j2", "x\n\n{% include 'nothing/here.j2' %}\n", 3),
    "division by zero": ("lesson/lesson.md.j2", "{{ 1 }}\n{{ 1 // 0 }}\n", 2),
    "recursion": ("lesson/lesson.md.j2", "{% macro f(n) %}{{ f(n) }}{% endmacro %}\n{{ f(1) }}\n", 1),
    "loop work": ("lesson/lesson.md.j2", "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}\n", 1),
    "huge string": ("lesson/lesson.md.j2", "{{ 'x' * 1000000000 }}\n", 1),
    "include outside": ("lesson/lesson.md.j2", "{% include '../../etc/passwd' %}\n", 1),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_template_errors_are_one_line_naming_file_and_line(case, tmp_path, capsys):
    name, source, line = BROKEN[case]
    target = tmp_path / "t" / name
    target.parent.mkdir(parents=True)
    target.write_text(source)
    out = tmp_path / "out"
    code = main(["lesson", "--iterations", "3", "--lang", "en", "--format", "md", "--templates", str(tmp_path / "t"),
                 "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    if case != "include outside":
        assert name in err and f"line {line}" in err, err
    assert not out.exists()


def test_a_templates_folder_never_follows_a_symlink(tmp_path, capsys):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    course = tmp_path / "t"
    (course / "lesson").mkdir(parents=True)
    os.symlink(secret, course / "lesson" / "lesson.md.j2")
    assert main(["lesson", "--iterations", "3", "--lang", "en", "--format", "md", "--templates", str(course),
                 "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "symbolic link" in err and "TOP-SECRET" not in err
    # a linked folder is refused too, and so is a templates folder that is itself a link
    shutil.rmtree(course)
    (course).mkdir()
    os.symlink(templates_dir() / "lesson", course / "lesson")
    assert main(["lesson", "--iterations", "3", "--lang", "en", "--format", "md", "--templates", str(course),
                 "--out", str(tmp_path / "out")]) == 2
    os.symlink(course, tmp_path / "link")
    assert main(["lesson", "--iterations", "3", "--templates", str(tmp_path / "link"), "--out", str(tmp_path / "out")]) == 2
    assert not (tmp_path / "out").exists()


def test_digits_reach_every_number_including_the_chain_rule(tiny):
    from tracer.lesson.render import render_lesson

    three = render_lesson(tiny, langs=["en"], formats=["md"], digits=3)[0].content.decode()
    chain = three.split("## 5.", 1)[1].split("## 6.", 1)[0]
    substituted = chain.split("With the numbers substituted:", 1)[1].split("$$")[1]
    numbers = re.findall(r"\d+\.\d+", substituted)
    assert numbers and all(len(n.replace(".", "").lstrip("0")) <= 3 for n in numbers), numbers
    for bad in (0, 18, -1):
        with pytest.raises(tracer.TracerError, match="--digits"):
            render_lesson(tiny, digits=bad)


@pytest.mark.parametrize("argv", [["lesson", "--digits", "0"], ["batch", "--seeds", "1", "--digits", "40"],
                                  ["diff", "--seeds", "1", "2", "--out", "x", "--digits", "0"]])
def test_digits_are_checked_before_any_work(argv, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main([*argv, "--iterations", "3"]) == 2
    assert "--digits" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def _prose_files():
    return sorted((templates_dir()).glob("*/prose/*.md.j2"))


@pytest.mark.parametrize("path", _prose_files(), ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_prose_files_hold_words_only(path):
    from jinja2 import nodes

    from tracer.render.environment import environment

    env = environment(None)
    tree = env.parse(path.read_text())
    assert not list(tree.find_all(nodes.For)), "a loop belongs in the skeleton"
    assert not list(tree.find_all((nodes.Include, nodes.Extends, nodes.Import, nodes.FromImport)))
    for piece in tree.find_all(nodes.TemplateData):
        assert "$$" not in piece.data, "display math belongs in the skeleton"
        for line in piece.data.split("\n")[1:]:   # text that starts a line
            assert not re.match(r"\s*(\||#|- |\* |\d+\. |:::)", line), f"layout in prose: {line!r}"


def _headings(markdown: str) -> list[int]:
    body = markdown.split("\n---\n", 1)[-1]
    return [len(m.group(1)) for m in re.finditer(r"^(#{1,6}) ", body, re.M)]


def test_heading_levels_never_skip_in_any_family(tiny, deep_trace):
    from tracer.compare import diff
    from tracer.compare.report import render_report
    from tracer.lesson.render import render_lesson
    from tracer.worksheet import render_exercises

    docs = render_lesson(deep_trace, langs=["zh-en"], formats=["md"])
    docs += render_report(diff(tiny, tiny), tiny, tiny, langs=["en"], formats=["md"])
    docs += [d for pair in render_exercises(tiny, langs=["en"], formats=["md"]) for d in pair]
    for doc in docs:
        if not doc.path.endswith(".md"):
            continue
        levels = _headings(doc.content.decode())
        assert levels[0] == 1 and levels.count(1) == 1, doc.path
        assert all(b <= a + 1 for a, b in zip(levels, levels[1:])), (doc.path, levels)


def test_side_by_side_pairs_block_by_block_and_shows_formulas_once(tiny):
    import html5lib

    from tracer.lesson.render import render_lesson

    page = render_lesson(tiny, langs=["zh-en"], formats=["html"])[0].content.decode()
    tree = html5lib.parse(page, namespaceHTMLElements=False)
    article = tree.find(".//article")
    pairs = [el for el in article.iter("div") if el.get("class") == "nntrace-pair"]
    assert len(pairs) > 30            # one pair per paragraph, not one per section
    for pair in pairs:
        langs = [child.get("lang") for child in pair]
        assert langs == ["zh-CN", "en"], langs
        assert not pair.findall(".//div[@class='nntrace-math']"), "a formula inside a language column"
    math_blocks = [el for el in article.iter("div") if el.get("class") == "nntrace-math"]
    one_language = render_lesson(tiny, langs=["en"], formats=["html"])[0].content.decode()
    assert len(math_blocks) == one_language.count('class="nntrace-math"') > 10   # each formula once
    # the data table and the training table are shown once, outside the pairs
    tables = [t for t in article.iter("table")]
    outside = [t for t in tables if not any(t in list(p.iter("table")) for p in pairs)]
    assert len(outside) >= 3


def test_language_versions_link_to_each_other(tiny, tmp_path):
    from tracer.lesson.render import render_lesson

    docs = {d.path: d.content.decode() for d in render_lesson(tiny, formats=["md", "html"])}
    for lang in ("zh", "en", "zh-en"):
        md, html = docs[f"lesson.{lang}.md"], docs[f"lesson.{lang}.html"]
        for other in ("zh", "en", "zh-en"):
            if other != lang:
                assert f"](lesson.{other}.md)" in md and f'href="lesson.{other}.html"' in html, (lang, other)
        assert f"](lesson.{lang}.md)" not in md
    single = render_lesson(tiny, langs=["en"], formats=["md"])[0].content.decode()
    assert "](lesson." not in single


def test_the_outline_is_generated_from_the_sections(tiny):
    from tracer.lesson.render import render_lesson

    text = render_lesson(tiny, langs=["en"], formats=["md"])[0].content.decode()
    headings = re.findall(r"^## (\d+)\. (.+)$", text, re.M)
    outline = re.findall(r"^(\d+)\. (.+)$", text.split("## 2.", 1)[0], re.M)
    assert outline == headings[1:] and len(outline) == 7
