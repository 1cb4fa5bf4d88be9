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
"""

from __future__ import annotations

import os

#: glibc's mallopt parameters (malloc.h)
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD, _M_ARENA_MAX = -1, -3, -8
#: the largest mmap threshold glibc accepts on 64-bit systems (DEFAULT_MMAP_THRESHOLD_MAX)
_MMAP_THRESHOLD = 32 << 20
#: free memory the heap keeps at its top before giving it back
_TRIM_THRESHOLD = 1 << 30

_done = False


def reuse_freed_memory() -> bool:
    """Tune this process's allocators so that freed memory is reused (once per process; call
    it before the input is read, while no Arrow thread exists yet). Returns whether glibc's
    allocator was tuned."""
    global _done
    if _done:
        return False
    _done = True
    tuned = _tune_glibc()
    import pyarrow as pa

    pa.set_memory_pool(pa.system_memory_pool())
    return tuned


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
