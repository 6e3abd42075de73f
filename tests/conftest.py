"""Shared fixtures: traces small enough to render in well under a second."""

from __future__ import annotations

import pytest


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
