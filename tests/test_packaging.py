"""The wheel: every module and every template reaches the installed package, and the console
script works in a fresh virtual environment."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

from tracer.resources import templates_dir

ROOT = Path(__file__).resolve().parent.parent


def test_templates_are_found_from_this_install():
    found = templates_dir()
    assert sorted(p.name for p in found.iterdir()) == sorted(p.name for p in (ROOT / "templates").iterdir())


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
                   check=True, capture_output=True)
    (found,) = out.glob("nntrace-*.whl")
    return found


def test_wheel_holds_every_module_and_template(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    modules = {p.relative_to(ROOT).as_posix() for p in (ROOT / "tracer").rglob("*.py")}
    templates = {"tracer/templates/" + p.relative_to(ROOT / "templates").as_posix()
                 for p in (ROOT / "templates").rglob("*") if p.is_file()}
    assert templates, "templates/ is empty"
    assert modules <= names, sorted(modules - names)
    assert templates <= names, sorted(templates - names)
    shipped = {"tracer/examples/" + p.name for p in (ROOT / "examples").iterdir() if p.suffix in (".toml", ".csv")}
    assert shipped and shipped <= names, sorted(shipped - names)
    assert "tracer/py.typed" in names
    assert any(n.endswith("entry_points.txt") for n in names)


def test_wheel_installs_and_traces_in_a_fresh_venv(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    bindir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    python = bindir / "python"
    subprocess.run([python, "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
                   check=True, capture_output=True)
    # dependencies come from the running environment (read-only), the package itself from the wheel
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    Path(site, "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    out = tmp_path / "t.npz"
    run = subprocess.run([bindir / "nntrace", "trace", "--iterations", "100", "-o", str(out)],
                         capture_output=True, text=True, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert out.exists()
    where = subprocess.run([python, "-c", "import tracer, tracer.resources as r; print(tracer.__file__); print(r.templates_dir())"],
                           check=True, capture_output=True, text=True, cwd=tmp_path).stdout.split()
    assert where[0].startswith(str(env_dir)) and where[1].startswith(str(env_dir))
    assert Path(where[1]).is_dir() and any(Path(where[1]).iterdir())
    # the shipped examples work from the installed package alone (what a lesson's "try next" runs)
    copied = tmp_path / "ex"
    done = subprocess.run([bindir / "nntrace", "examples", "csv_and", "--out", str(copied)],
                          capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in copied.iterdir()) == ["and.csv", "csv_and.toml"]
    run = subprocess.run([bindir / "nntrace", "trace", "--config", "csv_and.toml", "--iterations", "10", "-o", "and.npz"],
                         capture_output=True, text=True, cwd=copied)
    assert run.returncode == 0, run.stderr
