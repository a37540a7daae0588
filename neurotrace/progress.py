"""A progress line for a long run: ``progress(done, total)``, on a terminal only.

:class:`Progress` is the callback ``nt.evaluate``, ``nt.run_seed`` and the edge level's
``evaluate_edges`` take: one line on stderr, rewritten in place, shown only when stderr is a
terminal and the run has taken over a second, with a heartbeat while one step runs long; erased
when the run ends. ``neurotrace``'s commands and ``python -m evals.harness`` show it.
"""

from __future__ import annotations

import threading
import time

from .output import isatty


def counter(progress, total: int):
    """A ``tick()`` that reports ``progress(done, total)`` after each of ``total`` steps (and
    ``progress(0, total)`` now); ``None`` when there is no progress to report."""
    if progress is None:
        return None
    done = 0
    progress(0, total)

    def tick():
        nonlocal done
        done += 1
        progress(done, total)

    return tick


def duration(seconds: float) -> str:
    """``"42s"``, ``"3m07s"``, ``"2h05m"``: a span of seconds as the progress line writes it."""
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


class Progress:
    """``progress(done, total)`` for ``evaluate``/``run_seed``: one line on ``stream``, rewritten in place.

    Silent unless ``stream`` is a terminal and ``enabled`` (``--quiet`` turns it off), and until
    the run has taken ``DELAY`` seconds: a quick command prints nothing. While one step runs long
    (one method on a million samples) a heartbeat redraws the elapsed time every ``BEAT`` seconds,
    so a long run always shows a sign of life. ``close()`` erases the line, so the output that
    follows starts on a clean line.
    """

    DELAY = 1.0  # seconds before the first line
    EVERY = 0.2  # seconds between redraws
    BEAT = 1.0  # with no news for this long, redraw the elapsed time

    def __init__(self, stream, *, enabled: bool = True, label: str = "", clock=time.monotonic,
                 heartbeat: bool = True):
        self.stream, self.label, self.clock = stream, label, clock
        self.on = enabled and isatty(stream)
        self.start, self.last, self.width, self.state = clock(), None, 0, None
        self.heartbeat, self._lock, self._stop, self._thread = heartbeat, threading.Lock(), None, None

    def __call__(self, done: int, total: int) -> None:
        if not self.on:
            return
        self.state = (done, total)
        if self.heartbeat and self._stop is None:
            self._stop = threading.Event()
            self._thread = threading.Thread(target=self._beat, name="neurotrace-progress", daemon=True)
            self._thread.start()
        self._render(done, total, self.EVERY)

    def _beat(self) -> None:
        while not self._stop.wait(self.BEAT / 4):
            if self.state is not None:
                self._render(*self.state, self.BEAT)

    def _render(self, done: int, total: int, quiet_for: float) -> None:
        """Draw, unless the run is younger than DELAY or the line is younger than ``quiet_for``."""
        with self._lock:
            now = self.clock()
            elapsed = now - self.start
            if not self.on or elapsed < self.DELAY or (
                    self.last is not None and now - self.last < quiet_for and done < total):
                return
            self.last = now
            line = f"{self.label}{done:,}/{total:,} ({100 * done / max(total, 1):.0f}%) in {duration(elapsed)}"
            if 0 < done < total:
                line += f", about {duration(elapsed * (total - done) / done)} left"
            self._draw(line)

    def _draw(self, line: str) -> None:
        old = self.width
        self.width = max(old, len(line))  # first: a Ctrl-C right after the write still erases all of it
        try:
            self.stream.write("\r" + line + " " * max(0, old - len(line)))
            self.stream.flush()
        except (OSError, ValueError):
            self.on = False
            return
        self.width = len(line)

    def close(self) -> None:
        """Stop the heartbeat and erase the line, if one was drawn."""
        if self._stop is not None:
            self._stop.set()
            self._thread.join(timeout=5)
            self._stop = self._thread = None
        with self._lock:
            if self.on and self.width:
                try:
                    self.stream.write("\r" + " " * self.width + "\r")
                    self.stream.flush()
                except (OSError, ValueError):
                    pass
            self.width = 0
