"""nntrace: record every tensor of a small numpy network's training, derive and teach it.

The public API::

    config = tracer.load_config("examples/seed.toml")   # or a dict, or None for the article's network
    trace = tracer.run(config)                            # train, recording the chosen iterations
    traces = tracer.run_many(config, range(1, 31))        # one trace per seed, trained together
    trace.get("l1_delta", 0)                              # one tensor at one iteration
    trace.save("seed.npz"); tracer.load_trace("seed.npz")
    tracer.make_lesson(config, lang="en")                # a lesson shown inline in Jupyter
"""

from __future__ import annotations

__version__ = "0.1.0"

from tracer.config import Config, load_config  # noqa: E402
from tracer.errors import (  # noqa: E402
    ConfigError, DataError, DerivationError, RecordSpecError, TraceFileError, TracerError, TrainingError,
)
from tracer.trace import Trace, load_trace  # noqa: E402
from tracer.train import run  # noqa: E402
from tracer.stacked import run_many  # noqa: E402



def __getattr__(name: str):
    # ``tracer.symbolic`` imports sympy; load it only when asked for
    if name == "derive":
        from tracer.symbolic import derive

        return derive
    if name in ("make_lesson", "Lesson"):
        import tracer.inline

        return getattr(tracer.inline, name)
    raise AttributeError(f"module 'tracer' has no attribute {name!r}")


__all__ = [
    "Config", "ConfigError", "DataError", "DerivationError", "RecordSpecError", "Trace", "TraceFileError",
    "TracerError", "TrainingError", "derive", "load_config", "load_trace", "make_lesson", "run", "run_many",
]
