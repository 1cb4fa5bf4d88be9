"""Progress of a long evaluation on standard error: rows read, batches done, time left.

Shown only on a terminal (never in a pipe, a log or a CI job's output), only once a run
has lasted about two seconds (a quick run prints nothing), and never with ``--quiet``. One
line, rewritten in place and erased at the end, so nothing of it stays in the scrollback.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

#: seconds of silence before the first progress line
DELAY = 2.0
#: seconds between two updates of the line
EVERY = 0.25


class Progress:
    """The callback ``progress(phase, done, total)`` the drivers call, drawing one line.

    A step that counts (tickets read, batches evaluated) redraws the line as it counts; a
    step that cannot (a file read whole, the evaluation in memory, the outputs written:
    ``total`` 0) is redrawn by :meth:`tick` with the time it has taken, so a long run in
    memory shows what it is doing too.
    """

    def __init__(self, stream: TextIO, clock: Callable[[], float] = time.monotonic) -> None:
        self.stream, self.clock = stream, clock
        self.started = clock()
        self.phase_started: dict[str, float] = {}
        self.last = 0.0
        self.width = 0
        #: the step under way: (phase, done, total)
        self.current: tuple[str, int, int] | None = None
        #: set by :meth:`close`: nothing is drawn any more
        self.closed = False
        # the drivers' thread and the ticker both draw
        self._lock = threading.Lock()

    def __call__(self, phase: str, done: int, total: int) -> None:
        now = self.clock()
        first = self.phase_started.setdefault(phase, now)
        self.current = (phase, done, total)
        if now - self.started < DELAY or (now - self.last < EVERY and done < total):
            return
        self.last = now
        self.draw(line(phase, done, total, now - first))

    def tick(self) -> None:
        """Redraw the step under way when nothing was drawn for a while."""
        now, current = self.clock(), self.current
        if current is None or now - self.started < DELAY or now - self.last < EVERY:
            return
        self.last = now
        phase, done, total = current
        self.draw(line(phase, done, total, now - self.phase_started[phase]))

    def draw(self, text: str) -> None:
        with self._lock:
            if self.closed:
                return
            # a line as wide as the terminal wraps, and "\r" then rewrites only its last
            # row: every redraw left a row behind on a narrow pane
            columns = _columns(self.stream)
            if columns > 1:
                text = text[:columns - 1]
            pad = max(self.width - len(text), 0)
            self.stream.write("\r" + text + " " * pad)
            self.stream.flush()
            self.width = len(text)

    def note(self, text: str) -> None:
        """Print a line of its own (a note), the progress line erased first."""
        with self._lock:
            self._erase()
            self.stream.write(text + "\n")
            self.stream.flush()

    def close(self) -> None:
        """Erase the line and draw no more (before anything else is written to the
        terminal, such as an output sent to standard output)."""
        with self._lock:
            self.closed = True
            self._erase()
            self.stream.flush()

    def _erase(self) -> None:
        if self.width:
            self.stream.write("\r" + " " * self.width + "\r")
            self.width = 0


def _columns(stream: TextIO) -> int:
    """The width of the terminal ``stream`` writes to, read at each draw (a pane may be
    resized); 0 when it has none."""
    import os

    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, OSError, ValueError):  # no descriptor, or no terminal behind it
        return 0


#: the words of each phase: (doing, what is counted; or, for a step without counts, what
#: it does to ``done`` things)
_WORDS = {"read": ("reading", "tickets", "reading the input"),
          "evaluate": ("evaluating", "batches", "evaluating {done:,} tickets"),
          "write": ("writing", "files", "writing the outputs"),
          "render": ("rendering", "reports", "rendering the reports"),
          "cluster": ("starting", "workers", "starting or reaching the Dask cluster")}


def line(phase: str, done: int, total: int, elapsed: float) -> str:
    """The progress line.

    >>> line("read", 250_000, 1_000_000, 3.0)
    'reading: 250,000 of 1,000,000 tickets (25%), about 9 s left'
    >>> line("evaluate", 3, 4, 12.0)
    'evaluating: 3 of 4 batches (75%), about 4 s left'
    >>> line("render", 1_000, 5_000, 15.0)
    'rendering: 1,000 of 5,000 reports (20%), about 60 s left'
    >>> line("evaluate", 1_000_000, 0, 2.4), line("write", 0, 0, 3.6)
    ('evaluating 1,000,000 tickets: 2 s so far', 'writing the outputs: 4 s so far')
    """
    doing, counted, step = _WORDS.get(phase, (phase, "steps", phase))
    if total <= 0:  # a step that cannot count: what it does, and for how long
        return f"{step.format(done=done)}: {elapsed:.0f} s so far"
    share = done / total
    text = f"{doing}: {done:,} of {total:,} {counted} ({share:.0%})"
    if 0 < done < total and elapsed > 0:
        text += f", about {elapsed / done * (total - done):.0f} s left"
    return text


@contextmanager
def progress_for(quiet: bool, stream: TextIO | None = None
                 ) -> Iterator[Progress | None]:
    """A progress callback for standard error when it is a terminal and not ``quiet``;
    None otherwise (the drivers then report nothing). A ticker thread redraws a step that
    cannot count (:meth:`Progress.tick`)."""
    out = stream if stream is not None else sys.stderr
    if quiet or not out.isatty():
        yield None
        return
    progress = Progress(out)
    stop = threading.Event()

    def ticker() -> None:
        while not stop.wait(EVERY):
            progress.tick()

    thread = threading.Thread(target=ticker, name="slalang-progress", daemon=True)
    thread.start()
    try:
        yield progress
    finally:
        stop.set()
        thread.join()
        progress.close()
