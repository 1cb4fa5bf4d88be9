"""Where the chunked engine keeps its temporary files: in shared memory when they fit.

The chunked engine hands its intermediate data from one worker process to another through
temporary files (a 10m run writes about 835 MB: typed segments of tickets and events placed
per chunk), each written once and read back by the passes after, before the run deletes
them.
Nothing needs them on a disk: shared memory (``/dev/shm``, the tmpfs that Python's
``multiprocessing.shared_memory`` also uses) is the natural place for data that passes between
the processes of one run, and it never costs a write to a disk.

On the 2-core bench machine (a Firecracker virtual machine, ext4 root) it also costs far less
CPU: writing to a file on the root disk copied at 7.5 ms per MB, writing to ``/dev/shm`` at
0.36 ms per MB (``benchmarks/README.md``, "Scratch in shared memory"): at 10m that was about
3.5 s of the run's 16 s of CPU.

Shared memory cannot be evicted to a disk under pressure, so it is chosen only when the files
surely fit: an estimate of them (the input's size; a gzipped input's content twice, as it is
decompressed into the folder first; a zipped one ten times its size) must be under a quarter
of the memory available and under half of ``/dev/shm``'s free space. A folder the caller
names, or ``TMPDIR`` set in the environment, is always used as it is.

The folder is removed before the run returns. It is named for the process that made it (pid
namespace and id), and a run first removes the folders of runs that were killed. The command
line, which exits once it has written its outputs, lets a helper thread remove the folder
while it writes them instead (:func:`removal_in_background`: freeing 835 MB of shared memory
took 0.12 s with the other core idle); the interpreter waits for that thread before it
exits, and :func:`wait_removed` waits for it too.
"""

from __future__ import annotations

import contextvars
import errno
import os
import shutil
import tempfile
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from slalang.workpool import CHUNKS_PREFIX

if TYPE_CHECKING:
    from slalang.errors import ScratchError

SHM = "/dev/shm"
#: the share of the available memory, and of the tmpfs's free space, the files may take
MEMORY_SHARE = 0.25
SPACE_SHARE = 0.5
#: a compressed CSV export is about this many times smaller than the text it holds
COMPRESSED_RATIO = 10
#: the errors of a write that found no room (a full file system, a quota, a size limit)
_NO_ROOM = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


def scratch_dir(workdir: str | Path | None, inputs: Iterable[str | Path | None]) -> str | None:
    """The folder for a run's temporary files over ``inputs``: ``workdir`` when given, None
    (the system's temp folder) when ``TMPDIR`` is set or shared memory would not surely hold
    them, else :data:`SHM`."""
    if workdir is not None:
        return str(workdir)
    if os.environ.get("TMPDIR"):
        return None
    need = expected_bytes(inputs)
    if need is None or not _is_tmpfs(SHM) or not os.access(SHM, os.W_OK | os.X_OK):
        return None
    try:
        st = os.statvfs(SHM)
    except OSError:
        return None
    available = memory_available()
    if available is None or need > available * MEMORY_SHARE:
        return None
    if need > st.f_bavail * st.f_frsize * SPACE_SHARE:
        return None
    return SHM


_BACKGROUND: contextvars.ContextVar[bool] = contextvars.ContextVar("slalang_scratch_background",
                                                                  default=False)


@contextmanager
def removal_in_background() -> Iterator[None]:
    """Within it, a run that went well leaves its folder to be removed by a helper thread
    (for a process that exits once its outputs are written: the command line)."""
    token = _BACKGROUND.set(True)
    try:
        yield
    finally:
        _BACKGROUND.reset(token)


@contextmanager
def scratch_folder(parent: str | None) -> Iterator[str]:
    """A new folder for a run's temporary files in ``parent`` (None: the system's temp
    folder), removed when the run ends (see :func:`removal_in_background`)."""
    from slalang.processes import remove_stale

    # named for this process, so that a later run can remove it if this one is killed
    # here, and in shared memory even when this run does not use it (a killed run may have)
    for folder in {parent or tempfile.gettempdir(), SHM}:
        remove_stale(folder, _PREFIX)
    # named before it is made and made inside the ``try``: a SIGTERM's SystemExit that lands
    # just after the folder is made (inside ``mkdtemp``, before its name came back) left it
    # behind, the test of a CI timeout found
    path = _unused_name(parent or tempfile.gettempdir())
    try:
        os.mkdir(path, 0o700)
        yield path
    except FileExistsError:  # made meanwhile by someone else: theirs, not to remove
        raise
    except OSError as exc:
        full = scratch_full(exc, path)
        shutil.rmtree(path, ignore_errors=True)
        if full is not None:
            raise full from None
        raise
    except BaseException:
        shutil.rmtree(path, ignore_errors=True)
        raise
    if not _BACKGROUND.get():
        shutil.rmtree(path, ignore_errors=True)
        return
    # not a daemon: the interpreter waits for it before exiting, so nothing is left behind
    remover = threading.Thread(target=_remove, args=(path,), name="slalang-scratch-removal")
    _removing.append(remover)
    remover.start()


def scratch_full(exc: OSError, path: str) -> ScratchError | None:
    """What to say when ``exc`` is the scratch folder ``path`` running out of room (None
    when it is not: :func:`_no_room`)."""
    if not _no_room(exc, path):
        return None
    from slalang.errors import ScratchError

    return ScratchError(
        f"the temporary files did not fit in {os.path.dirname(path)} "
        f"({os.strerror(exc.errno or errno.ENOSPC)}); they take up to as much as the input "
        "files, uncompressed: free some space there, or set TMPDIR to a folder with room")


def _unused_name(parent: str) -> str:
    """A folder name in ``parent`` that nothing has, as ``mkdtemp`` would make it (this
    process's prefix, then random letters: what :func:`~slalang.processes.remove_stale`
    removes once the process is gone)."""
    import secrets

    from slalang.processes import process_prefix

    while True:
        path = os.path.abspath(os.path.join(parent, process_prefix(_PREFIX)
                                            + secrets.token_hex(4)))
        if not os.path.lexists(path):
            return path


#: free space under which a scratch folder's file system counts as full after a failed write
_NEARLY_FULL = 64 << 20


def _no_room(exc: OSError, path: str) -> bool:
    """Whether ``exc`` says the scratch folder ``path`` ran out of room: no room (or numpy's
    ``tofile`` short write, an OSError with no errno: "330420 requested and 187392
    written") for a file in the folder, or, the file unnamed, the folder's file system found
    nearly full. An output that found no room elsewhere (``--csv`` on a full disk, written
    while the run's scratch folder exists) is not the scratch's: it was blamed on a
    ``/dev/shm`` with 24 GB free."""
    if exc.errno is not None and exc.errno not in _NO_ROOM:
        return False
    if exc.filename:
        inside = os.path.abspath(str(exc.filename)).startswith(os.path.abspath(path) + os.sep)
        if inside or exc.errno is not None:
            return inside
    try:
        st = os.statvfs(path)
    except OSError:
        return False
    return st.f_bavail * st.f_frsize < _NEARLY_FULL


#: the helper threads removing a folder now (each takes itself off when it is done)
_removing: list[threading.Thread] = []


def _remove(path: str) -> None:
    try:
        shutil.rmtree(path, ignore_errors=True)
    finally:
        _removing.remove(threading.current_thread())
_PREFIX = CHUNKS_PREFIX


def wait_removed() -> None:
    """Wait until every folder being removed on a helper thread is gone."""
    for remover in list(_removing):
        remover.join()


def expected_bytes(inputs: Iterable[str | Path | None]) -> int | None:
    """An upper estimate of the temporary files over ``inputs`` (None: a size unknown)."""
    from slalang.data.sources.compressed import compression_of

    total = 0
    for path in inputs:
        if path is None:
            continue
        try:
            size = os.path.getsize(path)
            with open(path, "rb") as fh:
                kind = compression_of(fh.read(4))
                if kind == "gzip":  # decompressed into the folder, then split there too
                    total += 2 * _gzip_plain_bytes(fh, size)
                    continue
        except OSError:
            return None
        total += size * (COMPRESSED_RATIO if kind else 1)
    return total


def _gzip_plain_bytes(fh, size: int) -> int:
    """The bytes a gzip file holds: its trailer's count when that is plausible (the count is
    the last member's, modulo 4 GiB: at least the compressed size for the single-member file
    of under 4 GiB an export is), else :data:`COMPRESSED_RATIO` times its size."""
    fh.seek(max(size - 4, 0))
    tail = fh.read(4)
    stated = int.from_bytes(tail, "little") if len(tail) == 4 else 0
    return stated if stated >= size else size * COMPRESSED_RATIO


def memory_available() -> int | None:
    """The kernel's estimate of the memory available without swapping (``MemAvailable``)."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _is_tmpfs(path: str) -> bool:
    try:
        with open("/proc/mounts") as fh:
            return any(f[1] == path and f[2] == "tmpfs" for f in (ln.split() for ln in fh)
                       if len(f) > 2)
    except OSError:
        return False
