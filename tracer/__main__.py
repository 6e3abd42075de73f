"""``python -m tracer`` runs the ``nntrace`` command line."""

from tracer.cli import console

console()
