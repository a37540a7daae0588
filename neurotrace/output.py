"""What the command lines print, and how: nothing is lost silently, nothing prints a traceback.

Text is written in a form the stream can encode (:func:`encodable`: ASCII stand-ins for the few
non-ASCII characters the output uses, on a stdout that cannot encode them); a write that fails --
a closed or full stdout -- is an :class:`OutputError` the command reports as one line
(:func:`write`), and a reader that has gone (``| head``) a ``BrokenPipeError`` it ends on quietly;
an error line goes to stderr and never fails itself (:func:`error`). Colour only on a terminal,
never with ``NO_COLOR`` (:class:`Paint`). numpy-free: ``neurotrace.cli`` and the progress line
(:mod:`neurotrace.progress`) use it.
"""

from __future__ import annotations

import os
import sys
import traceback


class OutputError(Exception):
    """stdout cannot take the output: closed, full, or another write error."""


# Plain stand-ins for the few non-ASCII characters the output uses, for a stdout that cannot
# encode them (PYTHONIOENCODING=ascii, a C locale): the output is the same, spelled in ASCII.
ASCII = str.maketrans({"±": "+/-", "×": "x", "—": "--", "–": "-", "−": "-", "…": "...", "≥": ">=", "≤": "<=",
                       "≈": "~", "φ": "phi", "·": ".", "’": "'", "‘": "'", "“": '"', "”": '"', "→": "->"})


def encodable(text: str, stream) -> str:
    """``text`` as ``stream`` can encode it: ASCII stand-ins, then backslash escapes for the rest."""
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        text.encode(encoding)
        return text
    except UnicodeEncodeError:
        text = text.translate(ASCII)
        return text.encode(encoding, "backslashreplace").decode(encoding)
    except LookupError:  # an encoding Python does not know: let the stream decide
        return text


def silence_stdout() -> None:
    """Point fd 1 at /dev/null, so the interpreter's final flush of stdout cannot fail again."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (AttributeError, OSError, ValueError):
        pass


def write(text: str, stream) -> None:
    """Write ``text`` to ``stream`` and flush; ``OutputError`` if the stream is closed (``None``) or
    the write fails (stdout is then silenced, :func:`silence_stdout`). A ``BrokenPipeError`` passes
    through: the reader has gone, and the command ends without a word."""
    if stream is None:
        raise OutputError("standard output is closed")
    try:
        stream.write(encodable(text, stream))
        stream.flush()
    except BrokenPipeError:
        raise
    except (OSError, ValueError) as err:  # ValueError: a closed file object
        silence_stdout()
        raise OutputError(getattr(err, "strerror", None) or str(err)) from None


def error(line: str, exc: BaseException | None = None) -> None:
    """One line on stderr (and ``exc``'s traceback before it, if given); silent if stderr is closed."""
    err = sys.stderr
    if err is None:
        return
    try:
        if exc is not None:
            traceback.print_exception(type(exc), exc, exc.__traceback__, file=err)
        err.write(" ".join(line.split()) + "\n")
        err.flush()
    except (OSError, ValueError):
        pass


def flush_stdout() -> bool:
    """Flush stdout (after argparse printed ``--help`` or ``--version``); False if that failed."""
    try:
        if sys.stdout is not None:
            sys.stdout.flush()
        return True
    except (OSError, ValueError):
        silence_stdout()
        return False


def isatty(stream) -> bool:
    """True for an open terminal; False for None (a closed descriptor), a file, a closed stream."""
    try:
        return stream is not None and stream.isatty()
    except (AttributeError, ValueError, OSError):
        return False


class Paint:
    """ANSI colour for one stream; a no-op unless it is a TTY and NO_COLOR is unset or empty."""

    CODES = {"bold": "1", "dim": "2", "red": "31", "green": "32"}

    def __init__(self, stream):
        self.on = (isatty(stream) and not os.environ.get("NO_COLOR")
                   and os.environ.get("TERM") != "dumb")

    def __call__(self, text: str, style: str) -> str:
        return f"\033[{self.CODES[style]}m{text}\033[0m" if self.on else text
