"""A large text written as a sequence of pieces picked from a pool of strings.

The JSON writer cuts its document into pieces that mostly repeat (field names with their
punctuation, small numbers, a target's fields): each distinct piece is formatted once into
the pool, the document is the list of their indices, and writing it is one pyarrow ``take``
per chunk of indices. No piece is concatenated into an intermediate string, so the document
is copied once, into the output, and memory stays bounded by the chunk.

>>> pool = Pool()
>>> a, b = pool.literal("["), pool.literal("]")
>>> xs = pool.add(["1", "2"])
>>> seq = interleave(2, [(None, np.array([a, a])), (np.array([0, 0, 1]),
...                   np.array([xs, xs + 1, xs])), (None, np.array([b, b]))])[0]
>>> out = []
>>> pool.write(seq, out.append)
>>> b"".join(bytes(x) for x in out)
b'[12][1]'
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

import numpy as np
import pyarrow as pa

#: pieces taken per write: a few MiB of text each
CHUNK_PIECES = 1 << 20


class Pool:
    """Strings referred to by index: :meth:`add` a list or pyarrow array (the index of its
    first string comes back), :meth:`literal` one string (added once). A pool made from a
    ``parent`` holds the parent's strings at the same indices, and more."""

    def __init__(self, parent: Pool | None = None) -> None:
        self._arrays: list = list(parent._arrays) if parent else []
        self._literals: dict[str, int] = dict(parent._literals) if parent else {}
        self.size = parent.size if parent else 0

    def add(self, strings: Iterable[str] | pa.Array) -> int:
        if isinstance(strings, pa.ChunkedArray):
            strings = strings.combine_chunks()
        if not isinstance(strings, pa.Array):
            strings = pa.array(list(strings), type=pa.large_string())
        elif strings.type != pa.large_string():
            strings = strings.cast(pa.large_string())
        base = self.size
        self._arrays.append(strings)
        self.size += len(strings)
        return base

    def literal(self, text: str) -> int:
        at = self._literals.get(text)
        if at is None:
            at = self._literals[text] = self.add([text])
        return at

    def table(self) -> pa.Array:
        """All the strings, as one array."""
        return pa.concat_arrays(self._arrays) if self._arrays else pa.array(
            [], type=pa.large_string())

    def write(self, seq: np.ndarray, write: Callable[[memoryview], object]) -> None:
        """Write the pieces ``seq`` (indices into the pool) in order, in chunks."""
        write_pieces(self.table(), seq, write)


def write_pieces(table: pa.Array, seq: np.ndarray,
                 write: Callable[[memoryview], object], pool: pa.MemoryPool | None = None
                 ) -> None:
    """Write ``table[seq]`` back to back, a chunk of pieces at a time."""
    for text in texts(table, seq, pool):
        write(text)


def texts(table: pa.Array, seq: np.ndarray, pool: pa.MemoryPool | None = None
          ) -> Iterator[memoryview]:
    """``table[seq]`` back to back, as one buffer per chunk of pieces (allocated from
    ``pool``, default Arrow's)."""
    import pyarrow.compute as pc

    for lo in range(0, len(seq), CHUNK_PIECES):
        text = pc.take(table, pa.array(seq[lo:lo + CHUNK_PIECES]), memory_pool=pool)
        offsets = np.frombuffer(text.buffers()[1], dtype=np.int64)
        begin, end = int(offsets[text.offset]), int(offsets[text.offset + len(text)])
        if end > begin:
            yield memoryview(text.buffers()[2])[begin:end]


class BackgroundWriter:
    """Takes the texts and writes them on a thread, one chunk behind the caller, so that
    both overlap building the next chunk (pyarrow's ``take`` and file writes release the
    GIL; taking them here cost the caller 0.12 s of the 0.8 s a 1m document takes). Use as
    a context manager; :meth:`put` raises what an earlier write raised."""

    def __init__(self, write: Callable[[memoryview], object]) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self._write = write
        self._executor = ThreadPoolExecutor(max_workers=1)
        self._pending = None

    def put(self, table: pa.Array, seq: np.ndarray) -> None:
        """Write ``table[seq]`` on the thread, after what was put before."""
        self.wait()  # at most one chunk waiting: memory stays bounded
        self._pending = self._executor.submit(write_pieces, table, seq, self._write,
                                              _thread_pool())

    def wait(self) -> None:
        if self._pending is not None:
            pending, self._pending = self._pending, None
            pending.result()

    def __enter__(self) -> BackgroundWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if exc[0] is None:
                self.wait()
        finally:
            self._executor.shutdown(wait=True)


def _thread_pool() -> pa.MemoryPool:
    """Arrow's own allocator (mimalloc) for the texts taken on the writer's thread: a run
    tuned by :mod:`slalang.allocator` shares one glibc heap between threads, and the
    thread's takes in it cost the main thread a third more CPU (0.76 s against 0.57 s of a
    1m document) for no time saved."""
    try:
        return pa.mimalloc_memory_pool()
    except NotImplementedError:  # a pyarrow built without it
        return pa.default_memory_pool()


Slot = tuple[np.ndarray | None, np.ndarray | int]


def slot_range(slot: Slot, lo: int, hi: int) -> Slot:
    """The part of ``slot`` for units ``lo`` to ``hi`` (excluded), renumbered from 0."""
    units, ids = slot
    if units is None:
        return None, ids if np.ndim(ids) == 0 else ids[lo:hi]
    a, b = np.searchsorted(units, [lo, hi])
    return units[a:b] - lo, ids[a:b]


def interleave(n: int, slots: list[Slot]) -> tuple[np.ndarray, np.ndarray]:
    """The pieces of ``n`` units in order: unit by unit, inside a unit slot by slot.

    A slot is ``(None, ids)`` (one piece per unit: an array, or one index for all) or
    ``(units, ids)`` (any number of entries per unit, ``units`` sorted; ``ids`` one piece
    per entry, or a 2-d array of entries x pieces). Returns (pieces, pieces per unit).

    >>> interleave(2, [(None, 7), (np.array([1, 1]), np.array([[1, 2], [3, 4]])),
    ...                (np.array([0]), np.array([5]))])[0].tolist()
    [7, 5, 7, 1, 2, 3, 4]
    """
    counts, size = [], np.zeros(n, dtype=np.int64)
    for units, ids in slots:
        width = 1 if units is None or np.ndim(ids) < 2 else np.shape(ids)[1]
        count = (np.ones(n, dtype=np.int64) if units is None
                 else np.bincount(units, minlength=n).astype(np.int64))
        counts.append(count)
        size += count * width
    at = np.zeros(n, dtype=np.int64)  # where each unit's next slot begins
    np.cumsum(size[:-1], out=at[1:])
    seq = np.empty(int(size.sum()), dtype=np.int64)
    for (units, ids), count in zip(slots, counts, strict=True):
        if units is None:
            seq[at] = ids
            at += count
            continue
        first = np.zeros(n, dtype=np.int64)
        np.cumsum(count[:-1], out=first[1:])
        if np.ndim(ids) < 2:
            seq[at[units] + np.arange(len(ids)) - first[units]] = ids
            at += count
        else:
            width = np.shape(ids)[1]
            where = at[units] + (np.arange(len(ids)) - first[units]) * width
            seq[where[:, None] + np.arange(width)] = ids
            at += count * width
    return seq, size
