"""Readers of the canonical form: JSON Lines (events nested) and CSV (+ an events CSV)."""

from __future__ import annotations

import io
import json

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pajson

from slalang.data.build import RawEvents, RawTickets
from slalang.data.instants import Parsed, parse_instants
from slalang.data.source import missing_canonical_column, not_utf8, read_csv
from slalang.data.table import CATEGORICAL_COLUMNS, INSTANT_COLUMNS, NAT
from slalang.errors import DataError

#: the canonical ticket fields; any other column or key is an extra field
TICKET_FIELDS = ("id", *CATEGORICAL_COLUMNS, *INSTANT_COLUMNS)
#: whole seconds parse fastest; a fraction of a second (rare) takes the string path
_INSTANT = pa.timestamp("s", tz="UTC")


def instants_from_table(table: pa.Table, names: tuple[str, ...], fmt: str | None = None,
                        timezone: str | None = None) -> dict[str, Parsed]:
    return {c: parse_instants(table.column(c), fmt, timezone)
            for c in names if c in table.column_names}


_DICT = pa.dictionary(pa.int32(), pa.string())


def read_csv_typed(data: pa.Buffer, file: str, instants: tuple[str, ...],
                   categorical: tuple[str, ...] = (), **options) -> pa.Table:
    """Read with instant columns typed (the fast path) and categorical ones dictionary-encoded
    by the reader; on any unreadable instant, re-read the instants as strings so each bad
    value can be reported on its row."""
    dicts = {c: _DICT for c in categorical}
    try:
        return read_csv(data, file, {**dicts, **{c: _INSTANT for c in instants}}, **options)
    except pa.ArrowInvalid:
        return read_csv(data, file, dicts, **options)


def _require(table: pa.Table, file: str, names: tuple[str, ...]) -> None:
    for name in names:
        if name not in table.column_names:
            raise missing_canonical_column(name, table.column_names, file)


def csv_tickets(data: pa.Buffer, file: str) -> RawTickets:
    """The canonical tickets CSV: ``id,customer,tier,priority,category,service,created_at,
    first_response_at,resolved_at,closed_at`` and any extra columns (only id, customer and
    created_at are required)."""
    bad: list[tuple[int, str]] = []
    raw = tickets_from_table(read_csv_typed(data, file, INSTANT_COLUMNS, CATEGORICAL_COLUMNS,
                                            bad_rows=bad), file)
    raw.problems.extend((i, None, reason) for i, reason in bad)
    return raw


def tickets_from_table(table: pa.Table, file: str, first_row: int = 2) -> RawTickets:
    """Canonical ticket columns already read (all of a file, or a chunk of it whose first row
    is ``first_row``) as :class:`RawTickets`."""
    _require(table, file, ("id", "customer", "created_at"))
    n = table.num_rows
    return RawTickets(
        file=file, n=n, rows=np.arange(first_row, n + first_row, dtype=np.int64),
        ids=table.column("id"),
        categorical={c: table.column(c) for c in CATEGORICAL_COLUMNS if c in table.column_names},
        instants=instants_from_table(table, INSTANT_COLUMNS),
        extra={c: np.asarray(table.column(c).to_numpy(zero_copy_only=False), dtype=object)
               for c in table.column_names if c not in TICKET_FIELDS},
    )


def csv_events(data: pa.Buffer, file: str) -> RawEvents:
    """The canonical events CSV: ``ticket_id,at,status[,priority]``, rows in any order."""
    bad: list[tuple[int, str]] = []
    raw = events_from_table(read_csv_typed(data, file, ("at",), ("status", "priority"),
                                           bad_rows=bad), file)
    raw.problems.extend((j, None, reason) for j, reason in bad)
    return raw


def events_from_table(table: pa.Table, file: str, first_row: int = 2) -> RawEvents:
    """Canonical event columns already read (a whole file or a chunk starting at row
    ``first_row``) as :class:`RawEvents`."""
    _require(table, file, ("ticket_id", "at"))
    m = table.num_rows
    none = pa.nulls(m, pa.string())
    return RawEvents(
        file=file, rows=np.arange(first_row, m + first_row, dtype=np.int64),
        ticket=table.column("ticket_id"),
        at=parse_instants(table.column("at")),
        status=table.column("status") if "status" in table.column_names else none,
        priority=table.column("priority") if "priority" in table.column_names else none,
    )


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, sort_keys=True)


#: the deepest JSON nesting a ticket line may have: pyarrow's JSON reader recurses without a
#: limit (100,000 levels crash the process) and Python's stops near 1,000; no ticket needs more
MAX_DEPTH = 200
#: the nesting the pyarrow fast path is trusted with (it crashed between 5,000 and 20,000)
ARROW_DEPTH = 1000


def max_depth(data: pa.Buffer | bytes) -> int:
    """An upper bound of the JSON nesting depth in ``data`` (brackets inside strings count too,
    which can only overestimate it).

    >>> max_depth(b'{"a": [[1], {"b": 2}]}'), max_depth(b'[[1]]')
    (3, 2)
    """
    # "[" and "{" differ only in bit 0x20, as do "]" and "}": one pass folds each pair
    folded = np.frombuffer(memoryview(data), dtype=np.uint8) | 0x20
    opens = np.flatnonzero(folded == ord("{"))
    if not len(opens):
        return 0
    closes = np.flatnonzero(folded == ord("}"))
    depth = np.arange(1, len(opens) + 1) - np.searchsorted(closes, opens)
    return int(depth.max())


_EVENT = pa.struct([("at", pa.string()), ("status", pa.string()), ("priority", pa.string())])
_JSONL_SCHEMA = pa.schema([(c, pa.string()) for c in TICKET_FIELDS]
                          + [("events", pa.list_(_EVENT))])


def jsonl_tickets(data: pa.Buffer | bytes, file: str) -> tuple[RawTickets, RawEvents]:
    """Canonical JSON Lines (or a JSON array of the same objects), events nested.

    Well-formed JSON Lines go through pyarrow's multi-threaded JSON reader; anything it
    refuses (a broken line, a number where a string belongs, a JSON array, blank lines that
    would shift the line numbers) is read line by line in Python, which names each bad line.
    """
    fast = _jsonl_arrow(data, file)
    if fast is not None:
        return fast
    return _jsonl_python(data, file)


def _jsonl_arrow(data: pa.Buffer | bytes, file: str) -> tuple[RawTickets, RawEvents] | None:
    raw = np.frombuffer(memoryview(data), dtype=np.uint8)
    if not len(raw) or raw[0] != ord("{"):
        return None
    ends = np.flatnonzero(raw == ord("\n"))
    lines = len(ends) + (raw[-1] != ord("\n"))
    # only a long line can be deeply nested: measure the depth when there is one
    longest = int(np.diff(ends, prepend=-1).max(initial=0)) if len(ends) else len(raw)
    # pyarrow copes with a few thousand levels: only a line long enough to nest deeper than
    # ARROW_DEPTH needs measuring (ordinary tickets are far shorter); the Python reader then
    # refuses the deep lines one by one
    if max(longest, len(raw) - 1 - int(ends[-1] if len(ends) else -1)) > 2 * ARROW_DEPTH and \
            max_depth(data) > ARROW_DEPTH:
        return None
    try:
        table = pajson.read_json(pa.BufferReader(data), parse_options=pajson.ParseOptions(
            explicit_schema=_JSONL_SCHEMA, unexpected_field_behavior="infer"))
        # pyarrow's JSON reader does not check UTF-8: the Python path names the bad line
        table.validate(full=True)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        return None
    n = table.num_rows
    if n != lines:  # blank lines were skipped: line numbers would shift
        return None
    rows = np.arange(1, n + 1, dtype=np.int64)
    events = table.column("events").combine_chunks()
    flat = pc.list_flatten(events)
    owner = np.asarray(pc.list_parent_indices(events).to_numpy(zero_copy_only=False),
                       dtype=np.int64)
    at = parse_instants(flat.field("at"))
    problems: list[tuple[int, str | None, str]] = []
    if len(owner):
        starts = np.asarray(pc.fill_null(events.offsets, 0).to_numpy(zero_copy_only=False),
                            dtype=np.int64)[owner]
        rank = np.arange(len(owner)) - (starts - starts[0])
        bad = set(at.errors) | set(np.flatnonzero(at.values == NAT).tolist())
        for j in sorted(bad):
            reason = at.errors.get(j, "missing event time")
            problems.append((int(owner[j]), f"events[{int(rank[j])}].at", reason))
    tickets = RawTickets(
        file=file, n=n, rows=rows, ids=table.column("id"),
        categorical={c: table.column(c) for c in CATEGORICAL_COLUMNS},
        instants={c: parse_instants(table.column(c)) for c in INSTANT_COLUMNS},
        extra={c: _objects(table.column(c)) for c in table.column_names
               if c not in TICKET_FIELDS and c != "events"},
        problems=problems,
    )
    raw_events = RawEvents(
        file=file, rows=rows[owner], ticket=owner, at=Parsed(at.values, {}),
        status=flat.field("status"), priority=flat.field("priority"))
    return tickets, raw_events


def _objects(column: pa.ChunkedArray) -> np.ndarray:
    out = np.empty(len(column), dtype=object)
    out[:] = column.to_pylist()
    return out


def _jsonl_python(data: pa.Buffer | bytes, file: str) -> tuple[RawTickets, RawEvents]:
    records = _json_records(data, file)
    n = len(records)
    rows = np.array([r for r, _ in records], dtype=np.int64)
    problems: list[tuple[int, str | None, str]] = []
    cols: dict[str, list] = {c: [None] * n for c in TICKET_FIELDS}
    extra: dict[str, list] = {}
    ev_owner: list[int] = []
    ev_at: list[str | None] = []
    ev_status: list[str | None] = []
    ev_prio: list[str | None] = []
    ev_where: list[tuple[int, int]] = []
    for i, (_, obj) in enumerate(records):
        if isinstance(obj, str):  # the reason the line could not be read
            problems.append((i, None, obj))
            continue
        for key, value in obj.items():
            if key == "events":
                continue
            if key in cols:
                cols[key][i] = _text(value)
            else:
                extra.setdefault(key, [None] * n)[i] = value
        wrong = next(((key, _not_text(obj[key])) for key in _TEXT_FIELDS
                      if _not_text(obj.get(key))), None)
        if wrong is not None:
            problems.append((i, wrong[0], f"{wrong[0]} must be text, not {wrong[1]}"))
            continue
        events = obj.get("events")
        events = [] if events is None else events
        if not isinstance(events, list):
            problems.append((i, "events", "events must be a list"))
            continue
        for k, ev in enumerate(events):
            if not isinstance(ev, dict):
                problems.append((i, f"events[{k}]", "an event must be an object"))
                break
            bad = next((f for f in ("at", "status", "priority") if _not_text(ev.get(f))), None)
            if bad is not None:
                problems.append((i, f"events[{k}].{bad}",
                                 f"{bad} must be text, not {_not_text(ev[bad])}"))
                break
            ev_owner.append(i)
            ev_at.append(_text(ev.get("at")))
            ev_status.append(_text(ev.get("status")))
            ev_prio.append(_text(ev.get("priority")))
            ev_where.append((i, k))
    instants = {c: parse_instants(pa.array(cols[c], pa.string())) for c in INSTANT_COLUMNS}
    at = parse_instants(pa.array(ev_at, pa.string()))
    # an unreadable event spoils its ticket: the line is refused as a whole
    for j, reason in at.errors.items():
        i, k = ev_where[j]
        problems.append((i, f"events[{k}].at", reason))
    for j in np.flatnonzero(at.values == NAT):
        i, k = ev_where[j]
        if j not in at.errors:
            problems.append((i, f"events[{k}].at", "missing event time"))
    tickets = RawTickets(
        file=file, n=n, rows=rows, ids=pa.array(cols["id"], pa.string()),
        categorical={c: pa.array(cols[c], pa.string()) for c in CATEGORICAL_COLUMNS},
        instants=instants,
        extra={k: np.array(v + [None], dtype=object)[:-1] for k, v in extra.items()},
        problems=problems,
    )
    owner = np.array(ev_owner, dtype=np.int64)
    events = RawEvents(
        file=file, rows=rows[owner] if n else np.zeros(0, np.int64), ticket=owner,
        at=Parsed(at.values, {}),
        status=pa.array(ev_status, pa.string()), priority=pa.array(ev_prio, pa.string()),
    )
    return tickets, events


#: the ticket fields whose JSON value must be a string (a number is taken as its digits)
_TEXT_FIELDS = ("id", *CATEGORICAL_COLUMNS, *INSTANT_COLUMNS)


def _not_text(value: object) -> str | None:
    """What a JSON value is when it cannot stand for a text field (None when it can).

    >>> _not_text("T-1"), _not_text(7), _not_text(None), _not_text([1]), _not_text(True)
    (None, None, None, 'a list', 'a boolean')
    """
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return None


def _json_records(data: pa.Buffer | bytes, file: str) -> list[tuple[int, dict | str]]:
    """(row, object or reason) per ticket: the line number for JSON Lines, the position in the
    list for a JSON array."""
    try:
        text = memoryview(data).tobytes().decode("utf-8")
    except UnicodeDecodeError:
        raise not_utf8(io.BytesIO(memoryview(data)), file) from None
    if text.lstrip().startswith("["):
        try:
            items = json.loads(text)
        except json.JSONDecodeError as exc:
            raise DataError(f"invalid JSON: {exc.msg}", file=file, row=exc.lineno) from None
        except RecursionError:
            raise DataError(f"JSON nested deeper than {MAX_DEPTH} levels", file=file) from None
        if not isinstance(items, list):
            raise DataError("a JSON file holds an array of tickets", file=file)
        return [(k + 1, f"JSON nested deeper than {MAX_DEPTH} levels" if _too_deep(obj)
                 else _check_object(obj)) for k, obj in enumerate(items)]
    if _one_document(text):
        # a pretty-printed JSON document, not JSON Lines: its records, or an error that says
        # it needs a mapping (never every line rejected as broken JSON)
        from slalang.data.sources.jsonrecords import canonical_records

        found = canonical_records(data, file)
        if found is not None:
            return [(k + 1, f"JSON nested deeper than {MAX_DEPTH} levels" if _too_deep(obj)
                     else _check_object(obj)) for k, obj in enumerate(found)]
    out: list[tuple[int, dict | str]] = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            out.append((lineno, f"invalid JSON: {exc.msg} (column {exc.colno})"))
            continue
        except RecursionError:
            out.append((lineno, f"JSON nested deeper than {MAX_DEPTH} levels"))
            continue
        if len(line) > 2 * MAX_DEPTH and _too_deep(obj):
            out.append((lineno, f"JSON nested deeper than {MAX_DEPTH} levels"))
            continue
        out.append((lineno, _check_object(obj)))
    return out


def _one_document(text: str) -> bool:
    """Whether the text opens a JSON object whose first line is not a whole JSON value (a
    document spread over lines, as APIs and ``json.dumps(indent=...)`` write it)."""
    stripped = text.lstrip()
    if not stripped.startswith("{"):
        return False
    first = stripped.split("\n", 1)[0].strip()
    try:
        json.loads(first)
    except json.JSONDecodeError:
        return True
    except RecursionError:
        return False  # a line nested too deep: the line reader refuses it
    return False


def _too_deep(obj: object) -> bool:
    """Whether a parsed JSON value nests deeper than :data:`MAX_DEPTH` (walked without
    recursion, so the walk itself cannot overflow)."""
    stack = [(obj, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            return True
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)
    return False


def _check_object(obj: object) -> dict | str:
    return obj if isinstance(obj, dict) else "a ticket must be a JSON object"
