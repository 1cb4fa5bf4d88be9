"""A ticket segment stored narrow in its scratch file, and read back as the reader typed it.

The split reader (:mod:`slalang.data.split`) keeps each range of tickets it parsed as an
Arrow IPC file in the scratch folder, which is shared memory when it fits: 47 bytes a ticket
of the benchmark's shape, 465 MB at 10m tickets. An instant is an int64 count of seconds and
a category an int32 dictionary code, though an instant of these decades fits 32 bits counted
from a base and a category of a few thousand labels 16 bits. Stored that way a ticket takes
18 bytes less (180 MB at 10m): fewer pages written, each a fresh page of shared memory.

A column is narrowed only when every value of the segment fits, so segments may differ: each
slice is widened back to the reader's types (:func:`widened`) before slices are put together.
A narrowed column is named in the file's schema metadata.
"""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.compute as pc

from slalang.data.canonical import _DICT as CODES  # the reader's types (split.ticket_types)
from slalang.data.canonical import _INSTANT as INSTANT

#: instants are stored as int32 seconds from this one (2020-09-13T12:26:40Z): 1952 to 2088
BASE = 1_600_000_000
_NARROW_CODES = pa.dictionary(pa.int16(), pa.string())
_KEY = b"slalang-narrowed"


def fits(low: int, high: int) -> bool:
    """Whether instants from ``low`` to ``high`` (epoch seconds) fit 32 bits from :data:`BASE`.

    >>> fits(0, 2**31), fits(BASE - 2**31, BASE + 2**31 - 1), fits(BASE, BASE + 2**31)
    (True, True, False)
    """
    return low - BASE >= -(1 << 31) and high - BASE < 1 << 31


def narrowed(table: pa.Table) -> pa.Table:
    """``table`` with its instant and category columns in narrower types where every value
    fits (the others as they are).

    >>> t = pa.table({"at": pa.array([1_600_000_000, None], INSTANT),
    ...               "tier": pa.array(["Gold", "Gold"]).dictionary_encode()})
    >>> n = narrowed(t)
    >>> [str(f.type) for f in n.schema], widened(n).equals(t)
    (['int32', 'dictionary<values=string, indices=int16, ordered=0>'], True)
    """
    kinds: dict[str, str] = {}
    for i, name in enumerate(table.column_names):
        column = table.column(i)
        if column.type == INSTANT:
            seconds = column.cast(pa.int64())
            low, high = pc.min_max(seconds).values()
            if low.is_valid and not fits(low.as_py(), high.as_py()):
                continue  # an instant outside 1952-2088: the column stays as read
            narrow = pc.subtract(seconds, BASE).cast(pa.int32())
            kinds[name] = "instant"
        elif column.type == CODES:
            if any(len(chunk.dictionary) > 1 << 15 for chunk in column.chunks):
                continue
            narrow = column.cast(_NARROW_CODES)
            kinds[name] = "codes"
        else:
            continue
        table = table.set_column(i, name, narrow)
    if not kinds:
        return table
    return table.replace_schema_metadata({_KEY: json.dumps(kinds).encode()})


def widened(table: pa.Table) -> pa.Table:
    """A table :func:`narrowed` (or a slice or selection of one) in the reader's types, with
    no metadata: slices of different segments can be concatenated."""
    metadata = table.schema.metadata or {}
    if _KEY not in metadata:
        return table
    for name, kind in json.loads(metadata[_KEY]).items():
        i = table.schema.get_field_index(name)
        if i < 0:  # not selected
            continue
        column = table.column(i)
        wide = (pc.add(column.cast(pa.int64()), BASE).cast(INSTANT) if kind == "instant"
                else column.cast(CODES))
        table = table.set_column(i, name, wide)
    return table.replace_schema_metadata(None)
