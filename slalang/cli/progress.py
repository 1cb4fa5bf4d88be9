"""Progress of a long evaluation on standard error: rows read, batches done, time left.

Shown only on a terminal (never in a pipe, a log or a CI job's output), only once a run
has lasted about two seconds (a quick run prints nothing), and never with ``--quiet``. One
line, rewritten in place and erased at the end, so nothing of it stays in the scrollback.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

#: seconds of silence before the first progress line
DELAY = 2.0
#: seconds between two updates of the line
EVERY = 0.25


class Progress:
    """The callback ``progress(phase, done, total)`` the drivers call, drawing one line."""

    def __init__(self, stream: TextIO, clock: Callable[[], float] = time.monotonic) -> None:
        self.stream, self.clock = stream, clock
        self.started = clock()
        self.phase_started: dict[str, float] = {}
        self.last = 0.0
        self.width = 0

    def __call__(self, phase: str, done: int, total: int) -> None:
        now = self.clock()
        first = self.phase_started.setdefault(phase, now)
        if now - self.started < DELAY or (now - self.last < EVERY and done < total):
            return
        self.last = now
        self.draw(line(phase, done, total, now - first))

    def draw(self, text: str) -> None:
        pad = max(self.width - len(text), 0)
        self.stream.write("\r" + text + " " * pad)
        self.stream.flush()
        self.width = len(text)

    def close(self) -> None:
        if self.width:
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()


def line(phase: str, done: int, total: int, elapsed: float) -> str:
    """The progress line.

    >>> line("read", 250_000, 1_000_000, 3.0)
    'reading: 250,000 of 1,000,000 tickets (25%), about 9 s left'
    >>> line("evaluate", 3, 4, 12.0)
    'evaluating: 3 of 4 batches (75%), about 4 s left'
    """
    what = {"read": ("reading", "tickets"), "evaluate": ("evaluating", "batches")}.get(
        phase, (phase, "steps"))
    share = done / total if total else 1.0
    text = f"{what[0]}: {done:,} of {total:,} {what[1]} ({share:.0%})"
    if 0 < done < total and elapsed > 0:
        text += f", about {elapsed / done * (total - done):.0f} s left"
    return text


@contextmanager
def progress_for(quiet: bool, stream: TextIO | None = None
                 ) -> Iterator[Progress | None]:
    """A progress callback for standard error when it is a terminal and not ``quiet``;
    None otherwise (the drivers then report nothing)."""
    out = stream if stream is not None else sys.stderr
    if quiet or not out.isatty():
        yield None
        return
    progress = Progress(out)
    try:
        yield progress
    finally:
        progress.close()
