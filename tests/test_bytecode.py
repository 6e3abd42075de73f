"""The compiled-template cache holds packaged templates only, is skipped in a folder others may
write, and a damaged entry is compiled again: the output never changes."""

from __future__ import annotations

import os
import shutil

import pytest

from tracer.lesson.render import render_lesson
from tracer.render.bytecode import packaged_cache
from tracer.render.environment import environment
from tracer.resources import templates_dir


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("NNTRACE_CACHE_DIR", str(tmp_path / "cache"))
    environment.cache_clear()
    yield tmp_path / "cache"
    environment.cache_clear()


def _render(trace, templates=None) -> dict[str, bytes]:
    docs = render_lesson(trace, langs=["en"], formats=["md"], templates=templates, explorer=False)
    return {d.path: d.content for d in docs}


def test_packaged_templates_are_cached_and_a_course_template_is_not(cache, small_trace, tmp_path):
    course = tmp_path / "course" / "lesson" / "prose"
    course.mkdir(parents=True)
    prose = (templates_dir() / "lesson" / "prose" / "en.md.j2").read_text(encoding="utf-8")
    (course / "en.md.j2").write_text(prose.replace("Nothing here is made up", "Nothing here is invented"))
    out = _render(small_trace, str(tmp_path / "course"))
    assert "Nothing here is invented" in out["lesson.en.md"].decode()
    stored = {p.name[:-len(".jinja")] for p in cache.glob("templates-*/*.jinja")}
    probe = packaged_cache(templates_dir())
    packaged = probe.get_cache_key("lesson/lesson.md.j2", str(templates_dir() / "lesson" / "lesson.md.j2"))
    course_key = probe.get_cache_key("lesson/prose/en.md.j2", str((course / "en.md.j2").resolve()))
    assert packaged in stored and course_key not in stored
    for entry in cache.glob("templates-*/*.jinja"):
        assert entry.stat().st_mode & 0o077 == 0


def test_a_damaged_entry_is_compiled_again_and_the_output_is_the_same(cache, small_trace):
    first = _render(small_trace)
    entries = list(cache.glob("templates-*/*.jinja"))
    assert entries
    for entry in entries:
        entry.write_bytes(entry.read_bytes()[:40] + b"\x00garbage")
    environment.cache_clear()
    assert _render(small_trace) == first
    environment.cache_clear()
    shutil.rmtree(cache)
    assert _render(small_trace) == first


def test_a_cache_folder_others_may_write_is_not_used(cache, small_trace):
    assert packaged_cache(templates_dir()) is not None
    folder = next(cache.glob("templates-*"))
    os.chmod(folder, 0o777)
    assert packaged_cache(templates_dir()) is None
    os.chmod(folder, 0o700)
    (cache / "blocked").write_text("a file where the cache folder should be")
    os.environ["NNTRACE_CACHE_DIR"] = str(cache / "blocked")
    assert packaged_cache(templates_dir()) is None
    assert _render(small_trace)   # renders without a cache
