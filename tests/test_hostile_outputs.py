"""Outputs write only what they own: FIFOs, devices, symlinks and folders in the way are refused,
modes follow the umask, folders are written all or nothing, and stale files are ours alone."""

from __future__ import annotations

import errno
import json
import os
import stat
from pathlib import Path

import pytest

from tracer.cli import main
from tracer.errors import OutputError
from tracer.files import MANIFEST_NAME, TMP_PREFIX, write_file, write_tree


def one_error_line(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


@pytest.fixture
def umask_027():
    old = os.umask(0o027)
    yield
    os.umask(old)


def test_write_tree_follows_the_umask_for_files_and_folders(tmp_path, umask_027):
    write_tree(tmp_path / "out", [("a.md", b"a"), ("figures/b.svg", b"b")])
    assert stat.S_IMODE((tmp_path / "out" / "a.md").stat().st_mode) == 0o640
    assert stat.S_IMODE((tmp_path / "out" / "figures").stat().st_mode) == 0o750
    assert stat.S_IMODE((tmp_path / "out").stat().st_mode) == 0o750


def test_a_replaced_file_keeps_its_mode(tmp_path):
    target = tmp_path / "t.bin"
    target.write_bytes(b"old")
    target.chmod(0o604)
    write_file(target, b"new")
    assert target.read_bytes() == b"new" and stat.S_IMODE(target.stat().st_mode) == 0o604


@pytest.mark.parametrize("kind", ["fifo", "symlink", "socket"])
def test_special_targets_are_refused(tmp_path, kind):
    target = tmp_path / "t.npz"
    if kind == "fifo":
        os.mkfifo(target)
    elif kind == "symlink":
        (tmp_path / "real").write_bytes(b"keep")
        target.symlink_to(tmp_path / "real")
    else:
        import socket

        s = socket.socket(socket.AF_UNIX)
        s.bind(str(target))
    with pytest.raises(OutputError, match="not a regular file"):
        write_file(target, b"x")
    with pytest.raises(OutputError):
        write_tree(tmp_path, [("t.npz", b"x")])
    if kind == "symlink":
        assert (tmp_path / "real").read_bytes() == b"keep"


def test_device_files_are_refused():
    with pytest.raises(OutputError, match="character device"):
        write_file("/dev/null", b"x")
    with pytest.raises(OutputError, match="not a folder"):
        write_tree("/dev/null", [("a", b"x")])


def test_an_output_folder_that_is_a_symlink_is_refused(tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    with pytest.raises(OutputError, match="symbolic link"):
        write_tree(tmp_path / "link", [("a.md", b"x")])
    assert list((tmp_path / "real").iterdir()) == []


def test_folder_for_file_and_file_for_folder_are_one_clear_error(tmp_path, capsys):
    (tmp_path / "dir.npz").mkdir()
    assert main(["trace", "--iterations", "3", "-o", str(tmp_path / "dir.npz")]) == 2
    assert "is a folder, but a file is expected" in one_error_line(capsys)
    (tmp_path / "file").write_text("x")
    assert main(["lesson", "--iterations", "3", "--out", str(tmp_path / "file")]) == 2
    assert "is a file, but a folder is expected" in one_error_line(capsys)
    assert main(["batch", "--seeds", "1-2", "--iterations", "3", "--out", str(tmp_path / "file")]) == 2
    assert "is a file, but a folder is expected" in one_error_line(capsys)
    assert main(["trace", "--iterations", "3", "-o", str(tmp_path / "file" / "under.npz")]) == 2
    assert "a part of the path is a file" in one_error_line(capsys)
    assert (tmp_path / "file").read_text() == "x"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_folder_is_one_line(tmp_path, capsys):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        assert main(["trace", "--iterations", "3", "-o", str(ro / "t.npz")]) == 2
        assert "permission denied" in one_error_line(capsys)
    finally:
        ro.chmod(0o700)


def test_permission_denied_is_one_line_even_as_root(tmp_path, capsys, monkeypatch):
    import tracer.files as files

    def denied(folder, data, mode):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(files, "_write_temp", denied)
    assert main(["trace", "--iterations", "3", "-o", str(tmp_path / "t.npz")]) == 2
    assert "permission denied" in one_error_line(capsys)


def test_a_full_disk_leaves_the_previous_folder_whole(tmp_path, monkeypatch):
    out = tmp_path / "out"
    write_tree(out, [(f"f{i}.md", b"old") for i in range(17)])
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    import tracer.files as files

    real = files._write_temp
    calls = []

    def full_after_five(folder, data, mode):
        calls.append(1)
        if len(calls) > 5:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(folder, data, mode)

    monkeypatch.setattr(files, "_write_temp", full_after_five)
    with pytest.raises(OutputError, match="the disk is full"):
        write_tree(out, [(f"f{i}.md", b"new") for i in range(17)])
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before   # no temp folder either


def test_a_failed_first_write_leaves_no_folder(tmp_path, monkeypatch):
    import tracer.files as files

    def full(folder, data, mode):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files, "_write_temp", full)
    with pytest.raises(OutputError):
        write_tree(tmp_path / "new", [("a.md", b"x")])
    assert not (tmp_path / "new").exists()


def test_stale_files_are_removed_only_when_nntrace_wrote_them(tmp_path):
    out = tmp_path / "out"
    write_tree(out, [("a.md", b"1"), ("figures/old.svg", b"2"), ("b.md", b"3")])
    (out / "notes.txt").write_text("mine")
    (out / "figures" / "mine.svg").write_text("mine")
    write_tree(out, [("a.md", b"1")])
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == [
        MANIFEST_NAME, "a.md", "figures/mine.svg", "notes.txt"]
    assert json.loads((out / MANIFEST_NAME).read_text())["files"] == ["a.md"]


def test_a_tampered_manifest_never_removes_outside_files(tmp_path):
    out = tmp_path / "out"
    (tmp_path / "precious").write_text("keep")
    out.mkdir()
    (out / MANIFEST_NAME).write_text(json.dumps({"files": ["../precious", "/etc/hosts", "x/../../precious"]}))
    write_tree(out, [("a.md", b"1")])
    assert (tmp_path / "precious").read_text() == "keep"


def test_out_dot_works_and_says_where(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["lesson", "--iterations", "20", "--lang", "en", "--format", "md", "--out", "."]) == 0
    out = capsys.readouterr().out
    assert str(tmp_path) in out
    assert (tmp_path / "lesson.en.md").is_file() and (tmp_path / MANIFEST_NAME).is_file()


def test_temp_files_of_a_killed_run_are_cleaned_by_the_next(tmp_path):
    dead_pid = 2**22 + 12345   # above pid_max on Linux defaults, so no process has it
    out = tmp_path / "out"
    out.mkdir()
    (out / f"{TMP_PREFIX}{dead_pid}-abc").mkdir()
    (out / f"{TMP_PREFIX}{dead_pid}-abc" / "x").write_text("half")
    (out / f"{TMP_PREFIX}{dead_pid}-file").write_text("half")
    (out / f"{TMP_PREFIX}{os.getppid()}-alive").write_text("a live process's")
    write_tree(out, [("a.md", b"1")])
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted([MANIFEST_NAME, "a.md", f"{TMP_PREFIX}{os.getppid()}-alive"])


def test_document_paths_stay_inside(tmp_path):
    for bad in ("../x", "/etc/x", "a/../../x", MANIFEST_NAME):
        with pytest.raises(OutputError, match="must be relative"):
            write_tree(tmp_path, [(bad, b"x")])


def test_write_documents_keeps_its_signature(tmp_path):
    from tracer.lesson.model import Document
    from tracer.lesson.write import write_documents

    written = write_documents(tmp_path, [Document("a.md", b"A"), Document("f/b.svg", b"B")])
    assert written == [tmp_path / "a.md", tmp_path / "f" / "b.svg"]
    assert (tmp_path / "f" / "b.svg").read_bytes() == b"B"


def test_trace_output_into_a_fifo_is_refused_without_blocking(tmp_path, capsys):
    fifo = tmp_path / "pipe.npz"
    os.mkfifo(fifo)
    assert main(["trace", "--iterations", "3", "-o", str(fifo)]) == 2
    assert "FIFO" in one_error_line(capsys)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
