"""Worker processes for any stage: a pool that runs tasks in order on every core.

The chunked engine's passes (:mod:`slalang.evaluation.streaming`), a dataset's partitions
(:mod:`slalang.evaluation.partitions`) and ``slalang convert`` (:mod:`slalang.data.dataset`)
hand their tasks to a :class:`TaskPool`; the workers start from a fork server that has the
reading and the kernel imported, so each starts in a fraction of the import time. Here, below
both the data and the evaluation layers, so either can use it.
"""

from __future__ import annotations

import os
import pickle
import shutil
import tempfile
from collections import deque
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from slalang.signals import held

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

# multiprocessing and the process pool are imported where a pool starts: a run in one
# process (the in-memory engine, which imports this module for default_workers and the
# removal of killed runs' folders) does without them (7 ms of its start)


def default_workers() -> int:
    """Every core this process may run on."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # not on Linux
        return max(os.cpu_count() or 1, 1)


def process_pool(workers: int, preload: list[str], initializer: Callable[..., object],
                 initargs: tuple = ()) -> ProcessPoolExecutor:
    """``workers`` processes started from a fork server that has ``preload`` imported (so
    each starts in a fraction of the import time), or spawned where there is no fork server
    (never forked from this process, whose threads and locks a fork would copy)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() \
        else "spawn"
    ctx = multiprocessing.get_context(method)
    if method == "forkserver":
        ctx.set_forkserver_preload(preload)
        _start_fork_server()
    return ProcessPoolExecutor(workers, mp_context=ctx, initializer=initializer,
                               initargs=initargs)


def _start_fork_server() -> None:
    """Start the fork server (once) without the current folder on its import path. Python
    3.11 starts it as ``python -c``, which puts the current folder first, and ignores the
    import path it is given: a run started in a folder holding another ``slalang`` (a clone
    of the project, an older copy) had its workers import that one, and every worker died
    ("a worker process ended before its work was done"). ``PYTHONSAFEPATH`` (3.11) keeps
    the folder out; it is set for the server's start only."""
    from multiprocessing import forkserver

    before = os.environ.get("PYTHONSAFEPATH")
    os.environ["PYTHONSAFEPATH"] = "1"
    try:
        forkserver.ensure_running()
    finally:
        if before is None:
            del os.environ["PYTHONSAFEPATH"]
        else:
            os.environ["PYTHONSAFEPATH"] = before


#: from this size of a file to read on, starting worker processes (about a second) pays
PROCESS_BYTES = 24 << 20

#: tasks in flight per worker process: results are taken in order, so a slow task holds back
#: the ones after it; with two per worker, one core sat idle for 0.3-0.4 s of a 10m run's
#: evaluation, with four 0.2 s (a result is small: counts, or one chunk's verdict rows)
IN_FLIGHT = 4


def close_pool(pool: ProcessPoolExecutor, *, failed: bool) -> None:
    """Shut ``pool`` down, its running tasks finished and its workers waited for; when a
    worker died (the pool is broken), the others killed first. CPython 3.11's executor,
    breaking, can wait forever for a worker it started meanwhile and never stopped (1 run
    in 15 with a worker killed as the pool started hung so, at the interpreter's exit).
    Workers are never killed otherwise: one killed while it sends its result leaves the
    executor waiting for the rest of the message (a SIGTERM handled that way hung)."""
    if failed and getattr(pool, "_broken", False):
        # taken before shutdown() drops them
        for process in list((getattr(pool, "_processes", None) or {}).values()):
            process.kill()
    pool.shutdown(wait=True, cancel_futures=True)


#: a result pickled to more bytes than this goes back through a file (see :class:`TaskPool`):
#: a pipe takes a write of up to 4,096 bytes whole (POSIX's PIPE_BUF), header and all
INLINE_BYTES = 3072
#: the folders of spilled results: ``<prefix><pid namespace>-<pid>-<random>``, removed by the
#: next pool when the run that made one was killed
SPILL_PREFIX = "slalang-results-"
SHM = "/dev/shm"


def close_spilling(pool: ProcessPoolExecutor | None, spill: str | None, *,
                   failed: bool) -> None:
    """:func:`close_pool`, then the folder of its spilled results removed."""
    try:
        if pool is not None:
            close_pool(pool, failed=failed)
    finally:
        if spill is not None:
            shutil.rmtree(spill, ignore_errors=True)


class TaskPool:
    """Any tasks on worker processes, results taken in submission order, a few tasks in
    flight per worker (memory stays bounded by the workers' count); with one worker, the
    tasks run in this process.

    A result of more than :data:`INLINE_BYTES` comes back through a file of its own (in
    shared memory where there is some), the pipe carrying only its name. CPython's executor
    reads a result whole from the pipe the workers share: a worker killed while it wrote one
    (the out-of-memory killer on a loaded machine) left the rest of the message never to
    come, and the run waited for it forever, SIGTERM included. A write that small is whole
    or absent, so the death is seen and said (:class:`~slalang.errors.WorkerLost`)."""

    def __init__(self, workers: int) -> None:
        self.workers = max(workers, 1)
        self._pool: ProcessPoolExecutor | None = None
        self._spill: str | None = None
        if self.workers > 1:
            self._spill = spill_folder()
            self._pool = process_pool(self.workers, ["slalang.evaluation.workers",
                                                     "slalang.data.split"], _worker_start,
                                      (os.getpid(),))

    def __enter__(self) -> TaskPool:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        close_spilling(self._pool, self._spill, failed=exc_type is not None)

    def map(self, fn, tasks, *, here: bool = False, helped: bool = False) -> Iterator:
        """``fn(*task)`` for each task, in order (``here``: in this process). ``helped``:
        until a worker has finished a task (they are starting), this process runs tasks from
        the end of the list itself rather than wait (for light tasks: its memory holds them
        too); then it leaves the cores to the workers. A worker that dies (the system's
        out-of-memory killer) raises :class:`~slalang.errors.WorkerLost`."""
        from concurrent.futures.process import BrokenProcessPool

        try:
            yield from self._map(fn, tasks, here, helped)
        except (BrokenProcessPool, OSError) as exc:
            # the executor, broken, closes its queue's pipe while a worker it starts needs
            # it: EBADF from the start of that worker, when one died as the pool started
            if isinstance(exc, OSError) and not getattr(self._pool, "_broken", False):
                raise
            from slalang.errors import WorkerLost

            raise WorkerLost() from None

    def _map(self, fn, tasks, here: bool, helped: bool) -> Iterator:
        if self._pool is None or here:
            for task in tasks:
                yield fn(*task)
            return
        tasks = list(tasks)
        done: dict[int, object] = {}
        pending: deque[tuple[int, Future]] = deque()
        start, stop = 0, len(tasks)  # the tasks not yet started
        for k in range(len(tasks)):
            while start < stop and len(pending) <= IN_FLIGHT * self.workers:
                with held():  # a submission may start a worker: not stopped half-way
                    pending.append((start, self._pool.submit(spilled, self._spill, fn,
                                                             *tasks[start])))
                start += 1
            while k not in done and helped and start < stop:
                if any(f.done() for _, f in pending):
                    helped = False  # the workers are up
                    break
                stop -= 1
                done[stop] = fn(*tasks[stop])
            if k in done:
                yield done.pop(k)
            else:
                yield unspilled(pending.popleft()[1].result())


#: the prefixes of the temporary folders a run keeps in shared memory or the temp folder:
#: the chunked engine's scratch and the pools' spilled results
CHUNKS_PREFIX = "slalang-chunks-"
RUN_PREFIXES = (CHUNKS_PREFIX, SPILL_PREFIX)


def remove_killed_runs() -> None:
    """Remove the temporary folders of runs that were killed (their process gone), in shared
    memory and in the temp folder."""
    from slalang.processes import remove_stale

    for folder in {SHM, tempfile.gettempdir()}:
        for prefix in RUN_PREFIXES:
            remove_stale(folder, prefix)


def spill_folder() -> str:
    """A new folder for spilled results: in shared memory when it is a writable tmpfs (the
    files pass from one process to another and are deleted once read), else the system's
    temp folder; the folders killed runs left are removed first."""
    from slalang.processes import process_prefix

    remove_killed_runs()
    parent = SHM if os.access(SHM, os.W_OK | os.X_OK) else None
    return tempfile.mkdtemp(prefix=process_prefix(SPILL_PREFIX), dir=parent)


def spilled(folder: str | None, fn, *args) -> tuple[str, bytes]:
    """In a worker: ``fn(*args)`` pickled, as it is when small, else written to a file of
    ``folder`` whose name is returned (see :class:`TaskPool`)."""
    data = pickle.dumps(fn(*args), protocol=pickle.HIGHEST_PROTOCOL)
    if len(data) <= INLINE_BYTES or folder is None:
        return "inline", data
    try:
        handle, path = tempfile.mkstemp(dir=folder, suffix=".pickle")
        with os.fdopen(handle, "wb") as fh:
            fh.write(data)
    except OSError:  # no room for it: the pipe, as before
        return "inline", data
    return "file", path.encode()


def unspilled(result: tuple[str, bytes]):
    """The task's result, from the pipe or from its file (removed once read)."""
    kind, data = result
    if kind == "file":
        path = data.decode()
        try:
            with open(path, "rb") as fh:
                data = fh.read()
        finally:
            os.unlink(path)
    return pickle.loads(data)


def _worker_start(main: int) -> None:
    """A worker parses and computes on one thread: the processes are the parallelism (two
    workers each with a pool of threads would fight over the same cores); it ends when the
    process that started it is gone (:func:`watch_main`)."""
    import pyarrow as pa

    pa.set_cpu_count(1)
    watch_main(main)


#: how often a worker looks whether the process that started it is still there (seconds)
WATCH_SECONDS = 1.0


def watch_main(main: int) -> None:
    """In a worker: end this process once process ``main`` is gone. A run killed with
    SIGKILL (the out-of-memory killer, a CI runner's timeout) cannot stop its pool: its
    workers, children of the fork server, each hold the fork server's pipe and their task
    queue open, so they, the fork server and the resource tracker waited forever, a few
    hundred MB each, until the machine restarted."""
    import threading
    import time

    from slalang.processes import alive

    def watch() -> None:
        while alive(main):
            time.sleep(WATCH_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="slalang-watch-main", daemon=True).start()
