"""The engines an evaluation can run on, and the size from which ``auto`` reads in chunks.

Kept apart from :mod:`slalang.evaluation.drivers` (which chooses among them) because the
command line needs these before it imports numpy: see :func:`whole_input_bytes`.
"""

from __future__ import annotations

import os

ENGINES = ("auto", "memory", "chunks", "dask")
#: inputs (tickets + events) at least this large are evaluated in chunks by ``auto`` (the
#: CSV exports that can be streamed)
AUTO_BYTES = 256 << 20


def whole_input_bytes(engine: str, tickets: str, events: str | None,
                      chunk_rows: int | None = None) -> int:
    """The size of the input files when the in-memory engine will surely read them whole, else
    0 (chunks or a dataset may read them, or ``auto`` may choose chunks; a file that
    cannot be read counts 0).

    >>> whole_input_bytes("chunks", "t.csv", None)
    0
    """
    if engine not in ("auto", "memory") or chunk_rows is not None or os.path.isdir(tickets):
        return 0
    size = input_bytes(tickets, events)
    return size if engine == "memory" or size < AUTO_BYTES else 0


def input_bytes(tickets: str | os.PathLike, events: str | os.PathLike | None) -> int:
    """The size of the tickets and events files together (0 when one cannot be read: the
    reader names it)."""
    try:
        return sum(os.stat(p).st_size for p in (tickets, events) if p is not None)
    except OSError:
        return 0


def reads_in_chunks(tickets: str | os.PathLike, events: str | os.PathLike | None,
                    mapping: object | None = None, *, any_size: bool = False) -> bool:
    """Whether a verb that needs every ticket's verdict (a replayed ``diff``, ``calibrate``)
    reads this input chunk by chunk rather than whole: a CSV export read without a mapping,
    of :data:`AUTO_BYTES` or more (``any_size``: whatever its size). A replay of the 10m
    bench set read whole took 7.5 GB."""
    from slalang.data.stream import stream_refusal

    if mapping is not None or stream_refusal(tickets, events, None) is not None:
        return False
    return any_size or input_bytes(tickets, events) >= AUTO_BYTES
