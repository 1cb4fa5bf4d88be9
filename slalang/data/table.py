"""The in-memory ticket table: columnar, one row per ticket, built for vectorised evaluation.

A :class:`TicketTable` holds ``n`` tickets as numpy arrays of equal length:

- ``id``: the ticket ids, ``str`` each: an object array, or (from the readers) an
  :class:`IdColumn`, which keeps them as Arrow strings until they are read;
- ``customer``, ``tier``, ``priority``, ``category``, ``service``: :class:`Categorical`
  (int32 codes into a tuple of labels, ``-1`` when absent);
- ``created_at``, ``first_response_at``, ``resolved_at``, ``closed_at``: int64 epoch seconds
  (UTC), :data:`NAT` when absent. ``resolved_at`` is the *last* resolution: a ticket reopened
  and still open has none;
- the status history in CSR form, sorted by (ticket, instant): the events of ticket ``i`` are
  ``event_offsets[i]:event_offsets[i + 1]`` in ``event_at`` (int64), ``event_status``
  (Categorical, ``-1`` when the event only changes the priority) and ``event_priority``
  (Categorical, ``-1`` when the event does not change the priority);
- ``priority`` is the priority the ticket was *opened* with; later changes are events (see
  :meth:`TicketTable.current_priority` for the priority after the last change);
- ``extra``: free fields (name -> object array, ``None`` when absent), e.g. impact, urgency;
- ``ignored``, ``rows_read``, ``invisible_ids``, ``zone``: what the reader skipped on purpose,
  how many records it read, how many ids it cleaned of invisible characters, and the export's
  time zone (see :class:`TicketTable`);
- ``source_row``: 1-based line (JSONL) or row (CSV, the header is row 1) of each ticket in
  ``source``, for messages; ``rejected``: the rows refused while reading; ``data_hash``: sha256
  of every input file's bytes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

#: "not a time": the int64 instant meaning "absent"
NAT = np.iinfo(np.int64).min

#: the columns holding categorical strings, in canonical order
CATEGORICAL_COLUMNS = ("customer", "tier", "priority", "category", "service")
#: the instant columns, in canonical order
INSTANT_COLUMNS = ("created_at", "first_response_at", "resolved_at", "closed_at")


@dataclass(frozen=True)
class Categorical:
    """Strings stored as int32 codes into ``labels``; code ``-1`` means absent.

    >>> c = Categorical.from_values(["P1", None, "P2", "P1"])
    >>> c.codes.tolist(), c.labels
    ([0, -1, 1, 0], ('P1', 'P2'))
    >>> c.values().tolist(), c.code_of("P2"), c.code_of("P9")
    (['P1', None, 'P2', 'P1'], 1, -1)
    """

    codes: np.ndarray
    labels: tuple[str, ...]

    @classmethod
    def from_values(cls, values: Sequence[str | None]) -> Categorical:
        """Encode a sequence of strings (``None`` or ``""`` for absent), labels in first-seen
        order."""
        index: dict[str, int] = {}
        codes = np.empty(len(values), dtype=np.int32)
        for i, v in enumerate(values):
            if v is None or v == "":
                codes[i] = -1
            else:
                codes[i] = index.setdefault(v, len(index))
        return cls(codes, tuple(index))

    @classmethod
    def absent(cls, n: int) -> Categorical:
        return cls(np.full(n, -1, dtype=np.int32), ())

    def __len__(self) -> int:
        return len(self.codes)

    def values(self) -> np.ndarray:
        """The strings as an object array, ``None`` where absent."""
        table = np.array([*self.labels, None], dtype=object)
        return table[self.codes]  # -1 picks the trailing None

    def code_of(self, label: str) -> int:
        """The code of ``label``, or -1 when no row has it."""
        try:
            return self.labels.index(label)
        except ValueError:
            return -1

    def take(self, indices: np.ndarray) -> Categorical:
        return Categorical(self.codes[indices], self.labels)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Categorical):
            return NotImplemented
        return self.labels == other.labels and np.array_equal(self.codes, other.codes)

    __hash__ = None  # type: ignore[assignment]


class IdColumn:
    """Ticket ids kept as an Arrow string array, read as Python strings only where they are
    needed (a message, a listed ticket, a verdict row).

    A million ids as Python objects cost a tenth of a second and 60 MiB, which a summary
    never reads. The column answers what the engine asks of an id array: ``len``, an id by
    position (a ``str``), a slice, a take by positions or a mask (another column), ``==`` a
    string (a boolean array), iteration and ``tolist``; ``np.asarray(column)`` gives the
    object array (made once).

    >>> import pyarrow as pa
    >>> ids = IdColumn(pa.array(["T1", "T2", "T3"]))
    >>> ids[1], ids[np.array([2, 0])].tolist(), (ids == "T3").tolist(), len(ids[1:])
    ('T2', ['T3', 'T1'], [False, False, True], 2)
    """

    __slots__ = ("_array", "_objects")

    def __init__(self, array) -> None:
        import pyarrow as pa

        if isinstance(array, pa.ChunkedArray):
            array = array.combine_chunks()
        self._array = array
        self._objects: np.ndarray | None = None

    @property
    def arrow(self):
        """The ids as an Arrow array."""
        return self._array

    dtype = np.dtype(object)

    def __len__(self) -> int:
        return len(self._array)

    @property
    def shape(self) -> tuple[int]:
        return (len(self._array),)

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        if self._objects is None:
            self._objects = np.asarray(self._array.to_numpy(zero_copy_only=False),
                                       dtype=object)
        return self._objects if dtype in (None, object) else self._objects.astype(dtype)

    def __getitem__(self, key):
        import pyarrow as pa

        if isinstance(key, int | np.integer):
            i = int(key)
            if not -len(self) <= i < len(self):
                raise IndexError(f"index {i} is out of bounds for {len(self)} ids")
            return self._array[i].as_py()
        if isinstance(key, slice) and key.step in (None, 1):
            return IdColumn(self._array[key])
        if isinstance(key, slice):
            key = np.arange(len(self))[key]
        key = np.asarray(key)
        if key.dtype == bool:
            return IdColumn(self._array.filter(pa.array(key)))
        return IdColumn(self._array.take(pa.array(key.astype(np.int64, copy=False))))

    def __iter__(self):
        return iter(self.tolist())

    def tolist(self) -> list[str]:
        return self._array.to_pylist()

    def __eq__(self, other: object) -> np.ndarray:  # type: ignore[override]
        if isinstance(other, str):
            import pyarrow.compute as pc

            return np.asarray(pc.fill_null(pc.equal(self._array, other), False))
        return np.asarray(self) == other

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"IdColumn({self.tolist()!r})" if len(self) <= 10 else f"IdColumn(<{len(self)} ids>)"


@dataclass(frozen=True)
class Rejection:
    """A row refused while reading: where, which field, and why."""

    file: str
    row: int
    field: str | None
    reason: str

    def __str__(self) -> str:
        where = f" (field {self.field!r})" if self.field else ""
        return f"{self.file}:{self.row}: {self.reason}{where}"


@dataclass(frozen=True)
class Ignored:
    """Rows skipped on purpose (a mapping's ``ignore`` rule, a status mapped to null, a
    repeated header): counted, never evaluated, never rejected."""

    file: str
    #: why, e.g. ``status 'Cancelled' mapped to null``
    reason: str
    #: how many rows
    rows: int
    #: the first of them (1-based, the header is row 1)
    first_row: int

    def __str__(self) -> str:
        return f"{self.file}:{self.first_row}: {self.rows} row(s) ignored: {self.reason}"


def to_datetime(instant: int) -> dt.datetime | None:
    """An int64 epoch-second instant as an aware UTC datetime (``None`` for :data:`NAT`).

    >>> to_datetime(0)
    datetime.datetime(1970, 1, 1, 0, 0, tzinfo=datetime.timezone.utc)
    """
    if instant == NAT:
        return None
    return dt.datetime.fromtimestamp(int(instant), dt.UTC)


@dataclass(eq=False)
class TicketTable:
    """Tickets in columnar form; see the module docstring for every column."""

    id: np.ndarray | IdColumn
    customer: Categorical
    tier: Categorical
    priority: Categorical
    category: Categorical
    service: Categorical
    created_at: np.ndarray
    first_response_at: np.ndarray
    resolved_at: np.ndarray
    closed_at: np.ndarray
    event_offsets: np.ndarray
    event_at: np.ndarray
    event_status: Categorical
    event_priority: Categorical
    extra: dict[str, np.ndarray] = field(default_factory=dict)
    source_row: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    source: str = ""
    rejected: list[Rejection] = field(default_factory=list)
    data_hash: str = ""
    #: rows skipped on purpose (ignore rules, statuses mapped to null), per file and reason
    ignored: list[Ignored] = field(default_factory=list)
    #: records read from the tickets input (rows; update rows for an event log)
    rows_read: int = 0
    #: ticket ids (and event ticket ids) that carried invisible characters, now stripped
    invisible_ids: int = 0
    #: the time zone the export's naive times are in (a mapping's), for messages
    zone: str | None = None
    #: ``ticket`` (a record per ticket) or ``event_log`` (update rows folded into tickets)
    shape: str = "ticket"
    #: rows read from a separate events file (kept, rejected or ignored)
    events_read: int = 0
    #: what reading derived or doubted, by kind (``resolved_at_derived``,
    #: ``resolved_at_contradicted``): (how many tickets, the first few ids)
    notes: dict[str, tuple[int, tuple[str, ...]]] = field(default_factory=dict)
    #: the files the tickets were read from when ``source`` names several or none by its
    #: own name (page files of a pattern, a database): what rejections and ignored rows name
    source_files: tuple[str, ...] = ()
    #: with ``source_files``: each ticket's file, as an index into it (``source_row`` is the
    #: row in that file)
    source_file_index: np.ndarray | None = None
    #: the input's counts when they are known whole (a dataset's manifest, which keeps no
    #: page files to count its rejected rows by): :meth:`InputCounts.of` gives them as they are
    input_counts: object | None = None

    @property
    def n(self) -> int:
        """The number of tickets."""
        return len(self.id)

    def __len__(self) -> int:
        return len(self.id)

    def index_of(self, ticket_id: str) -> int:
        """The row of the ticket with this id (``KeyError`` when there is none)."""
        hits = np.flatnonzero(self.id == ticket_id)
        if not len(hits):
            raise KeyError(f"no ticket with id {ticket_id!r}")
        return int(hits[0])

    def events_of(self, i: int) -> slice:
        """The slice of the event arrays holding ticket ``i``'s history."""
        return slice(int(self.event_offsets[i]), int(self.event_offsets[i + 1]))

    def take(self, indices: Sequence[int] | np.ndarray) -> TicketTable:
        """A new table with the tickets at ``indices`` (in that order, or a boolean mask), their
        events with them.

        ``rejected``, ``source`` and ``data_hash`` describe the input and are kept as they are.
        """
        idx = np.asarray(indices)
        idx = np.flatnonzero(idx) if idx.dtype == bool else idx.astype(np.int64, copy=False)
        starts, ends = self.event_offsets[idx], self.event_offsets[idx + 1]
        counts = ends - starts
        offsets = np.zeros(len(idx) + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        # position of every kept event in the old arrays: start of its ticket + rank inside it
        ev = np.repeat(starts - offsets[:-1], counts) + np.arange(offsets[-1], dtype=np.int64)
        return TicketTable(
            id=self.id[idx],
            **{c: getattr(self, c).take(idx) for c in CATEGORICAL_COLUMNS},
            **{c: getattr(self, c)[idx] for c in INSTANT_COLUMNS},
            event_offsets=offsets,
            event_at=self.event_at[ev],
            event_status=self.event_status.take(ev),
            event_priority=self.event_priority.take(ev),
            extra={k: v[idx] for k, v in self.extra.items()},
            source_row=self.source_row[idx],
            source=self.source,
            rejected=self.rejected,
            data_hash=self.data_hash,
            ignored=self.ignored,
            rows_read=self.rows_read,
            invisible_ids=self.invisible_ids,
            zone=self.zone,
            shape=self.shape,
            events_read=self.events_read,
            notes=self.notes,
            source_files=self.source_files,
            source_file_index=(None if self.source_file_index is None
                               else self.source_file_index[idx]),
            input_counts=self.input_counts,
        )

    def slice(self, start: int, stop: int) -> TicketTable:
        """Tickets ``start:stop`` with their events, as views of this table's arrays (nothing
        copied but the event offsets); the input's description is kept as :meth:`take`
        keeps it. ``0 <= start <= stop <= n`` (ValueError otherwise: a negative start
        read the event offsets from the end and gave tickets the wrong events)."""
        if not 0 <= start <= stop <= self.n:
            raise ValueError(f"slice({start}, {stop}) of a table of {self.n} tickets: give "
                             "0 <= start <= stop <= n")
        lo, hi = int(self.event_offsets[start]), int(self.event_offsets[stop])
        rows = slice(start, stop)
        return replace(
            self,
            id=self.id[rows],
            **{c: Categorical(getattr(self, c).codes[rows], getattr(self, c).labels)
               for c in CATEGORICAL_COLUMNS},
            **{c: getattr(self, c)[rows] for c in INSTANT_COLUMNS},
            event_offsets=self.event_offsets[start:stop + 1] - lo,
            event_at=self.event_at[lo:hi],
            event_status=Categorical(self.event_status.codes[lo:hi], self.event_status.labels),
            event_priority=Categorical(self.event_priority.codes[lo:hi],
                                       self.event_priority.labels),
            extra={k: v[rows] for k, v in self.extra.items()},
            source_row=self.source_row[rows],
            source_file_index=(None if self.source_file_index is None
                               else self.source_file_index[rows]),
        )

    def row(self, i: int) -> dict:
        """Ticket ``i`` as a plain dict in the canonical shape, instants as aware UTC datetimes.

        Meant for explanations and tests, not for bulk work.
        """
        out: dict = {"id": self.id[i]}
        for c in CATEGORICAL_COLUMNS:
            cat: Categorical = getattr(self, c)
            code = int(cat.codes[i])
            out[c] = cat.labels[code] if code >= 0 else None
        for c in INSTANT_COLUMNS:
            out[c] = to_datetime(getattr(self, c)[i])
        events = []
        for k in range(int(self.event_offsets[i]), int(self.event_offsets[i + 1])):
            event: dict = {"at": to_datetime(self.event_at[k])}
            s, p = int(self.event_status.codes[k]), int(self.event_priority.codes[k])
            if s >= 0:
                event["status"] = self.event_status.labels[s]
            if p >= 0:
                event["priority"] = self.event_priority.labels[p]
            events.append(event)
        out["events"] = events
        for name, values in self.extra.items():
            out[name] = values[i]
        return out

    def current_priority(self, as_of: int | None = None) -> Categorical:
        """Each ticket's priority after its last priority-change event (else the opening one);
        with ``as_of``, its last change at or before that instant: a change recorded later
        was not known then, as a stop recorded later is not (a month's report re-run on a
        later export kept its open tickets open but judged them by a later priority)."""
        labels = list(self.priority.labels)
        remap = np.array([_label_index(labels, lab) for lab in self.event_priority.labels]
                         + [-1], dtype=np.int32)
        codes = self.priority.codes.copy()
        known = self.event_priority.codes >= 0
        if as_of is not None:
            known &= np.asarray(self.event_at) <= as_of
        changes = np.flatnonzero(known)
        if len(changes):
            owner = np.searchsorted(self.event_offsets, changes, side="right") - 1
            # later changes overwrite earlier ones: fancy assignment keeps the last write
            codes[owner] = remap[self.event_priority.codes[changes]]
        return Categorical(codes, tuple(labels))


def _label_index(labels: list[str], label: str) -> int:
    if label not in labels:
        labels.append(label)
    return labels.index(label)
