"""The end of a ``slalang`` process: everything Python does at exit, but the teardown.

When a command returns, Python waits for the threads still running, runs the ``atexit``
handlers (temporary folders, process pools, log handlers), then frees every object and
module one by one before the process ends. For ``slalang evaluate --json`` on a million
tickets that last part frees millions of small objects the operating system takes back at
once anyway: a quarter of a second of a two-second run, after the outputs are written.

:func:`exit_process` does the first two, flushes standard output and error, and ends the
process with the command's exit code. Anything unusual (an exit code that is not a number,
an output that cannot be flushed, a child process still running) takes Python's own way
out, so nothing is lost or left behind; so do a run under a profiler or a tracer
(``python -m cProfile``, pyinstrument, coverage, a debugger), which reports once the
program returns. Only the command-line entry points use it: the Python API and click's test
runner never end a process.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
from typing import NoReturn


def exit_process(code: object) -> NoReturn:
    """End this process with ``code`` (as ``SystemExit(code)`` would), skipping the
    interpreter's teardown."""
    if code is None:
        code = 0
    shutdown = getattr(threading, "_shutdown", None)
    watched = sys.getprofile() is not None or sys.gettrace() is not None
    if not isinstance(code, int) or watched or not _quiet() or shutdown is None:
        raise SystemExit(code)
    # what Python does first at exit: the threading module's exit hooks (a thread pool's
    # workers are told to stop there), then every non-daemon thread joined
    shutdown()
    atexit._run_exitfuncs()  # noqa: SLF001 - the handlers, once: os._exit runs none
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed pipe: Python reports it its own way
        raise SystemExit(code) from None
    os._exit(code)


def _quiet() -> bool:
    """Whether nothing but this process's own threads runs (no child process left)."""
    if "multiprocessing" not in sys.modules:
        return True
    import multiprocessing

    return not multiprocessing.active_children()
