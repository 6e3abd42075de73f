"""Every command the README shows runs (in a temporary copy of the examples).

Shell commands run in-process through ``main(argv)`` (quicker than a process each), each as
written except that commands which train get ``--iterations 3000`` appended and ``batch`` renders
English Markdown only: the point is that every flag, file and name in the README works, and the
60000-step runs would take minutes. Python blocks run with ``exec``. Files a command reads but the
README makes elsewhere (``a.npz``, ``b.npz``, ``my-course/``) are made first.
"""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest

from tracer.cli import main

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
SKIPPED_TOOLS = ("python3 -m venv", "python benchmarks/", "pip ", "sudo ")


def fenced(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", README, flags=re.S)


def shell_commands() -> list[str]:
    """The ``nntrace`` lines of the bash blocks, and inline ``nntrace …`` spans without placeholders."""
    commands = []
    for block in fenced("bash"):
        for line in block.splitlines():
            line = re.sub(r"\s+#.*$", "", line).strip()
            if line.startswith("nntrace "):
                commands.append(line)
            elif line == "nntrace":
                commands.append(line)
    for span in re.findall(r"`(nntrace [^`]+)`", README):
        if not re.search(r"\b[A-Z][A-Z.]+\b", span) and span not in commands and " --" in span:
            commands.append(span)
    return commands


def test_the_readme_has_commands_to_run():
    commands = shell_commands()
    assert "nntrace lesson" in commands and any(c.startswith("nntrace derive") for c in commands)
    assert len(commands) >= 15 and len(fenced("python")) >= 1


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("readme")
    shutil.copytree(ROOT / "examples", work / "examples")
    for name, seed in (("a.npz", "1"), ("b.npz", "2")):
        assert main(["trace", "--seed", seed, "--iterations", "2000", "-o", str(work / name)]) == 0
    if "nntrace templates export my-course/" not in README:
        (work / "my-course").mkdir()
    return work


@pytest.mark.slow
def test_every_readme_command_runs(workdir, monkeypatch, capsys):
    monkeypatch.chdir(workdir)
    commands = shell_commands()
    # seed.npz and my-course/ are made by later commands of the README: run those lines first
    commands.sort(key=lambda c: not c.startswith(("nntrace trace", "nntrace templates export")))
    failures = []
    for command in commands:
        argv = shlex.split(command)[1:]
        reads_trace = any(a.endswith(".npz") and argv[i - 1] not in ("-o", "--output") for i, a in enumerate(argv))
        trains = argv[0] in ("trace", "lesson", "derive", "diff", "batch") and not reads_trace and "--trace" not in argv
        if trains:
            argv += ["--iterations", "3000"]
        if argv[0] == "batch":
            argv += ["--lang", "en", "--format", "md"]
        if argv[0] == "grade" and not Path("submissions.csv").exists():
            # the teacher's file: the README says to start from the key folder's template
            answers = Path(argv[argv.index("--answers") + 1])
            shutil.copy(answers / "submissions-template.csv", "submissions.csv")
        code = main(argv)
        err = capsys.readouterr().err
        expected = (0, 1) if argv[0] == "diff" else (0,)
        if code not in expected:
            failures.append(f"{command!r} → exit {code}: {err.strip()}")
    assert not failures, "\n".join(failures)


@pytest.mark.slow
def test_every_readme_python_block_runs(workdir, monkeypatch):
    monkeypatch.chdir(workdir)
    for block in fenced("python"):
        exec(compile(block, "README.md", "exec"), {"__name__": "readme"})
