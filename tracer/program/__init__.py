"""Numpy code for a configured network: each step of an iteration, and a whole runnable program.

``steps(config)`` gives the snippets with stable ids that a lesson or notebook shows beside each
step's numbers; ``program(config)`` strings them into a script that prints the run's numbers.
It reads the config and the activation table only, so it is cheap to load.
"""

from __future__ import annotations

from tracer.program.steps import Step, activation_code, step, steps
from tracer.program.whole import print_every, printed_iterations, program, setup_code

__all__ = ["activation_code", "Step", "print_every", "printed_iterations", "program", "setup_code", "step", "steps"]
