"""The exception hierarchy: every error a user can cause is a ``TracerError``.

The command line turns any ``TracerError`` into one line on stderr and exit code 2;
anything else is a bug (exit code 1).
"""

from __future__ import annotations


class TracerError(Exception):
    """Base class of the errors a user can fix (bad config, data, options or files)."""


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
