"""Ticket-id lookups: find duplicate ids and map event rows to their ticket, fast.

A hash join of 2 million event ids against 1 million ticket ids costs pyarrow about half a
second. Real ids usually share one width and a common prefix (``INC0012345``, ``T0000001``);
then the varying tail fits in 8 bytes and becomes an order-preserving ``uint64`` key, and numpy
sorting and binary search do the same work several times faster; when that tail is all digits
and the numbers are dense (tickets numbered in sequence), a direct lookup table is faster
still. Any other shape falls back to ``pyarrow.compute.index_in``.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def _as_array(arr: pa.Array | pa.ChunkedArray) -> pa.Array:
    if isinstance(arr, pa.ChunkedArray):
        return arr.combine_chunks() if arr.num_chunks != 1 else arr.chunk(0)
    return arr


def _fixed_width_bytes(arr: pa.Array) -> np.ndarray | None:
    """The values as an (n, width) uint8 matrix when all are non-null and of one width."""
    if arr.null_count or not len(arr):
        return None
    if pa.types.is_large_string(arr.type):
        otype = np.int64
    elif pa.types.is_string(arr.type):
        otype = np.int32
    else:
        return None
    bufs = arr.buffers()
    offsets = np.frombuffer(bufs[1], dtype=otype)[arr.offset:arr.offset + len(arr) + 1]
    lengths = np.diff(offsets)
    width = int(lengths[0])
    if width == 0 or np.any(lengths != width):
        return None
    data = np.frombuffer(bufs[2], dtype=np.uint8)[int(offsets[0]):int(offsets[-1])]
    return data.reshape(len(arr), width)


class IdIndex:
    """Ticket ids (a pyarrow string array, nulls allowed) indexed for lookups."""

    def __init__(self, ids: pa.Array | pa.ChunkedArray) -> None:
        self.ids = _as_array(ids)
        self.n = len(self.ids)
        self._prefix: bytes | None = None
        self._width = 0
        self._keys: np.ndarray | None = None
        matrix = _fixed_width_bytes(self.ids)
        if matrix is not None:
            # the common prefix: columns compared one at a time up to the first that differs
            # (not the whole matrix at once: most ids differ a few bytes in)
            prefix = 0
            while prefix < matrix.shape[1] and (matrix[:, prefix] == matrix[0, prefix]).all():
                prefix += 1
            if matrix.shape[1] - prefix <= 8:
                self._width = matrix.shape[1]
                self._prefix = matrix[0, :prefix].tobytes()
                self._keys = _pack(matrix[:, prefix:])
        self._table: np.ndarray | None = None
        self._numbers: np.ndarray | None = None
        if self._keys is not None:
            numbers = _digits(matrix[:, len(self._prefix or b""):])  # type: ignore[index]
            if numbers is not None:
                low, high = int(numbers.min()), int(numbers.max())
                if high - low <= 4 * self.n + 1024:
                    self._low, self._numbers = low, numbers
                    table = np.full(high - low + 1, -1, dtype=np.int64)
                    # written in reverse so that the first row of a duplicated id wins
                    table[numbers[::-1] - low] = np.arange(self.n - 1, -1, -1, dtype=np.int64)
                    self._table = table
            if self._table is None:
                self._order = np.argsort(self._keys, kind="stable")
                self._sorted = self._keys[self._order]

    def first_occurrence(self) -> np.ndarray:
        """For each id, the index of the first row with the same id (-1 for a null id)."""
        if self._table is not None:
            return self._table[self._numbers - self._low]
        if self._keys is not None:
            first = np.empty(self.n, dtype=np.int64)
            srt, order = self._sorted, self._order
            new_run = np.ones(self.n, dtype=bool)
            new_run[1:] = srt[1:] != srt[:-1]
            run_start = np.maximum.accumulate(np.where(new_run, np.arange(self.n), 0))
            first[order] = order[run_start]  # stable sort: a run starts at its first row
            return first
        found = pc.index_in(self.ids, value_set=self.ids, skip_nulls=True)
        return np.asarray(pc.fill_null(found, -1).to_numpy(zero_copy_only=False),
                          dtype=np.int64)

    def lookup(self, query: pa.Array | pa.ChunkedArray) -> np.ndarray:
        """The index of the (first) ticket with each queried id, -1 when there is none."""
        query = _as_array(query)
        if self._keys is not None:
            matrix = _fixed_width_bytes(query)
            if matrix is not None and matrix.shape[1] == self._width:
                prefix = len(self._prefix or b"")
                ok = np.ones(len(matrix), dtype=bool)
                for k, byte in enumerate(self._prefix or b""):
                    ok &= matrix[:, k] == byte
                if self._table is not None:
                    slot = _digits(matrix[:, prefix:], strict=False)
                    assert slot is not None  # the index's width: 1 to 18 digits
                    slot -= self._low  # in place: a fresh array (a bad row stays negative)
                    inside = ok & (slot >= 0) & (slot < len(self._table))
                    if inside.all():  # the usual case: every id is one of the table's
                        return self._table[slot]
                    slot[~inside] = 0
                    found = self._table[slot]
                    found[~inside] = -1
                    return found
                keys = _pack(matrix[:, prefix:])
                pos = np.searchsorted(self._sorted, keys)
                pos = np.minimum(pos, self.n - 1)
                hit = ok & (self._sorted[pos] == keys)
                return np.where(hit, self._order[pos], -1).astype(np.int64)
        found = pc.index_in(query, value_set=self.ids, skip_nulls=True)
        return np.asarray(pc.fill_null(found, -1).to_numpy(zero_copy_only=False),
                          dtype=np.int64)


def _pack(tail: np.ndarray) -> np.ndarray:
    """Rows of up to 8 bytes as big-endian uint64 (zero-padded), so key order = byte order."""
    padded = np.zeros((len(tail), 8), dtype=np.uint8)
    padded[:, :tail.shape[1]] = tail
    return padded.view(">u8").ravel().astype(np.uint64)


#: rows of digits converted at a time: the block's columns stay in the processor's cache
#: across the passes (one a digit), instead of each pass reading all the rows from memory
_DIGIT_ROWS = 1 << 16


def _digits(tail: np.ndarray, strict: bool = True) -> np.ndarray | None:
    """Rows of ASCII digits as int64 numbers; a row with another byte is None (strict) or
    -(2**62) (any number is then negative).

    >>> _digits(np.frombuffer(b"0042" b"9x10", dtype=np.uint8).reshape(2, 4), strict=False)
    array([                  42, -4611686018427387904])
    """
    if tail.shape[1] == 0 or tail.shape[1] > 18:
        return None
    numbers = np.empty(len(tail), dtype=np.int64)
    bad = np.zeros(len(tail), dtype=bool)
    for a in range(0, len(tail), _DIGIT_ROWS):
        block, value, wrong = tail[a:a + _DIGIT_ROWS], numbers[a:a + _DIGIT_ROWS], \
            bad[a:a + _DIGIT_ROWS]
        value[:] = 0
        for j in range(tail.shape[1]):  # column by column, in place
            digit = block[:, j] - np.uint8(48)  # wraps below '0': one compare for both ends
            wrong |= digit > 9
            value *= 10
            value += digit
    if bad.any():
        if strict:
            return None
        numbers[bad] = -(1 << 62)
    return numbers
