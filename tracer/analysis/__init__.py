"""Facts read from a run, for lessons to state: data in, facts out, no words.

- ``story``: the phases of the loss curve and its turning points;
- ``outcome``: learned or not (rounded predictions equal the targets), computed once;
- ``task``: constant columns, repeated samples, targets that are a boolean function of the inputs;
- ``path``: one sample and one unit per layer through a whole iteration;
- ``units``: what each hidden unit outputs per sample and which inputs switch it on.

Only numpy and the activation table are imported; wording lives in the prose files.
"""

from __future__ import annotations

from tracer.analysis.boolean import BooleanFit, fit
from tracer.analysis.outcome import Outcome, outcome
from tracer.analysis.path import WorkedPath, choose_sample, worked_path
from tracer.analysis.story import Change, Phase, Story, read_story
from tracer.analysis.task import Task, read_task
from tracer.analysis.units import Unit, hidden_units

__all__ = ["BooleanFit", "Change", "Outcome", "Phase", "Story", "Task", "Unit", "WorkedPath", "choose_sample",
           "fit", "hidden_units", "outcome", "read_story", "read_task", "worked_path"]
