"""Assembling a :class:`TicketTable` from raw columns, whatever the input format.

Every reader (canonical CSV, canonical JSONL, mappings) produces :class:`RawTickets` and
:class:`RawEvents`; this module applies the same validation to all of them, records every
refused row as a :class:`Rejection`, and builds the columnar table with the events in CSR
form, sorted by (ticket, instant).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from slalang.data.ids import IdIndex
from slalang.data.instants import Parsed
from slalang.data.invisible import strip_invisible
from slalang.data.table import (
    CATEGORICAL_COLUMNS,
    INSTANT_COLUMNS,
    NAT,
    Categorical,
    IdColumn,
    Rejection,
    TicketTable,
)

Column = pa.Array | pa.ChunkedArray


@dataclass
class RawTickets:
    """Ticket columns as read: strings (pyarrow, null = absent) and parsed instants."""

    file: str
    n: int
    #: 1-based source row of each ticket
    rows: np.ndarray
    ids: Column
    categorical: dict[str, Column] = field(default_factory=dict)
    instants: dict[str, Parsed] = field(default_factory=dict)
    extra: dict[str, np.ndarray] = field(default_factory=dict)
    #: rejections found by the reader itself: (ticket index, field, reason)
    problems: list[tuple[int, str | None, str]] = field(default_factory=list)


@dataclass
class RawEvents:
    """Status/priority events as read. ``ticket`` holds either ticket indices (int64, for
    nested JSONL events) or ticket ids (strings, for a separate events file)."""

    file: str
    rows: np.ndarray
    ticket: np.ndarray | Column
    at: Parsed
    status: Column | Categorical
    priority: Column | Categorical
    problems: list[tuple[int, str | None, str]] = field(default_factory=list)

    @classmethod
    def empty(cls, file: str = "") -> RawEvents:
        none = pa.array([], type=pa.string())
        return cls(file, np.zeros(0, np.int64), np.zeros(0, np.int64),
                   Parsed(np.zeros(0, np.int64), {}), none, none)


#: the instants business time covers (1900-01-01 .. 2400-01-01 UTC, exclusive): a row dated
#: outside is refused on reading, where its file, row and field are known
FIRST_INSTANT, END_INSTANT = -2208988800, 13569465600


def out_of_range(values: np.ndarray) -> np.ndarray:
    """Which instants (NAT: absent, not out of range) fall outside 1900-2399."""
    return (values != NAT) & ((values < FIRST_INSTANT) | (values >= END_INSTANT))


def out_of_range_reason(value: int) -> str:
    """Why an instant is refused, with its year (computed without datetime, which stops at
    year 1 and 9999).

    >>> out_of_range_reason(-62135596800 - 86400)
    'instant in year 0, outside the years 1900-2399 slalang evaluates'
    """
    year = int(np.datetime64(value, "s").astype("datetime64[Y]").astype(np.int64)) + 1970
    return f"instant in year {year}, outside the years 1900-2399 slalang evaluates"


def categorical(values: Column | Categorical | None, n: int) -> Categorical:
    """A pyarrow string or dictionary column as a :class:`Categorical` (null and "" absent);
    one already (the split reader's placed events, coded as it read them) as it is."""
    if values is None:
        return Categorical.absent(n)
    if isinstance(values, Categorical):
        return values
    if len(values) and values.null_count == len(values):
        # a column the export does not have (an events file without priorities): nothing to
        # encode (a dictionary of two million nulls took 6 ms)
        return Categorical.absent(len(values))
    if isinstance(values, pa.ChunkedArray):
        if not pa.types.is_dictionary(values.type):
            values = pc.dictionary_encode(values)
        values = values.unify_dictionaries()
        chunks = values.chunks
        labels = chunks[0].dictionary if chunks else pa.array([], pa.string())
        parts = [_indices(c) for c in chunks]
        codes = np.concatenate(parts) if parts else np.zeros(0, np.int32)
    else:
        if not pa.types.is_dictionary(values.type):
            values = pc.dictionary_encode(values)
        labels, codes = values.dictionary, _indices(values)
    label_list = labels.to_pylist()
    if "" in label_list:  # an empty string means absent too
        empty = label_list.index("")
        codes = np.where(codes == empty, -1, codes - (codes > empty)).astype(np.int32)
        label_list.pop(empty)
    return Categorical(codes, tuple(label_list))


def _indices(chunk: pa.DictionaryArray) -> np.ndarray:
    idx = chunk.indices
    if idx.null_count:
        idx = pc.fill_null(idx, -1)
    return np.asarray(idx.to_numpy(zero_copy_only=False), dtype=np.int32)


def assemble(tickets: RawTickets, events: RawEvents, *, check_event_order: bool = False,
             data_hash: str = "", repeats_known: bool = False) -> TicketTable:
    """Validate and build the table. Refused rows go to ``table.rejected`` (never dropped
    silently); refused tickets take their events with them. ``repeats_known``: the caller
    has found the repeated ids itself (the split reader, with its index of the whole file:
    in ``tickets.problems``, or settled afterwards), and events refer to tickets by index,
    so the ids need no index of their own here."""
    n = tickets.n
    problems: list[tuple[int, Rejection]] = []  # (ticket index or -1, rejection)
    ok = np.ones(n, dtype=bool)

    def refuse(mask: np.ndarray, field: str | None, reason) -> None:
        for i in np.flatnonzero(mask & ok):
            text = reason(int(i)) if callable(reason) else reason
            problems.append((int(i), Rejection(tickets.file, int(tickets.rows[i]), field, text)))
        ok[mask] = False

    for i, fld, reason in tickets.problems:
        if ok[i]:
            problems.append((i, Rejection(tickets.file, int(tickets.rows[i]), fld, reason)))
            ok[i] = False

    # ids: invisible characters stripped (a BOM mid-file must not make a phantom ticket),
    # present and unique (the first occurrence wins, later ones are refused)
    ids, invisible = strip_invisible(tickets.ids)
    id_missing = np.asarray(pc.fill_null(pc.equal(ids, ""), True).to_numpy(
        zero_copy_only=False), dtype=bool) if n else np.zeros(0, bool)
    refuse(id_missing, "id", "missing ticket id")
    id_text = IdColumn(ids)
    index = None
    if not repeats_known:
        index = IdIndex(ids)
        first = index.first_occurrence()
        dup = (first >= 0) & (first != np.arange(n))
        refuse(dup, "id", lambda i: f"duplicate ticket id {id_text[i]!r} (first seen on row "
                                    f"{int(tickets.rows[first[i]])})")

    # instants: readable, and in a sensible order
    instants = {c: tickets.instants.get(c) for c in INSTANT_COLUMNS}
    for col, parsed in instants.items():
        if parsed is not None and parsed.errors:
            bad = np.zeros(n, dtype=bool)
            bad[list(parsed.errors)] = True
            refuse(bad, col, lambda i, p=parsed: p.errors[i])
    values = {c: (p.values if p is not None else np.full(n, NAT, np.int64))
              for c, p in instants.items()}
    for col, v in values.items():
        refuse(out_of_range(v), col, lambda i, v=v: out_of_range_reason(int(v[i])))
    created = values["created_at"]
    refuse(created == NAT, "created_at", "missing created_at")
    customer = categorical(tickets.categorical.get("customer"), n)
    refuse(customer.codes < 0, "customer", "missing customer")
    for col, what in (("first_response_at", "first response"), ("resolved_at", "resolution"),
                      ("closed_at", "closing")):
        v = values[col]
        refuse((v != NAT) & (v < created), col, f"{what} before creation")

    # events: readable, attached to a known ticket
    m = len(events.rows)
    status = categorical(events.status, m)
    prio = categorical(events.priority, m)
    if isinstance(events.ticket, np.ndarray):
        owner = events.ticket.astype(np.int64)
        # nested events belong to their ticket's row: a refused ticket says it all
        alive = np.ones(m, dtype=bool)
        known = owner >= 0
        alive[known] = ok[owner[known]]
        ev_problems, ev_ok = event_problems(events, owner, status.codes, prio.codes,
                                            alive=alive)
    else:
        if index is None:
            raise ValueError("events by ticket id need the ids indexed: repeats_known is for "
                             "events by ticket index")
        event_ids, cleaned = strip_invisible(events.ticket)
        invisible += cleaned
        owner = index.lookup(event_ids)
        ev_problems, ev_ok = event_problems(events, owner, status.codes, prio.codes,
                                            ids=event_ids)
    if isinstance(events.ticket, np.ndarray) and events.file == tickets.file and ev_problems:
        # a nested event is part of its ticket's row: a bad one refuses the row as a whole,
        # so the row is counted once, as rejected, and never also evaluated
        for j, fld, reason in sorted(ev_problems):
            i = int(owner[j])
            if 0 <= i < n and ok[i]:
                k = j - int(np.searchsorted(owner, i))
                where = f"events[{k}].{fld}" if fld else f"events[{k}]"
                problems.append((i, Rejection(tickets.file, int(tickets.rows[i]), where,
                                              reason)))
                ok[i] = False
        ev_problems = []

    if check_event_order and m:
        # JSONL: a ticket's events must be listed in time order; refuse the ticket otherwise
        at = events.at.values
        same = (owner[1:] == owner[:-1]) & ev_ok[1:] & ev_ok[:-1]
        back = np.flatnonzero(same & (at[1:] < at[:-1]))
        bad = np.zeros(n, dtype=bool)
        bad[owner[back + 1]] = True
        refuse(bad, "events", "events out of time order")

    rejected = [r for _, r in sorted(problems, key=lambda p: p[1].row)]
    ev_rejected = [Rejection(events.file, int(events.rows[j]), f, r)
                   for j, f, r in sorted(ev_problems)]
    # the rows of a nested-events file are the tickets' rows: keep one list in row order
    rejected = sorted(rejected + ev_rejected, key=lambda r: (r.file != tickets.file, r.file,
                                                            r.row))

    keep = np.flatnonzero(ok)
    ev_keep = ev_ok & (owner >= 0)
    all_tickets = len(keep) == n
    if not all_tickets:
        ev_keep[ev_keep] &= ok[owner[ev_keep]]
    ev_sel: slice | np.ndarray
    if ev_keep.all():  # every event kept (the usual case): no selection, no copies
        ev_sel, ev_owner, ev_at = slice(None), owner, events.at.values
    else:
        ev_sel = np.flatnonzero(ev_keep)
        ev_owner, ev_at = owner[ev_sel], events.at.values[ev_sel]
    if not all_tickets:  # renumber the owners over the kept tickets
        ev_owner = (np.cumsum(ok, dtype=np.int64) - 1)[ev_owner]
    order = _event_order(ev_owner, ev_at)
    if order is not None:  # the owners themselves are not reordered: only counted below
        ev_at = ev_at[order]
        ev_sel = order if isinstance(ev_sel, slice) else ev_sel[order]
    offsets = np.zeros(len(keep) + 1, dtype=np.int64)
    np.cumsum(np.bincount(ev_owner, minlength=len(keep)), out=offsets[1:])

    cats = {c: (customer if c == "customer" else categorical(tickets.categorical.get(c), n))
            for c in CATEGORICAL_COLUMNS}
    if len(keep) == n:  # nothing refused: no copies
        keep = slice(None)  # type: ignore[assignment]
    return TicketTable(
        id=id_text[keep],
        **{c: Categorical(cat.codes[keep], cat.labels) for c, cat in cats.items()},
        **{c: v[keep] for c, v in values.items()},
        event_offsets=offsets,
        event_at=ev_at,
        event_status=_selected(status, ev_sel),
        event_priority=_selected(prio, ev_sel),
        extra={k: v[keep] for k, v in tickets.extra.items()},
        source_row=np.asarray(tickets.rows, dtype=np.int64)[keep],
        source=tickets.file,
        rejected=rejected,
        data_hash=data_hash,
        rows_read=n,
        invisible_ids=invisible,
        events_read=0 if isinstance(events.ticket, np.ndarray) else m,
    )


def _selected(cat: Categorical, sel: slice | np.ndarray) -> Categorical:
    """The codes ``cat.codes[sel]`` (an absent column's: no gather, they are all -1)."""
    if not cat.labels:
        return Categorical.absent(len(cat.codes[sel]) if isinstance(sel, slice) else len(sel))
    return Categorical(cat.codes[sel], cat.labels)


def event_problems(events: RawEvents, owner: np.ndarray, status: np.ndarray,
                   priority: np.ndarray, *, ids: Column | None = None,
                   alive: np.ndarray | None = None
                   ) -> tuple[list[tuple[int, str | None, str]], np.ndarray]:
    """The rules every reader applies to events, in one place: ``(problems, ok)``, the
    refused events as ``(index, field, reason)`` (the reader's own problems first) and a mask
    of the others. An event is refused for its ticket (``owner`` -1, named by ``ids``: the
    events' ticket ids), an unreadable, out-of-range or missing instant, or for having
    neither a status nor a priority (``status``, ``priority``: codes, -1 absent). ``alive``:
    the events still worth a look (nested events of a refused ticket are not)."""
    m = len(events.rows)
    ok = np.ones(m, dtype=bool)
    problems: list[tuple[int, str | None, str]] = list(events.problems)
    for j, _, _ in problems:
        ok[j] = False
    if ids is not None:
        unknown = np.flatnonzero((owner < 0) & ok)
        if len(unknown):
            # named as the whole read names them, invisible characters stripped (the
            # chunked readers pass the ids as read: stripping every one there costs time)
            text = strip_invisible(ids.take(pa.array(unknown)))[0].to_pylist()
            for j, tid in zip(unknown.tolist(), text, strict=True):
                problems.append((j, "ticket_id", "missing ticket_id" if tid in (None, "")
                                 else f"event for unknown ticket {tid!r}"))
            ok[unknown] = False
    if alive is not None:
        ok &= alive
    for j, reason in events.at.errors.items():
        if ok[j]:
            problems.append((j, "at", reason))
            ok[j] = False
    at = events.at.values
    far = out_of_range(at) & ok
    problems += [(int(j), "at", out_of_range_reason(int(at[j]))) for j in np.flatnonzero(far)]
    ok &= ~far
    no_at = (at == NAT) & ok
    problems += [(int(j), "at", "missing event time") for j in np.flatnonzero(no_at)]
    ok &= ~no_at
    empty = (status < 0) & (priority < 0) & ok
    problems += [(int(j), "status", "event has neither status nor priority")
                 for j in np.flatnonzero(empty)]
    ok &= ~empty
    return problems, ok


def _event_order(owner: np.ndarray, at: np.ndarray) -> np.ndarray | None:
    """The permutation sorting events by (ticket, instant), ties in input order; None when
    they are sorted already."""
    if not len(owner):
        return None
    same = owner[1:] == owner[:-1]
    if np.all((owner[1:] > owner[:-1]) | (same & (at[1:] >= at[:-1]))):
        return None  # grouped by ticket, each in time order
    if np.all(at[1:] >= at[:-1]) and int(owner.max()) < 1 << 32:
        # an event-log export sorted by time: a stable sort by ticket keeps the time order;
        # radix passes (numpy sorts 8- and 16-bit keys by radix) beat a comparison sort: the
        # low 16 bits, then the rest (one byte for fewer than 16.7 million tickets); each
        # key is cut to its width before it is gathered
        low = np.argsort(owner.astype(np.uint16), kind="stable")
        rest = (owner >> 16).astype(np.uint8 if int(owner.max()) < 1 << 24 else np.uint16)
        return low[np.argsort(rest[low], kind="stable")]
    return np.lexsort((at, owner))
