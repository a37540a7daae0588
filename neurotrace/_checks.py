"""Input checks shared by the library and the command line.

Every check raises ``ValueError`` with a one-line message that names the bad value and
what is accepted; the CLI prints the same message (prefixed with the environment variable
when the value came from one), so a user sees identical wording in both places.
"""

from __future__ import annotations

import difflib
import math
import numbers

# Largest sample count accepted anywhere. X alone is samples x 12 float64 (96 MB at the
# limit); the methods work in chunks, so memory stays bounded well below the machine's.
MAX_SAMPLES = 1_000_000
MAX_SEEDS = 100_000


def check_choice(value, choices, what: str) -> str:
    """Return ``value`` if it is one of ``choices``, else raise with the closest match."""
    choices = list(choices)
    if isinstance(value, str) and value in choices:
        return value
    hint = ""
    if isinstance(value, str):
        close = difflib.get_close_matches(value, choices, n=1, cutoff=0.5)
        if close:
            hint = f"; did you mean {close[0]!r}?"
    raise ValueError(
        f"unknown {what} {value!r}{hint} (valid choices: {', '.join(choices)})"
    )


def _as_int(value, what: str, rule: str) -> int:
    """Accept Python/NumPy integers and integral strings; reject bools, floats, junk."""
    if isinstance(value, bool):
        raise ValueError(f"{what} must be {rule} (got {value!r})")
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        if text.lstrip("+-").isdigit():
            return int(text)
    raise ValueError(f"{what} must be {rule} (got {value!r})")


def check_samples(value) -> int:
    """Samples per circuit: an integer in [2, MAX_SAMPLES] (2 is the least a correlation needs)."""
    rule = f"an integer from 2 to {MAX_SAMPLES:,}"
    n = _as_int(value, "samples", rule)
    if n < 2:
        raise ValueError(f"samples must be {rule}; correlation needs at least 2 (got {n})")
    if n > MAX_SAMPLES:
        raise ValueError(
            f"samples must be {rule}; {n:,} would exhaust memory (limit {MAX_SAMPLES:,})"
        )
    return n


def check_seed(value, what: str = "seed") -> int:
    """A seed: a non-negative integer."""
    n = _as_int(value, what, "a non-negative integer")
    if n < 0:
        raise ValueError(f"{what} must be a non-negative integer (got {n})")
    return n


def check_seeds(value) -> int:
    """Number of seeds to average over: an integer in [1, MAX_SEEDS]."""
    rule = f"a positive integer up to {MAX_SEEDS:,}"
    n = _as_int(value, "seeds", rule)
    if not 1 <= n <= MAX_SEEDS:
        raise ValueError(f"seeds must be {rule} (got {n})")
    return n


def check_strength(value) -> float:
    """Decoy strength: a finite float >= 0 (0 is the control, 1 the tuned point)."""
    rule = "a finite number >= 0 (0 = control, 1 = tuned point)"
    if isinstance(value, bool):
        raise ValueError(f"strength must be {rule} (got {value!r})")
    try:
        s = float(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError):
        raise ValueError(f"strength must be {rule} (got {value!r})") from None
    if not math.isfinite(s) or s < 0:
        raise ValueError(f"strength must be {rule} (got {value!r})")
    return s


LABELS = ("real", "scrambled")


def check_labels(value) -> str:
    """Ground-truth labels: 'real', or 'scrambled' for the shuffled-mask null."""
    if value in LABELS:
        return value
    raise ValueError(f"labels must be one of {', '.join(LABELS)} (got {value!r})")
