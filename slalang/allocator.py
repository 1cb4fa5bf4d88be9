"""Memory for a one-shot run over a large input: freed memory is used again, not faulted in anew.

An evaluation of a million tickets allocates and frees hundreds of megabytes in arrays of a few
megabytes each: Arrow's CSV parse buffers, then numpy's columns, masks and gathers. By default
each of them comes back to the kernel when freed (glibc maps arrays over its threshold on their
own, trims its heap top, and gives every thread an arena; Arrow keeps its own mimalloc heaps that
numpy never sees), so the next stage asks the kernel for fresh pages, which it must zero first.
On the 2-core bench machine zeroing pages was about a third of the CPU samples of
``slalang evaluate`` on the 1m set (``perf``: ``clear_page_erms``), and it varies with the
machine's state.

:func:`reuse_freed_memory` keeps freed memory in one glibc heap that Arrow and numpy share:
Arrow allocates through the system allocator, arrays up to 32 MiB come from the heap, the heap
is not trimmed, and threads share one arena. On the 1m bench set this halves the fresh memory
a run touches (about 1,040 MB to 600 MB). It is for processes that run one job and exit (the
command line): a long-lived process (the language server, a notebook) should keep the
defaults, so the library never calls it by itself. Where glibc is not the C library, only
Arrow's pool changes.

:func:`warm_heap` then has the kernel zero part of that memory early, on a helper thread,
while the main thread is still importing modules and loading the policy (one core is idle
then): one block is allocated from the heap, written once and freed back into it, where the
run's arrays find it already mapped. This is the JVM's ``AlwaysPreTouch``, sized to a part of
what the run will use anyway (the heap of a 1m run grows to about 2.7 times its input files).
One block, not many: blocks taken one by one while the main thread allocates are freed as
separate regions between its allocations, none larger than 33 MB, and the parse's larger
buffers then grew the heap beside them (faulted in anew) instead of reusing them.

In that heap numpy no longer asks for transparent huge pages (:func:`_no_huge_pages_in_heap`).
"""

from __future__ import annotations

import os

#: glibc's mallopt parameters (malloc.h)
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD, _M_MMAP_MAX, _M_ARENA_MAX = -1, -3, -4, -8
#: glibc's default for M_MMAP_MAX (mallopt(3)): the mapped allocations it allows
_DEFAULT_MMAP_MAX = 65536
#: the largest mmap threshold glibc accepts on 64-bit systems (DEFAULT_MMAP_THRESHOLD_MAX)
_MMAP_THRESHOLD = 32 << 20
#: free memory the heap keeps at its top before giving it back
_TRIM_THRESHOLD = 1 << 30

_done = False
_tuned = False


def reuse_freed_memory(warm: int = 0) -> bool:
    """Tune this process's allocators so that freed memory is reused (once per process; call
    it before the input is read, while no Arrow thread exists yet). ``warm``: the bytes of
    an input the run reads whole (0: it streams the input), for :func:`warm_heap`, which
    also stops numpy's huge pages then. Returns whether glibc's allocator was tuned."""
    global _done, _tuned
    if _done:
        return False
    _done = True
    tuned = _tuned = _tune_glibc()
    if warm:
        warm_heap(warm)  # before pyarrow is imported: the import is time to warm in
    import pyarrow as pa

    pa.set_memory_pool(pa.system_memory_pool())
    if tuned and warm:
        _no_huge_pages_in_heap()
    return tuned


def one_job_environ() -> dict[str, str]:
    """The environment that gives a worker process started for one run what
    :func:`reuse_freed_memory` gives this one (glibc reads it as the process starts), for the
    Dask workers slalang starts itself.

    Dask sets ``MALLOC_TRIM_THRESHOLD_=65536`` for its workers, so that a long-lived worker
    gives memory back to the system. That also fixes glibc's mmap threshold at 128 KiB, so
    every array over it is mapped on its own and faulted in anew each time: a 10m run on two
    local workers touched 17.8 GB of fresh pages and spent 8.6 s in the kernel, against
    1.4 GB and 0.8 s with these values (``benchmarks/README.md``). As with any of Dask's
    pre-spawn variables, one already set in the environment is kept.

    Each worker reads its partitions whole into that heap, so numpy asks for no huge pages
    there either (:func:`_no_huge_pages_in_heap`; 10m on two workers, alternated: 3.99 s
    against 4.23 s, kernel CPU 0.77 s against 0.97 s).
    """
    return {
        "NUMPY_MADVISE_HUGEPAGE": "0",
        "MALLOC_MMAP_THRESHOLD_": str(_MMAP_THRESHOLD),
        "MALLOC_TRIM_THRESHOLD_": str(_TRIM_THRESHOLD),
        "MALLOC_ARENA_MAX": "1",
        "ARROW_DEFAULT_MEMORY_POOL": "system",
    }


def _no_huge_pages_in_heap() -> None:
    """Stop numpy asking for transparent huge pages on its large arrays (it calls
    ``madvise(MADV_HUGEPAGE)`` on each of 4 MiB or more; ``NUMPY_MADVISE_HUGEPAGE`` in the
    environment wins, as numpy documents).

    In the tuned heap those arrays come from memory that is reused, so a huge page saves few
    faults, while each fault that asks for one may first have the kernel compact memory.
    On the 1m bench set, 20 alternated runs: 1.05 s (0.83-1.47) with numpy's default against
    0.89 s (0.84-0.93) without, kernel CPU 0.47 s against 0.32 s. The chunked engine
    keeps the default, in its workers and its main process: there huge pages do save
    faults (the 10m set, alternated: 5.85 s and 5.95 s with them, 5.97 s and 6.27 s
    without).
    """
    if "NUMPY_MADVISE_HUGEPAGE" in os.environ:
        return
    try:
        from numpy._core import multiarray
    except ImportError:  # numpy 1.x
        from numpy.core import multiarray  # type: ignore[no-redef]
    setter = getattr(multiarray, "_set_madvise_hugepage", None)
    if setter is not None:
        setter(False)


def heap_shared() -> bool:
    """Whether this process's threads allocate from one heap that keeps freed memory (so work
    spread over threads does not fault its memory in again)."""
    return _tuned


def _tune_glibc() -> bool:
    try:
        os.confstr("CS_GNU_LIBC_VERSION")  # raises on a C library other than glibc
    except (ValueError, OSError, AttributeError):
        return False
    import ctypes

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    ok = all(mallopt(param, value) == 1 for param, value in (
        (_M_MMAP_THRESHOLD, _MMAP_THRESHOLD),
        (_M_TRIM_THRESHOLD, _TRIM_THRESHOLD),
        (_M_ARENA_MAX, 1),
    ))
    return ok


#: the heap warmed per byte of input (a part of the 2.7 bytes a run uses, so that none of it
#: is wasted), the least worth a thread, and the most, as a share of the memory available
WARM_PER_INPUT_BYTE = 1.5
WARM_MIN = 64 << 20
WARM_SHARE = 0.25
_BLOCK = 16 << 20  # written a block at a time


def warm_heap(input_bytes: int) -> int:
    """Start zeroing the heap the run will need, on a helper thread (only once
    :func:`reuse_freed_memory` tuned glibc, so that the memory stays in the heap). Returns
    the bytes it will warm (0: none)."""
    if not _tuned:
        return 0
    size = int(input_bytes * WARM_PER_INPUT_BYTE)
    try:
        available = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        size = min(size, int(available * WARM_SHARE))
    except (ValueError, OSError, AttributeError):
        return 0
    if size < WARM_MIN:
        return 0
    import threading

    threading.Thread(target=_touch, args=(size,), name="slalang-warm-heap",
                     daemon=True).start()
    return size


def _mmap_max() -> int:
    """The M_MMAP_MAX this process started with: glibc's default, or the environment's
    ``MALLOC_MMAP_MAX_``.

    >>> import os; os.environ.get("MALLOC_MMAP_MAX_") is not None or _mmap_max() == 65536
    True
    """
    try:
        return int(os.environ.get("MALLOC_MMAP_MAX_", _DEFAULT_MMAP_MAX))
    except ValueError:  # not a number: the default
        return _DEFAULT_MMAP_MAX


def _touch(size: int) -> None:
    import ctypes

    libc = ctypes.CDLL(None)  # ctypes calls release the GIL: the main thread goes on
    libc.malloc.restype, libc.malloc.argtypes = ctypes.c_void_p, [ctypes.c_size_t]
    libc.memset.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_size_t]
    libc.free.argtypes = [ctypes.c_void_p]
    # one block from the heap: glibc maps a block this large on its own (and unmaps it when
    # freed) unless mapping is off while it is taken; then back to what the process had
    libc.mallopt(_M_MMAP_MAX, 0)
    try:
        block = libc.malloc(size)
    finally:
        libc.mallopt(_M_MMAP_MAX, _mmap_max())
    if not block:
        return
    try:
        for at in range(0, size, _BLOCK):
            libc.memset(block + at, 0, min(_BLOCK, size - at))
    finally:
        libc.free(block)
