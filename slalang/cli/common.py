"""What every verb shares: error-to-exit-code mapping and all-or-nothing file writes."""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import click

from slalang.errors import EXIT_USAGE, SlalangError
from slalang.processes import alive
from slalang.signals import exit_on_signals

#: the ``--as-of`` default every verb states in its help (``periods.resolve_as_of`` applies it)
AS_OF_RULE = ("default: the end of --period when one is given (reproducible), now otherwise; "
              "for an export taken earlier, give the export's time")


#: the exit code of a command whose standard output was closed by its reader (128 + SIGPIPE)
EXIT_BROKEN_PIPE = 128 + 13


#: what a run that ran out of memory says (it said "internal error: ArrowMemoryError ... This
#: is a bug in slalang", or named no file: "Memory mapping file failed")
OUT_OF_MEMORY = ("out of memory: the run needed more memory than the system gave it (a "
                 "container's limit, ulimit -v). Evaluate a large export with --engine chunks "
                 "(bounded memory) and fewer worker processes (--workers 1), or give it more "
                 "memory")


class GuardedGroup(click.Group):
    """A click group that turns our errors into messages and exit codes, never tracebacks."""

    def invoke(self, ctx: click.Context):
        try:
            with exit_on_signals():
                return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except SlalangError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except BrokenPipeError:
            # the reader of standard output went away (`| head`): no error of the input, so
            # not 2; ended quietly with the shell's code for SIGPIPE, and the interpreter
            # kept from reporting the same pipe again as it flushes at exit
            try:
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, sys.stdout.fileno())
            except (OSError, ValueError):
                pass
            ctx.exit(EXIT_BROKEN_PIPE)
        except MemoryError:  # pyarrow's ArrowMemoryError too: a capped container, ulimit -v
            click.echo(f"error: {OUT_OF_MEMORY}", err=True)
            ctx.exit(EXIT_USAGE)
        except (OSError, UnicodeDecodeError) as exc:
            if isinstance(exc, OSError) and exc.errno == errno.ENOMEM:  # a memory map refused
                click.echo(f"error: {OUT_OF_MEMORY}", err=True)
            else:
                click.echo(f"error: {exc}", err=True)
            ctx.exit(EXIT_USAGE)
        except Exception as exc:  # an internal bug: say so plainly, keep the trace on demand
            if os.environ.get("SLALANG_DEBUG"):
                raise
            click.echo(
                f"internal error: {type(exc).__name__}: {exc}\n"
                "This is a bug in slalang; rerun with SLALANG_DEBUG=1 for the traceback.",
                err=True,
            )
            ctx.exit(EXIT_USAGE)


def _default_file_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


#: temporary files are named ``.<target>.slalang-<pid>-<random>.tmp``: the pid lets the next
#: run remove what a killed run left behind (its process is gone) without touching the
#: temporary files of a run still going
_TMP_MARK = ".slalang-"


def tune_for_one_run(tickets: str | os.PathLike, events: str | os.PathLike | None,
                     engine: str = "memory", chunk_rows: int | None = None) -> None:
    """This process evaluates one input with ``engine`` and exits: tune its memory for that
    (:func:`slalang.allocator.reuse_freed_memory`: freed memory reused, not faulted in anew;
    when the input is surely read whole, its heap zeroed while modules import). Call it
    before the input is read. Without it a replayed ``diff`` of the 1m bench set spent 3.8 s
    of its 5.9 s in the kernel."""
    from slalang import allocator
    from slalang.engines import whole_input_bytes
    from slalang.workpool import remove_killed_runs

    # a killed run's scratch in shared memory holds memory no swap can take: the next run of
    # any engine removes it (only a chunked run did; 835 MB at 10m held meanwhile)
    remove_killed_runs()

    allocator.reuse_freed_memory(warm=whole_input_bytes(
        engine, str(tickets), None if events is None else str(events), chunk_rows))


def writes_in_place(path: str | os.PathLike) -> bool:
    """Whether ``path`` is written directly rather than through a temporary file and a rename:
    anything that exists and is not a regular file (a device such as /dev/null, a FIFO, the
    pipe of ``>(cmd)``), and whatever lives under /dev or /proc (``/dev/stdout`` may resolve
    to a regular file that the shell holds open: replacing it would lose the output).

    >>> writes_in_place("/dev/null"), writes_in_place("/dev/stdout")
    (True, True)
    """
    text = os.fspath(path)
    if text.startswith(("/dev/", "/proc/")):
        return True
    try:
        mode = os.stat(text).st_mode
    except (FileNotFoundError, NotADirectoryError):
        return False  # a new file (or a dangling symlink): written atomically
    if not stat.S_ISREG(mode):
        return True
    return os.path.realpath(text).startswith(("/dev/", "/proc/"))


def remove_stale_temporaries(folder: Path) -> None:
    """Remove the temporary files of outputs in ``folder`` left by runs that were killed
    (their process no longer exists): ``.<name>.slalang-<pid>-<random>.tmp``."""
    try:
        names = [n for n in os.listdir(folder) if n.startswith(".") and n.endswith(".tmp")
                 and _TMP_MARK in n]
    except OSError:
        return
    for name in names:
        pid = name.rsplit(_TMP_MARK, 1)[1].split("-", 1)[0]
        if not pid.isdigit() or int(pid) == os.getpid() or alive(int(pid)):
            continue
        with contextlib.suppress(OSError):
            os.unlink(folder / name)


class OutputSet:
    """The files one run writes, all or none: each regular file is written to a temporary
    file beside it and moved into place only when every output of the run has been written
    (:meth:`commit`); if any fails, the temporary files are removed and no output of the run
    appears (:meth:`discard`). ``-`` is standard output; devices, FIFOs and process
    substitutions are written directly (see :func:`writes_in_place`); a symlink is followed,
    so the file it points to is replaced and the link kept."""

    def __init__(self) -> None:
        self._pending: list[tuple[str, Path]] = []
        #: the folders whose killed runs' temporaries were removed: once each (a report
        #: of 5,000 customers listed its folder once per file, 4.6 s)
        self._cleaned: set[Path] = set()
        #: the folders made for the outputs, removed (when empty) with a discarded run
        self._made: list[Path] = []

    @contextlib.contextmanager
    def open(self, path: str | os.PathLike, mode: str = "w", encoding: str | None = "utf-8"
             ) -> Iterator:
        """A file object for one output (closed when the block ends)."""
        kwargs = {} if "b" in mode else {"encoding": encoding, "newline": ""}
        if os.fspath(path) != "-" and (os.path.isdir(path)
                                       or os.fspath(path).endswith(("/", os.sep))):
            from slalang.errors import DataError

            raise DataError("a folder, where a file is written: give the file's name",
                            file=os.fspath(path))
        if os.fspath(path) == "-":
            stream = sys.stdout.buffer if "b" in mode else sys.stdout
            yield stream
            stream.flush()
            return
        if writes_in_place(path):
            try:
                with open(path, mode, **kwargs) as fh:
                    yield fh
            except OSError as exc:  # say which output could not be written
                exc.filename = exc.filename or os.fspath(path)
                raise
            return
        target = Path(os.path.realpath(path))
        missing = [] if target.parent.is_dir() else [  # one stat per file, as a rule
            p for p in (target.parent, *target.parent.parents) if not p.exists()]
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            self._made.extend(missing)  # deepest first
        except OSError as exc:  # a file where a folder is to be, no permission
            from slalang.errors import DataError

            why = ("a file, not a folder, is on its way" if isinstance(
                exc, FileExistsError | NotADirectoryError) else exc.strerror or str(exc))
            raise DataError(f"cannot create the output's folder ({why})",
                            file=os.fspath(path)) from None
        if target.parent not in self._cleaned:
            remove_stale_temporaries(target.parent)
            self._cleaned.add(target.parent)
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{target.name}{_TMP_MARK}{os.getpid()}-",
                                       suffix=".tmp", dir=target.parent)
        except OSError as exc:  # the output's name, not the temporary file's
            raise OSError(exc.errno, exc.strerror, os.fspath(path)) from None
        self._pending.append((tmp, target))
        try:
            with os.fdopen(fd, mode, **kwargs) as fh:
                yield fh
        except OSError as exc:
            exc.filename = exc.filename or os.fspath(path)
            raise

    def adopt(self, other: OutputSet) -> None:
        """Take over the outputs ``other`` has written, to commit or discard them with ours."""
        self._pending.extend(other._pending)
        self._made.extend(other._made)
        other._pending.clear()
        other._made.clear()

    def commit(self) -> None:
        """Move every output into place."""
        done: list[Path] = []
        try:
            for tmp, target in self._pending:
                # mkstemp creates 0600; an output gets the permissions any new file would get
                os.chmod(tmp, _default_file_mode())
                os.replace(tmp, target)
                done.append(target)
        except BaseException:
            for target in done:  # a partial set of outputs is worse than none
                with contextlib.suppress(OSError):
                    os.unlink(target)
            self.discard()
            raise
        self._pending.clear()
        self._made.clear()  # in place: the folders are the outputs' now

    def discard(self) -> None:
        """Remove the temporary files, and the folders made for them: no output of this run
        appears (a failed `report -o qbr/` left an empty qbr/ behind)."""
        for tmp, _ in self._pending:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
        self._pending.clear()
        for folder in self._made:  # deepest first; one holding anything else stays
            with contextlib.suppress(OSError):
                folder.rmdir()
        self._made.clear()


@contextlib.contextmanager
def output_set() -> Iterator[OutputSet]:
    """An :class:`OutputSet` committed when the block ends normally, discarded otherwise
    (an error, Ctrl-C, a ``SystemExit`` raised before the outputs are complete)."""
    outputs = OutputSet()
    try:
        yield outputs
    except BaseException:
        outputs.discard()
        raise
    outputs.commit()


def command_outputs() -> OutputSet:
    """The :class:`OutputSet` of the running command: whatever the command has not committed
    when it ends (an error, Ctrl-C) is discarded as click closes its context."""
    outputs = OutputSet()
    click.get_current_context().call_on_close(outputs.discard)
    return outputs


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "w", encoding: str | None = "utf-8"
                 ) -> Iterator:
    """Write one output file all or nothing (see :class:`OutputSet`: ``-`` is standard
    output, special files are written directly, a regular file is replaced only once
    written whole)."""
    with output_set() as outputs, outputs.open(path, mode, encoding) as fh:
        yield fh


def max_errors_option(f):
    """``--max-errors`` for a verb that measures an input without listing its rejected rows
    (``calibrate``, ``diff``): checked once the input is measured (:func:`refuse_rejected`)."""
    return click.option(
        "--max-errors", type=MaxErrors(),
        help="Stop with exit 2, nothing written, when more input rows than this are rejected "
             "(tickets, events and downtime together): a number (10) or a share of the rows "
             "read (5%).")(f)


def refuse_rejected(ev, downtime, max_errors: int | float | None) -> None:
    """Stop (exit 2) when the measured input rejected more rows than ``max_errors`` allows;
    else say how many were rejected (:func:`note_rejected`)."""
    if max_errors is not None:
        from slalang.data.read import check_errors
        from slalang.evaluation.drivers import rows_read

        check_errors(list(ev.rejected), max_errors, rows_read(ev, downtime))
    note_rejected(ev)


def note_rejected(ev) -> None:
    """Say on standard error that rows of the input were rejected (a verb whose document
    does not list them: ``calibrate``, ``diff``): they were dropped without a word."""
    rejected = getattr(ev, "rejected", ())
    if rejected:
        click.echo(f"note: {len(rejected)} input row(s) were rejected and not measured; the "
                   f"first: {rejected[0]} (`slalang evaluate --format json` lists them all)",
                   err=True)


def as_standard_output(path: str | None) -> str | None:
    """``-`` for a path that is this process's standard output (``/dev/stdout``,
    ``/dev/fd/1``, or the very file standard output is redirected to), else ``path``: such
    an output is written as ``-`` is, its document alone. Written as a file of its own, the
    summary printed after it wrote over it from its first byte (``--csv /dev/stdout > v.csv``
    gave a CSV beginning with the summary, exit 0)."""
    if not path or path == "-":
        return path
    try:
        out = os.fstat(sys.stdout.fileno())
        st = os.stat(path)
    except (OSError, ValueError, AttributeError):  # no such file, or a stdout without one
        return path
    return "-" if (st.st_dev, st.st_ino) == (out.st_dev, out.st_ino) else path


def distinct_outputs(outputs: dict[str, str | None], inputs: tuple[str | None, ...] = ()
                     ) -> None:
    """Refuse, before anything is read, a run whose outputs would overwrite each other or
    one of its inputs (``--csv v.csv --stamp v.csv`` kept only the stamp; ``--json
    tickets.jsonl`` replaced the data; ``report -o policy.sla`` replaced the policy), or
    be written inside a dataset given as input (its manifest replaced by ``--json``), or
    would mix two documents on standard output. ``outputs`` maps each option to its
    value; an input may be a git revision (``main:policies/x.sla``), which is no file."""
    given = {opt: path for opt, path in outputs.items() if path}
    to_stdout = [opt for opt, path in given.items() if path == "-"]
    if len(to_stdout) > 1:
        raise click.UsageError(f"{' and '.join(to_stdout)} would both write to standard "
                               "output (-); give all but one of them a file name")
    seen: dict[str, str] = {}
    for opt, path in given.items():
        if path == "-":
            continue
        key = os.path.realpath(path)
        if key in seen:
            raise click.UsageError(f"{seen[key]} and {opt} both name {path}: one would "
                                   "replace the other; give each its own file")
        seen[key] = opt
    for path in inputs:
        if not path or path == "-":
            continue
        real = os.path.realpath(path)
        if real in seen:
            raise click.UsageError(f"{seen[real]} {path} is an input of this run: writing "
                                   "it would replace the data it reads")
        # a dataset (slalang.data.dataset.MANIFEST: its module imports pyarrow, which the
        # light verbs never load): its manifest and partitions are read
        if os.path.isfile(os.path.join(real, "slalang-dataset.json")):
            for key, opt in seen.items():
                if os.path.commonpath([key, real]) == real:
                    raise click.UsageError(
                        f"{opt} {given[opt]} is inside the dataset {path}, an input of this "
                        "run: writing there could replace the files it reads")


class MaxErrors(click.ParamType):
    """``--max-errors``: a number of rejected rows (``10``) or a share of the rows read
    (``5%``)."""

    name = "N|P%"

    def convert(self, value, param, ctx):
        if isinstance(value, int | float):
            return value
        from slalang.data.read import parse_max_errors

        try:
            return parse_max_errors(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


def scheduler_needs_dataset(scheduler: str | None, tickets: str) -> None:
    """``--scheduler`` of a verb that runs a dataset on Dask (``calibrate``, ``diff``) is
    refused for any other input, which would never reach the scheduler."""
    if scheduler is None:
        return
    from slalang.data.dataset import is_dataset

    if not is_dataset(tickets):
        raise click.UsageError("--scheduler goes with a dataset written by `slalang convert` "
                               "(--tickets DIR); an export is read on this machine")


#: ``--quiet``/``-q`` of every verb that shows progress on a terminal
quiet_option = click.option(
    "--quiet", "-q", is_flag=True,
    help="No progress on standard error (it shows only on a terminal, for runs longer than "
    "about two seconds).")

#: ``--scheduler`` of a verb that runs a dataset on Dask besides ``evaluate`` (checked by
#: :func:`scheduler_needs_dataset`)
dataset_scheduler_option = click.option(
    "--scheduler", help="For a dataset written by `slalang convert`: run it on Dask, 'local' "
    "(a LocalCluster started here) or an address such as tcp://host:8786 (without it: on "
    "this machine's worker processes).")

