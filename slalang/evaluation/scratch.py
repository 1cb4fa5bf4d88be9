"""Where the chunked engine keeps its temporary files: in shared memory when they fit.

The chunked engine hands its intermediate data from one worker process to another through
temporary files (a 10m run writes about 835 MB: typed segments of tickets and events placed
per chunk), each written once and read once, memory-mapped, before the run deletes them.
Nothing needs them on a disk: shared memory (``/dev/shm``, the tmpfs that Python's
``multiprocessing.shared_memory`` also uses) is the natural place for data that passes between
the processes of one run, and it never costs a write to a disk.

On the 2-core bench machine (a Firecracker virtual machine, ext4 root) it also costs far less
CPU: writing to a file on the root disk copied at 7.5 ms per MB, writing to ``/dev/shm`` at
0.36 ms per MB (``benchmarks/README.md``, "Scratch in shared memory"): at 10m that was about
3.5 s of the run's 16 s of CPU.

Shared memory cannot be evicted to a disk under pressure, so it is chosen only when the files
surely fit: an estimate of them (the input's size, a compressed input counted ten times) must
be under a quarter of the memory available and under half of ``/dev/shm``'s free space. A
folder the caller names, or ``TMPDIR`` set in the environment, is always used as it is.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

SHM = "/dev/shm"
#: the share of the available memory, and of the tmpfs's free space, the files may take
MEMORY_SHARE = 0.25
SPACE_SHARE = 0.5
#: a compressed CSV export is about this many times smaller than the text it holds
COMPRESSED_RATIO = 10


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
                compressed = compression_of(fh.read(4)) is not None
        except OSError:
            return None
        total += size * (COMPRESSED_RATIO if compressed else 1)
    return total


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
