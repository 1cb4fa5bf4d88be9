"""Distributed evaluation on a Dask cluster: a task per partition, partials merged in a tree.

The input is a partitioned dataset (:mod:`slalang.data.dataset`, written by ``slalang
convert``). Each partition is read and evaluated on a worker (the kernel's
:func:`~slalang.evaluation.kernel.evaluate_batch`); the partials are merged pairwise,
neighbours with neighbours, so the reduction is a tree of depth log2(partitions) and the
order of the partitions, hence every byte of the result, is kept. The plan, the roster and
the period travel to each worker once (scattered), the partitions never leave the workers
that read them; only the partials, small, move.

``scheduler``: ``"local"`` (default) starts a LocalCluster of ``workers`` processes here;
any other value is the address of a running scheduler (``tcp://host:8786``), whose workers
must reach the dataset's directory at the same path (a shared file system or mount) and run
the same slalang version.
"""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING, BinaryIO

from slalang.errors import SlalangError
from slalang.evaluation.kernel import Partial
from slalang.evaluation.partitions import dataset_context, evaluate_partition, finish_dataset
from slalang.evaluation.result import Evaluation

if TYPE_CHECKING:
    from slalang.data import DowntimeTable
    from slalang.evaluation.periods import Period
    from slalang.evaluation.streaming import ChunkCollector, Progress
    from slalang.evaluation.workers import ChunkHook
    from slalang.model import Roster
    from slalang.plan import Plan


def _partial(result: tuple[Partial, object, object]) -> Partial:
    return result[0]


def _extra(result: tuple[Partial, object, object]) -> object:
    return result[2]


def _merge(a: Partial, b: Partial) -> Partial:
    return a.merge(b)


#: the scheduler values accepted, as an error says them
SCHEDULER_FORMS = ("'local' (a Dask cluster started on this machine) or the address of a "
                   "running scheduler: tcp://HOST:PORT, tls://HOST:PORT or HOST:PORT (such "
                   "as tcp://10.0.0.5:8786)")

#: the schemes of a scheduler's address let through to Dask (none: Dask's default, tcp)
SCHEDULER_SCHEMES = ("tcp", "tls")


class SchedulerError(SlalangError, ValueError):
    """A scheduler name or address that cannot be one: said before any connection (a
    ValueError to the library's callers, as any bad argument; exit 2 on the command line)."""


def check_scheduler(scheduler: str | None, option: str = "scheduler") -> None:
    """Refuse a scheduler that is neither ``local`` nor a well-formed address, saying the
    forms accepted; ``option`` names it in the message (``--scheduler``).

    Checked without importing Dask and before connecting: given a malformed address, Dask
    raises a ValueError of its own (an internal error to the command line), and given a port
    out of range it waits out its 30 s connect timeout.

    >>> check_scheduler("local"), check_scheduler("tcp://[::1]:8786"), check_scheduler(None)
    (None, None, None)
    """
    if scheduler is None:
        return
    problem = _scheduler_problem(scheduler)
    if problem is not None:
        raise SchedulerError(f"{option} {problem}; give {SCHEDULER_FORMS}")


def _scheduler_problem(scheduler: str) -> str | None:
    """What is wrong with a scheduler, said after its option's name (None: nothing).

    >>> _scheduler_problem("tcp://localhost")
    "'tcp://localhost' has no port (HOST:PORT)"
    >>> _scheduler_problem("localhost:99999")
    "'localhost:99999': port 99999 is out of range (1-65535)"
    """
    if scheduler == "local":
        return None
    if not scheduler.strip():
        return "is empty"
    if scheduler.strip().lower() == "local":
        return f"{scheduler!r} is not a scheduler (the local cluster is 'local', lower case)"
    if any(c.isspace() for c in scheduler):
        return f"{scheduler!r} holds a space"
    scheme, sep, location = scheduler.rpartition("://")
    if sep and scheme not in SCHEDULER_SCHEMES:  # Dask's schemes are lower case
        return f"{scheduler!r}: the scheme '{scheme}://' is not tcp:// or tls://"
    host, port, bracketed = _host_port(location)
    if not bracketed:
        return f"{scheduler!r}: an IPv6 host goes in brackets, as in tcp://[::1]:8786"
    if port is None:
        return f"{scheduler!r} has no port (HOST:PORT)"
    if not host:
        return f"{scheduler!r} has no host (HOST:PORT)"
    if "/" in host or "@" in host:
        return f"{scheduler!r}: {host!r} is not a host name"
    if not (port.isascii() and port.isdigit()):
        return f"{scheduler!r}: the port {port!r} is not a number"
    if not 1 <= int(port) <= 65535:
        return f"{scheduler!r}: port {int(port)} is out of range (1-65535)"
    return None


def _host_port(location: str) -> tuple[str, str | None, bool]:
    """``(host, port or None, whether an IPv6 host is in its brackets)`` of an address
    without its scheme, as Dask reads them (``distributed.comm.addressing.parse_host_port``).

    >>> _host_port("[::1]:8786"), _host_port("10.0.0.5:8786"), _host_port("::1:8786")[2]
    (('::1', '8786', True), ('10.0.0.5', '8786', True), False)
    """
    if location.startswith("["):  # an IPv6 address, in brackets: [::1]:8786
        host, bracket, tail = location[1:].partition("]")
        ok = bool(bracket) and (not tail or tail.startswith(":"))
        return host, (tail[1:] if tail else None), ok
    host, colon, port = location.rpartition(":")
    if not colon:
        return port, None, True
    return host, port, ":" not in host


def _client(scheduler: str | None, workers: int | None):
    """A client of the scheduler asked for (and the cluster started for it, or None)."""
    if scheduler:  # a library caller's mistake said before Dask is imported ("": local)
        check_scheduler(scheduler)
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        from slalang.errors import DataError

        raise DataError("the dask engine needs Dask: pip install 'slalang[dask]'") from None
    if scheduler in (None, "", "local"):
        import dask

        from slalang.allocator import one_job_environ
        from slalang.evaluation.workers import default_workers

        # the workers live for this run only: they keep the memory they free, as the command
        # line does, instead of Dask's trimming for long-lived workers (set before they spawn)
        key = "distributed.nanny.pre-spawn-environ"
        environ = {**dask.config.get(key, {}), **one_job_environ()}
        # each nanny writes those variables into this process's environment as it spawns
        # its worker: put it back once the workers are up, or every process started from
        # here afterwards (a notebook's, a test's) would run with the workers' allocators
        saved = dict(os.environ)
        try:
            with dask.config.set({key: environ}):
                # ":0": any free port for the dashboard; None still means 8787, which a
                # second local cluster on the machine (another run, a parallel test) holds
                # its workers' failures come back to the client as the exceptions they
                # raise (a damaged partition: a DataError, said once by the command line),
                # not also logged with Dask's traceback on standard error
                cluster = LocalCluster(n_workers=workers or default_workers(),
                                       threads_per_worker=1, processes=True,
                                       dashboard_address=":0",
                                       silence_logs=logging.CRITICAL)
        finally:
            _restore_environ(saved)
        return Client(cluster), cluster
    _listening(scheduler)
    return Client(scheduler), None


def _listening(scheduler: str) -> None:
    """Refuse at once a scheduler's address where nothing listens (the connection refused):
    Dask retried for its whole connect timeout, 30 s, before it said so. An address that
    does not answer at all is left to Dask, which waits for it as it should."""
    import socket

    host, port, _ = _host_port(scheduler.rpartition("://")[2])  # checked: it has a port
    try:
        socket.create_connection((host, int(port or 0)), timeout=5).close()
    except ConnectionRefusedError:
        from slalang.errors import DataError

        raise DataError(f"nothing listens at {scheduler} (the connection was refused): start "
                        "the scheduler (`dask scheduler`), or name the one that runs, or "
                        "--scheduler local") from None
    except (OSError, ValueError):
        return  # no answer, or a name not resolved: Dask says so in its own words


def _restore_environ(saved: dict[str, str]) -> None:
    """Put this process's environment back as ``saved`` (variables added since removed,
    changed ones restored)."""
    for name in [k for k in os.environ if k not in saved]:
        del os.environ[name]
    for name, value in saved.items():
        if os.environ.get(name) != value:
            os.environ[name] = value


def evaluate_distributed(plan: Plan, dataset: str, downtime: DowntimeTable | None,
                         roster: Roster | None, as_of: int | None = None,
                         period: Period | str | None = None, *, workers: int | None = None,
                         scheduler: str | None = None, verdicts: BinaryIO | None = None,
                         list_tickets: bool = True, progress: Progress | None = None,
                         hook: ChunkHook | None = None, collector: ChunkCollector | None = None
                         ) -> tuple[Evaluation, int]:
    """Evaluate a partitioned dataset on Dask; ``(evaluation, verdict rows written)``.

    The evaluation is the one :func:`~slalang.evaluation.evaluate` gives for the export the
    dataset was made from, byte for byte in every output. ``hook`` and ``collector``: as for
    :func:`~slalang.evaluation.streaming.evaluate_chunked`, a partition for a chunk (what
    each partition's hook collected is gathered in partition order).
    """
    from slalang.data.dataset import read_manifest

    # the workers read the partitions by path, in their own working folders: absolute
    manifest = read_manifest(os.path.abspath(dataset))
    context = dataset_context(plan, manifest, roster, as_of, period)
    as_of, period = context.as_of, context.period
    if progress is not None:  # a local cluster takes seconds to start: the terminal says so
        progress("cluster", 0, 0)
    client, cluster = _client(scheduler, workers)
    from concurrent.futures import CancelledError

    from distributed import KilledWorker
    from distributed.comm.core import CommClosedError

    # the client logs a lost scheduler with Dask's tracebacks: said once, in words, below
    client_log = logging.getLogger("distributed.client")
    log_level = client_log.level
    client_log.setLevel(logging.CRITICAL)
    try:
        shared = client.scatter(context, broadcast=True)
        hooked = client.scatter(hook, broadcast=True) if hook is not None else None
        tasks = [client.submit(evaluate_partition, shared, path, manifest.source,
                               list_tickets, verdicts is not None, hooked, pure=False)
                 for path in manifest.files()]
        rows = 0
        if verdicts is not None:  # each partition's verdict rows, written in order
            from slalang.evaluation.streaming import _write_table

            writer = None
            for k, task in enumerate(tasks):
                table = task.result()[1]
                writer, written = _write_table(writer, verdicts, table)
                rows += written
                if progress is not None:
                    progress("evaluate", k + 1, len(tasks))
            if writer is not None:
                writer[0].close()
        level = [client.submit(_partial, t) for t in tasks]
        done = 0
        while len(level) > 1:  # neighbours merged pairwise: a tree, order kept
            nxt = [client.submit(_merge, level[i], level[i + 1])
                   for i in range(0, len(level) - 1, 2)]
            if len(level) % 2:
                nxt.append(level[-1])
            level = nxt
        if not level:
            from slalang.evaluation.kernel import empty_partial

            total = empty_partial(plan, roster, int(as_of), period)
        else:
            if progress is not None and verdicts is None:
                from dask.distributed import as_completed

                for _ in as_completed(tasks):
                    done += 1
                    progress("evaluate", done, len(tasks))
            total = level[0].result()
        if collector is not None:  # in partition order, one at a time: each partition's
            # result is let go on the workers once its extra is here (gathered all at once,
            # a 10m calibrate held every partition's measured rows twice, 2.5 GB at peak)
            collector.start()
            extras = [client.submit(_extra, t) for t in tasks]
            for k in range(len(tasks)):
                collector.add(extras[k].result())
                extras[k] = tasks[k] = None  # type: ignore[call-overload]
    except KilledWorker as exc:  # a task whose workers kept dying (out of memory)
        from slalang.errors import WorkerLost

        raise WorkerLost(f"Dask gave up on a task after its workers died ({exc})") from None
    except (CancelledError, CommClosedError) as exc:
        # the scheduler killed (its connection lost), or every worker gone with the
        # partials it held: an internal error ("FutureCancelledError ... a bug") before
        from slalang.errors import ClusterLost

        text = str(exc)  # "... cancelled for reason: scheduler-connection-lost.\nClient ..."
        reason = text.rsplit("reason: ", 1)[-1].split(".")[0].split("\n")[0] \
            if "reason: " in text else ""
        raise ClusterLost(reason or type(exc).__name__) from None
    finally:
        client.close()  # a client that lost its scheduler logs its closing too: still quiet
        if cluster is not None:
            cluster.close()
        client_log.setLevel(log_level)
    return finish_dataset(total, context, manifest, downtime, collector), rows
