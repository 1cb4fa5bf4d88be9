"""Invisible characters in ticket ids and keys: found and stripped, never a phantom ticket.

Exports concatenated with ``cat`` carry the second file's byte-order mark into the middle of
the data; spreadsheets add non-breaking spaces; copy-paste from chat tools adds zero-width
spaces. Left in an id, any of them makes ``INC001`` and ``\\ufeffINC001`` two tickets: the
second a phantom with half the history. Every reader strips them from ids (and from the
ticket ids of events) and counts the ids it cleaned, so the evaluation can warn about them.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

#: byte-order mark, zero-width space / non-joiner / joiner, word joiner, no-break space,
#: narrow no-break space, Mongolian vowel separator
INVISIBLE = "\ufeff\u200b\u200c\u200d\u2060\u00a0\u202f\u180e"
_PATTERN = "[" + INVISIBLE + "]"


def _as_array(arr: pa.Array | pa.ChunkedArray) -> pa.Array:
    if isinstance(arr, pa.ChunkedArray):
        return arr.combine_chunks() if arr.num_chunks != 1 else arr.chunk(0)
    return arr


def _ascii_only(arr: pa.Array) -> bool:
    """Whether every byte of a string array is ASCII (then it has no invisible character):
    one numpy pass over the data buffer, far cheaper than a regex over every value."""
    data = arr.buffers()[2]
    if data is None:
        return True
    return not bool(np.any(np.frombuffer(data, dtype=np.uint8) >= 0x80))


def strip_invisible(values: pa.Array | pa.ChunkedArray) -> tuple[pa.Array, int]:
    """The strings without invisible characters, and how many values had one.

    Dictionary arrays are cleaned through their dictionary; other types pass unchanged.

    >>> clean, count = strip_invisible(pa.array(["INC1", "\\ufeffINC1", "INC\\u200b2", None]))
    >>> clean.to_pylist(), count
    (['INC1', 'INC1', 'INC2', None], 2)
    """
    arr = _as_array(values)
    if pa.types.is_dictionary(arr.type):
        labels, count = strip_invisible(arr.dictionary)
        if not count:
            return arr, 0
        hit = pc.match_substring_regex(arr.dictionary, _PATTERN)
        rows = int(pc.sum(pc.take(hit, arr.indices)).as_py() or 0)
        return pc.take(labels, arr.indices), rows
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        return arr, 0
    if _ascii_only(arr):
        return arr, 0
    hit = pc.match_substring_regex(arr, _PATTERN)
    count = int(pc.sum(hit).as_py() or 0)
    if not count:
        return arr, 0
    return pc.replace_substring_regex(arr, _PATTERN, ""), count


def strip_text(value: str) -> str:
    """One string without invisible characters (column names, single values).

    >>> strip_text("\\ufeffid")
    'id'
    """
    return "".join(ch for ch in value if ch not in INVISIBLE)
