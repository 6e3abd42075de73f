"""The exception hierarchy: every error a user can cause is a ``TracerError``.

The command line turns any ``TracerError`` into one line on stderr and exit code 2 (bad input or a
refusal). Exit code 1 is kept for findings (``diff`` found differences, ``derive`` found a
disagreement, ``batch`` had failed seeds) and 130 for Ctrl-C; a bug prints one line too.
"""

from __future__ import annotations


class TracerError(Exception):
    """Base class of the errors a user can fix (bad config, data, options or files)."""

    exit_code = 2
    """The command line's exit code for this error: 2 for bad input or a refusal."""


class ConfigError(TracerError):
    """A configuration value is missing, unknown, of the wrong type or out of range."""


class DataError(TracerError):
    """Training data (a preset, inline values or a CSV file) cannot be used."""


class RecordSpecError(TracerError):
    """A record spec (which iterations to record) is malformed or out of range."""


class TrainingError(TracerError):
    """Training produced a non-finite number (it diverged)."""


class TraceFileError(TracerError):
    """A trace file is unreadable, truncated, of another schema or unsafe to load."""


class DerivationError(TracerError):
    """A symbolic derivation disagrees with the recorded numbers, or a weight name is invalid."""


class InputError(TracerError):
    """A file the user named cannot be read safely (missing, not a regular file, too large)."""


class OutputError(TracerError):
    """An output path cannot be written safely (a FIFO, device, symlink, folder in the way, full disk)."""


class Disagreement(DerivationError):
    """A finding rather than bad input: the derived value, numpy and finite differences disagree."""

    exit_code = 1
