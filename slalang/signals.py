"""The signals that end a command (SIGTERM: a CI job's timeout, ``kill``; SIGINT: Ctrl-C),
turned into an exit the cleanup runs for, and held back while a worker process starts.

Python's default stops the process where it is (SIGTERM) or raises KeyboardInterrupt, which
click reports as "Aborted!" with exit code 1: the code ``--fail-on`` gives a missed objective,
so a pipeline read an interrupted run as a breach. Here each ends the command as an exception
does, with the shell's code (128 + the signal's number: 143, 130).

A signal that arrives while the executor starts a worker process (:func:`held`) waits until
the start is over: one that stopped the start half-way left the executor with a process
object never started, whose join failed ("internal error: RuntimeError: cannot join thread
before it is started", exit 2) or a worker that found its queue's semaphore gone (a
traceback from the worker on stderr).
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

#: exit codes of a command ended by a signal (128 + its number, as a shell says)
EXIT_TERMINATED = 128 + signal.SIGTERM
EXIT_INTERRUPTED = 128 + signal.SIGINT

_held = 0
_pending: int | None = None


def _handler(code: int, said: str | None):
    def stop(signum, frame) -> None:
        global _pending
        signal.signal(signum, signal.SIG_DFL)  # a second one stops the process at once
        if said:
            sys.stderr.write(said + "\n")
        if _held:
            _pending = code
            return
        raise SystemExit(code)

    return stop


@contextmanager
def exit_on_signals() -> Iterator[None]:
    """Within it, SIGTERM and SIGINT end the command with :data:`EXIT_TERMINATED` and
    :data:`EXIT_INTERRUPTED`. A handler the host process installed is kept; the previous
    handlers come back afterwards. Off the main thread, nothing changes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    ours = {signal.SIGTERM: (signal.SIG_DFL, _handler(EXIT_TERMINATED, None)),
            signal.SIGINT: (signal.default_int_handler,
                            _handler(EXIT_INTERRUPTED, "interrupted"))}
    saved = {}
    for signum, (default, handler) in ours.items():
        if signal.getsignal(signum) is default:
            saved[signum] = default
            signal.signal(signum, handler)
    try:
        yield
    finally:
        global _pending
        _pending = None  # a signal held past the command is not the next one's
        for signum, previous in saved.items():
            signal.signal(signum, previous)


@contextmanager
def held() -> Iterator[None]:
    """Within it, a signal handled by :func:`exit_on_signals` waits; the command ends as
    the block does, even when the block raised an exception of its own (the run was asked
    to stop: a caller that handled the exception must not carry on)."""
    global _held, _pending
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _held += 1
    try:
        yield
    finally:
        _held -= 1
        if not _held and _pending is not None:
            code, _pending = _pending, None
            raise SystemExit(code)  # noqa: B012 - the signal's exit wins over the block's
