"""Input checks shared by the library and the command line.

Every check raises ``ValueError`` with a one-line message that names the bad value and
what is accepted; the CLI prints the same message (prefixed with the flag or the environment
variable the value came from), so a user sees identical wording in both places. A value too
long to print (a 5,000-digit number, a pasted file) is shown cut short, never in full.
"""

from __future__ import annotations

import difflib
import math
import numbers
import os
import re

# Largest sample count accepted anywhere. X alone is samples x 12 float64 (96 MB at the
# limit); the methods work in chunks, so memory stays bounded well below the machine's.
MAX_SAMPLES = 1_000_000
MAX_SEEDS = 100_000
# Seeds name random streams through numpy's SeedSequence, one 32-bit word per part.
MAX_SEED = 2**32 - 1
# Decoy strength: 0 is the control, 1 the tuned point, the book uses up to 3. Up to 100 every
# regime is computed correctly in float64 (tests/test_fuzz_api.py checks it at the bound): the
# suppressor's gate window (half-width 1.5 / (32 s)) is still resolved and its gates' rounding
# (~2 s * 1e-16 on the output) stays far below the tie floor 1e-12; the confounder still fools
# correlation. Far beyond, the suppressor's gates lose their margin to rounding (s ~ 1e14) and
# the confounder's mixing overflows (s ~ 1e154): the numbers would be silently wrong.
MAX_STRENGTH = 100.0
STRENGTH_RULE = f"a finite number >= 0 and <= {MAX_STRENGTH:g} (0 = control, 1 = tuned point)"

_INTEGER = re.compile(r"[+-]?[0-9]+")
_SHOWN = 40  # characters of a bad value shown in a message


def show(value) -> str:
    """``repr(value)``, cut to about 40 characters: a message stays one readable line. An array (or
    a tensor) is shown by its type and shape, never its numbers."""
    if isinstance(value, str) and _INTEGER.fullmatch(value.strip()) and len(value.strip()) > _SHOWN:
        sign = "negative " if value.strip().startswith("-") else ""
        return f"a {sign}{len(value.strip().lstrip('+-')):,}-digit number"
    if isinstance(value, numbers.Integral) and not isinstance(value, bool) and abs(int(value)) >= 10**30:
        digits = len(str(abs(int(value)))) if int(value).bit_length() < 10_000 else \
            int(int(value).bit_length() * math.log10(2)) + 1  # str() refuses > 4300 digits
        return f"a {'negative ' if value < 0 else ''}{digits:,}-digit number"
    shape = getattr(value, "shape", None)
    if isinstance(shape, tuple) and len(shape) >= 1 and not isinstance(value, (str, bytes)):  # an array, a tensor
        return f"a {type(value).__name__} of shape {tuple(int(n) for n in shape)}"
    try:
        text = repr(value)
    except Exception:  # a broken __repr__ must not hide the real error
        text = f"<{type(value).__name__}>"
    text = " ".join(text.split())
    if len(text) > _SHOWN:
        text = text[: _SHOWN - 4] + "..." + ("'" if isinstance(value, str) else "")
    return text


def _count(n: int) -> str:
    """``1,234`` -- or ``a 400-digit number`` for one too long to read."""
    return f"{n:,}" if abs(n) < 10**30 else show(n)


def check_choice(value, choices, what: str) -> str:
    """Return ``value`` if it is one of ``choices``, else raise with the closest match."""
    choices = list(choices)
    if isinstance(value, str) and value in choices:
        return value
    hint = ""
    if isinstance(value, str) and len(value) <= 100:
        close = difflib.get_close_matches(value, choices, n=1, cutoff=0.5)
        if close:
            hint = f"; did you mean {close[0]!r}?"
    raise ValueError(
        f"unknown {what} {show(value)}{hint} (valid choices: {', '.join(choices)})"
    )


def check_names(given, registry, what: str) -> tuple:
    """The names to run, as a tuple: every key of ``registry`` when ``given`` is ``None``, else
    ``given`` (one name or a list of them), each checked with :func:`check_choice`.

    ``what`` names one entry in the messages (``"method"``, ``"circuit"``). An empty list, a
    repeated name or an unknown one is a ``ValueError``; something that is neither a name nor a
    list of names is a ``TypeError``.
    """
    if given is None:
        return tuple(registry)
    if isinstance(given, str):
        given = (given,)
    try:
        given = tuple(given)
    except TypeError:
        raise TypeError(f"{what}s must be a name or a list of names, or None for all (got {type(given).__name__})"
                        ) from None
    if not given:
        raise ValueError(f"{what}s must name at least one {what}, or be None for all (got an empty list); "
                         f"valid choices: {', '.join(registry)}")
    names = tuple(check_choice(g, registry, what) for g in given)
    if len(set(names)) != len(names):
        repeated = next(n for n in names if names.count(n) > 1)
        raise ValueError(f"{what}s must not repeat a name (got {repeated!r} twice)")
    return names


def _as_int(value, what: str, rule: str) -> int:
    """Accept Python/NumPy integers and integral strings (ASCII digits, one optional sign);
    reject bools, floats, junk, and numbers too long to be any accepted value."""
    if isinstance(value, bool):
        raise ValueError(f"{what} must be {rule} (got {value!r})")
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        if _INTEGER.fullmatch(text):
            if len(text.lstrip("+-")) > 30:  # beyond every limit, and int() refuses > 4300 digits
                sign = "negative " if text.startswith("-") else ""
                raise ValueError(f"{what} must be {rule} (got a {sign}{len(text.lstrip('+-')):,}-digit number)")
            return int(text)
    raise ValueError(f"{what} must be {rule} (got {show(value)})")


def check_samples(value) -> int:
    """Samples per circuit: an integer in [2, MAX_SAMPLES] (2 is the least a correlation needs)."""
    rule = f"an integer from 2 to {MAX_SAMPLES:,}"
    n = _as_int(value, "samples", rule)
    if n < 2:
        raise ValueError(f"samples must be {rule}; correlation needs at least 2 (got {n})")
    if n > MAX_SAMPLES:
        raise ValueError(
            f"samples must be {rule}; {_count(n)} would exhaust memory (limit {MAX_SAMPLES:,})"
        )
    return n


SEED_RULE = f"a non-negative integer up to {MAX_SEED:,} (2**32 - 1)"


def check_seed(value, what: str = "seed") -> int:
    """A seed: an integer in [0, 2**32 - 1] (one 32-bit word of a random stream's name)."""
    n = _as_int(value, what, SEED_RULE)
    if not 0 <= n <= MAX_SEED:
        raise ValueError(f"{what} must be {SEED_RULE} (got {_count(n)})")
    return n


def check_seeds(value) -> int:
    """Number of seeds to average over: an integer in [1, MAX_SEEDS]."""
    rule = f"a positive integer up to {MAX_SEEDS:,}"
    n = _as_int(value, "seeds", rule)
    if not 1 <= n <= MAX_SEEDS:
        raise ValueError(f"seeds must be {rule} (got {_count(n)})")
    return n


def check_strength(value) -> float:
    """Decoy strength: a float in [0, MAX_STRENGTH] (0 is the control, 1 the tuned point)."""
    if getattr(value, "ndim", None) == 0 and hasattr(value, "item"):  # a 0-d array
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (str, numbers.Real)):
        raise ValueError(f"strength must be {STRENGTH_RULE} (got {show(value)})")
    try:
        s = float(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError, OverflowError):  # OverflowError: an int like 10**400
        raise ValueError(f"strength must be {STRENGTH_RULE} (got {show(value)})") from None
    if not math.isfinite(s) or not 0 <= s <= MAX_STRENGTH:
        raise ValueError(f"strength must be {STRENGTH_RULE} (got {show(value)})")
    return s


LABELS = ("real", "scrambled")


def check_labels(value) -> str:
    """Ground-truth labels: 'real', or 'scrambled' for the shuffled-mask null."""
    if isinstance(value, str) and value in LABELS:
        return value
    raise ValueError(f"labels must be one of {', '.join(LABELS)} (got {show(value)})")


# --- memory: refuse a call that cannot fit, before numpy tries -------------------------------


def _read_int(path: str) -> int | None:
    try:
        with open(path, encoding="ascii") as fh:
            text = fh.read().strip()
    except (OSError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() else None


def available_memory() -> int | None:
    """Bytes this process may still allocate: the smaller of the machine's available memory
    and the room left under a cgroup (container) limit; ``None`` if neither can be read."""
    limits = []
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    limits.append(int(line.split()[1]) * 1024)
                    break
    except (OSError, ValueError, IndexError):
        try:
            limits.append(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
        except (AttributeError, OSError, ValueError):
            pass
    cap, used = _read_int("/sys/fs/cgroup/memory.max"), _read_int("/sys/fs/cgroup/memory.current")
    if cap is not None and used is not None:
        limits.append(max(0, cap - used))
    return min(limits) if limits else None


def format_bytes(n: float) -> str:
    """``1.5 GB``-style sizes (powers of 1024)."""
    for unit in ("bytes", "KB", "MB", "GB", "TB", "PB"):
        if n < 1024 or unit == "PB":
            return f"{n:,.0f} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1024
    return f"{n:,.1f} PB"  # pragma: no cover


def check_memory(nbytes: float, what: str, advice: str) -> None:
    """Raise ``ValueError`` if ``what`` needs more than the memory available (``nbytes`` at once).

    ``advice`` says what to change, e.g. "use fewer copies". Checked before allocating, so a
    call that cannot fit fails at once with a sentence instead of a MemoryError (or swapping).
    """
    free = available_memory()
    if free is not None and nbytes > free:
        raise ValueError(f"{what} would need about {format_bytes(nbytes)} of memory at once; "
                         f"{format_bytes(free)} is available: {advice}")
