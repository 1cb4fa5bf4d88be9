"""A task that kills the worker process running it, as the system's out-of-memory killer
does, for the tests of what a run says when a worker dies."""

from __future__ import annotations

import os
import signal


def die_on(k: int, which: int) -> int:
    """``k``, unless ``k == which``: then this process is killed (SIGKILL, no cleanup)."""
    if k == which:
        os.kill(os.getpid(), signal.SIGKILL)
    return k


class DyingHook:
    """A chunk hook whose worker is killed as it prepares a chunk."""

    def prepare(self, plan, table, roster):
        os.kill(os.getpid(), signal.SIGKILL)

    def collect(self, verdicts):  # never reached
        return None


def pid_after(seconds: float) -> int:
    """This process's id, after ``seconds`` asleep."""
    import time

    time.sleep(seconds)
    return os.getpid()


def big_result(k: int) -> bytes:
    """Eight megabytes of result, a twentieth of a second on: far more than a pipe holds
    (64 KiB on Linux), so a worker sending it through the pipe blocks until the main process
    reads it."""
    import time

    time.sleep(0.05)
    return bytes([k % 256]) * (8 << 20)
