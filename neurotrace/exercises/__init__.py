"""Classroom exercises: write a method yourself, and a checker says whether it is right and why not.

>>> from neurotrace import exercises
>>> exercises.check_gradient(exercises.solutions.gradient_saliency).ok
True

Each checker runs your function on a few circuits and edge cases, compares it with the
library's own implementation, and returns a :class:`CheckResult` (``ok``, ``message``)
naming the *first* thing that is wrong; on a starter stub that still raises
``NotImplementedError`` it says where to begin. Reference solutions live in
:mod:`neurotrace.exercises.solutions` (:func:`solution` shows one with its checker's verdict), and
:func:`yours_or_reference` lets a page run on the reference until the student's function passes.
To score your method or circuit with ``nt.evaluate``, register it for a moment with
:func:`registered_method` or :func:`registered_circuit`.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import solutions
from ._feedback import CheckResult
from .decoy import check_decoy
from .gradient import check_gradient
from .integrated_gradients import check_integrated_gradients, completeness_gap
from .patching import check_patching, check_resample
from .registry import registered_circuit, registered_method
from .reveal import SOLUTIONS, Solution, collapsed, solution, yours_or_reference


@dataclass(frozen=True)
class Exercise:
    """One exercise: its notebook in ``book/exercises``, difficulty (1-3 stars), minutes, checker names."""

    number: int
    title: str
    notebook: str
    stars: int
    minutes: int
    checkers: tuple

    @property
    def difficulty(self) -> str:
        return "★" * self.stars + "☆" * (3 - self.stars) + " " + ("easy", "medium", "hard")[self.stars - 1]


EXERCISES = (
    Exercise(1, "Gradient saliency", "01_gradient", 1, 15, ("check_gradient",)),
    Exercise(2, "Integrated gradients", "02_integrated_gradients", 2, 25, ("check_integrated_gradients",)),
    Exercise(3, "Noising activation patching", "03_patching", 2, 25, ("check_resample", "check_patching")),
    Exercise(4, "A decoy of your own", "04_decoy", 3, 35, ("check_decoy",)),
)

__all__ = [
    "CheckResult", "EXERCISES", "Exercise", "SOLUTIONS", "Solution", "check_decoy", "check_gradient",
    "check_integrated_gradients", "check_patching", "check_resample", "collapsed", "completeness_gap",
    "registered_circuit", "registered_method", "solution", "solutions", "yours_or_reference",
]
