"""What a checker hands back, and the small helpers every checker shares.

A checker runs the student's function on a few cases, compares each answer with the
library's own implementation and stops at the first thing that is wrong: it raises
:class:`Mistake` with a plain-words message, which :func:`checker` turns into a failed
:class:`CheckResult`.
"""

from __future__ import annotations

import functools
import html
from dataclasses import dataclass

import numpy as np

# Two answers agree when they match to ~6 significant digits: far looser than float
# round-off (another correct vectorisation differs by ~1e-15), far tighter than any mistake.
RTOL, ATOL = 1e-6, 1e-9


@dataclass(frozen=True)
class CheckResult:
    """The verdict on one exercise: ``ok`` and one plain-words ``message``.

    Truthy when the answer is right, so ``assert check_gradient(fn)`` works; shows as a
    green or red box in a notebook.
    """

    ok: bool
    message: str
    exercise: str = ""

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        verdict = "correct" if self.ok else "not yet"
        head = f"{self.exercise}: " if self.exercise else ""
        return f"{'✔' if self.ok else '✘'} {head}{verdict}. {self.message}"

    __repr__ = __str__

    def _repr_html_(self) -> str:
        colour, mark, verdict = ("#1a7f37", "✔", "Correct") if self.ok else ("#b42318", "✘", "Not yet")
        head = f"{html.escape(self.exercise)} — " if self.exercise else ""
        return (
            f'<div style="border-left: 6px solid {colour}; padding: 0.5em 1em; margin: 0.5em 0;">'
            f'<strong style="color: {colour};">{mark} {head}{verdict}.</strong> '
            f"{html.escape(self.message)}</div>"
        )


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


class Mistake(Exception):
    """Raised inside a checker with the message the student should read."""


def checker(exercise: str):
    """Decorator: the wrapped check returns a success message or raises :class:`Mistake`."""

    def wrap(check):
        @functools.wraps(check)
        def run(*args, **kwargs) -> CheckResult:
            try:
                return CheckResult(True, _sentence(check(*args, **kwargs)), exercise)
            except Mistake as mistake:
                return CheckResult(False, _sentence(str(mistake)), exercise)

        return run

    return wrap


def not_written(what: str, hint: str) -> Mistake:
    """The first message a starter stub gets: not a traceback, but where to begin."""
    return Mistake(f"{what} is not written yet: it still raises NotImplementedError. Replace that line with your "
                   f"own code. Hint: {hint}")


def call(fn, args: tuple, where: str, protect=(), hint: str = "") -> np.ndarray:
    """Run the student's ``fn(*args)`` and return its answer as a float array.

    ``protect``: indices of array arguments the function must not change in place. Every
    failure -- an exception, ``None``, a non-numeric answer, an edited input -- becomes a
    :class:`Mistake` that starts with ``where`` (e.g. "On the clean circuit (seed 0)"), except a
    starter stub that still raises ``NotImplementedError``: that gets ``hint``, where to begin.
    """
    if not callable(fn):
        raise Mistake(f"expected a function, got {type(fn).__name__}: pass the function itself, without calling it")
    before = {i: np.array(args[i], copy=True) for i in protect}
    try:
        out = fn(*args)
    except NotImplementedError:
        raise not_written("Your function", hint or "start from the Hints above.") from None
    except Exception as error:  # the student's bug, whatever it is, is the feedback
        raise Mistake(f"{where}: your function raised {type(error).__name__}: {error}") from None
    for i, original in before.items():
        if not np.array_equal(args[i], original):
            raise Mistake(
                f"{where}: your function changed its input array in place. Work on a copy "
                "(e.g. X.copy()) so the caller's data stay as they were"
            )
    if out is None:
        raise Mistake(f"{where}: your function returned None. Did you forget the `return`?")
    try:
        return np.asarray(out, dtype=float)
    except (TypeError, ValueError):
        raise Mistake(f"{where}: your function returned a {type(out).__name__}, not an array of numbers.") from None


def close(a, b) -> bool:
    """Same shape and equal to ~6 significant digits."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=RTOL, atol=ATOL))


def expect_shape(out: np.ndarray, expected: tuple, where: str, known: dict) -> None:
    """Raise a :class:`Mistake` unless ``out.shape == expected``.

    ``known`` maps shapes of typical wrong answers to the sentence that explains them.
    """
    if out.shape == expected:
        return
    hint = known.get(out.shape, "")
    raise Mistake(f"{where}: wrong shape, expected {expected}, got {out.shape}." + (f" {hint}" if hint else ""))


def expect_finite(out: np.ndarray, where: str) -> None:
    bad = np.argwhere(~np.isfinite(out))
    if len(bad):
        raise Mistake(f"{where}: your answer holds NaN or inf (first at index {tuple(bad[0].tolist())}).")


def fmt(x: float) -> str:
    """A number the way a student reads it: 3 significant digits."""
    return f"{x:.3g}"


def worst_feature(out: np.ndarray, expected: np.ndarray) -> str:
    """'at f6: yours 0.12, expected 2.34' -- the feature with the largest gap."""
    gap = np.abs(out - expected)
    if gap.ndim == 2:
        i, j = np.unravel_index(int(np.argmax(gap)), gap.shape)
        return f"sample {i}, feature f{j}: yours {fmt(out[i, j])}, expected {fmt(expected[i, j])}"
    j = int(np.argmax(gap))
    return f"feature f{j}: yours {fmt(out[j])}, expected {fmt(expected[j])}"
