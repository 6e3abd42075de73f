"""Shared fixtures: traces small enough to render in well under a second."""

from __future__ import annotations

import pytest
from hypothesis import settings

# Hypothesis keeps no example database (it would be written into the working folder); a failure
# still prints how to reproduce it. Loaded at import, before any test module builds its settings.
settings.register_profile("nntrace-tests", database=None)
settings.load_profile("nntrace-tests")


@pytest.fixture(scope="session", autouse=True)
def _caches_in_tmp(tmp_path_factory):
    """Tests write only under their tmp folder: nntrace's caches (derivations, compiled templates)
    and Jupyter's runtime files go there, for subprocesses too."""
    import os

    root = tmp_path_factory.mktemp("home")
    names = {"NNTRACE_CACHE_DIR": root / "nntrace-cache", "JUPYTER_RUNTIME_DIR": root / "jupyter-runtime",
             "IPYTHONDIR": root / "ipython"}
    saved = {name: os.environ.get(name) for name in names}
    os.environ.update({name: str(path) for name, path in names.items()})
    yield
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(scope="session")
def small_trace():
    """The article's network, trained for 600 iterations (its default record spec scaled down)."""
    import tracer

    return tracer.run(tracer.load_config(None, {"train.iterations": 600}))


@pytest.fixture(scope="session")
def deep_trace():
    """A deeper network: [3, 5, 4, 2], tanh, tanh, sigmoid, trainable biases, bce."""
    import tracer

    config = {"network": {"layers": [3, 5, 4, 2], "activation": ["tanh", "tanh", "sigmoid"],
                          "bias": "trainable", "loss": "bce"},
              "data": {"inputs": [[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]],
                       "targets": [[0, 1], [1, 0], [1, 0], [0, 1]]},
              "train": {"lr": 0.5, "iterations": 300}}
    return tracer.run(tracer.load_config(config))


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def browser_unavailable(reason: str):
    """Skip a browser test, or fail it when NNTRACE_REQUIRE_BROWSER=1 (CI installs Chromium)."""
    import os

    if os.environ.get("NNTRACE_REQUIRE_BROWSER") == "1":
        pytest.fail(f"NNTRACE_REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium per test module: Debian's /usr/bin/chromium, never a downloaded one."""
    from pathlib import Path

    if not Path(CHROMIUM).exists():
        browser_unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        browser_unavailable("playwright is not installed (pip install playwright)")
    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()
