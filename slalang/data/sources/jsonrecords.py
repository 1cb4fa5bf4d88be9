"""JSON documents (API responses, one or many page files) and JSON Lines, read by path.

Ticket tools export JSON shaped by their APIs: ``{"tickets": [...], "next_page": ...}`` per
page (Zendesk), ``{"issues": [...]}`` with each issue's changelog nested inside (Jira), a bare
array (Freshdesk). The mapping says where the records are and where each field is inside a
record, as JMESPath expressions (https://jmespath.org): ``records: tickets``,
``customer: organization.name``, ``status: fields.status.name``.

JMESPath rather than a home-made path syntax: it has a written specification with a
compliance suite, filters (``events[?field_name=='status']``), projections and functions, and
the ``jmespath`` package (AWS's, used by boto3 and the AWS CLI) is small, pure Python and
stable. jsonpath-ng would also do, but JSONPath has no single specification (each library
differs at the edges), which matters for a file format people write by hand.

Options (the mapping's ``source`` or ``events.source`` section):

- ``records``: the path to the list of records in each document (a JSON document that is an
  array needs none; JSON Lines have one record per line);
- ``unnest``: rows taken from arrays nested in each record, a level at a time:
  ``[{as: change, path: "record.events[?field_name=='status']"}]`` gives a row per status
  change of each audit. With ``unnest`` a row's paths start at a name: ``record`` (the record)
  or a level's ``as`` (``change.value``, ``record.created_at``);
- ``where``: a condition (a JMESPath expression) a row must meet to be read at all, e.g.
  ``"activity.status != null"``; rows failing it are not rows of the export.

A row is named by its file and its record's position there (1-based; the line for JSON Lines).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from functools import cache

import numpy as np
import pyarrow as pa

from slalang.data.source import not_utf8, read_bytes
from slalang.data.sources import Digest, Rows, SourceSpec
from slalang.errors import DataError

_SIMPLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


@cache
def compile_path(path: str) -> Callable[[object], object]:
    """A function reading ``path`` (JMESPath) from a JSON value; plain dotted names take a
    direct route (the same answer, without the interpreter).

    >>> compile_path("a.b")({"a": {"b": 1}}), compile_path("a[?k=='x'].v | [0]")({"a": [
    ...     {"k": "y", "v": 1}, {"k": "x", "v": 2}]})
    (1, 2)
    """
    if _SIMPLE.match(path):
        keys = path.split(".")

        def get(obj: object) -> object:
            for key in keys:
                if not isinstance(obj, dict):
                    return None
                obj = obj.get(key)
            return obj

        return get
    import jmespath
    from jmespath.exceptions import JMESPathError

    try:
        expression = jmespath.compile(path)
    except JMESPathError as exc:
        raise DataError(f"invalid path {path!r}: {str(exc).splitlines()[0]}") from None
    return expression.search


def text(value: object) -> str | None:
    """A JSON value as the text a column holds: numbers and booleans written out, objects
    and arrays as compact JSON."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def load_document(data: bytes | memoryview, file: str) -> object:
    """Parse a whole JSON document, naming the line and column of a syntax error."""
    try:
        decoded = bytes(data).decode("utf-8")
    except UnicodeDecodeError:
        raise not_utf8(bytes(data).splitlines(keepends=True), file) from None
    try:
        return json.loads(decoded)
    except json.JSONDecodeError as exc:
        raise DataError(f"invalid JSON: {exc.msg} (column {exc.colno})", file=file,
                        row=exc.lineno) from None
    except RecursionError:
        raise DataError("invalid JSON: nested too deeply", file=file) from None


def records_of(doc: object, records: str | None, file: str) -> list:
    """The list of records in a document."""
    if records is None:
        if isinstance(doc, list):
            return doc
        keys = [k for k, v in doc.items() if isinstance(v, list)] if isinstance(doc, dict) else []
        hint = (f"; the document's lists are under: {', '.join(keys)}" if keys else "")
        raise DataError("a JSON document that is not an array needs a records path (source: "
                        "{format: json, records: tickets})" + hint, file=file)
    found = compile_path(records)(doc)
    if found is None:
        keys = ", ".join(doc) if isinstance(doc, dict) else type(doc).__name__
        raise DataError(f"no {records!r} in the document (it has: {keys})", file=file,
                        field=records)
    if not isinstance(found, list):
        raise DataError(f"{records!r} is not a list of records", file=file, field=records)
    return found


def _document_rows(spec: SourceSpec, file: str, data: bytes | memoryview
                   ) -> tuple[list[object], list[int], dict[int, str]]:
    """(records, their 1-based positions, problems by position) of one file."""
    if spec.format == "jsonl":
        out, rows, problems = [], [], {}
        for lineno, line in enumerate(bytes(data).splitlines(), 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except UnicodeDecodeError:
                raise not_utf8(bytes(data).splitlines(keepends=True), file) from None
            except json.JSONDecodeError as exc:
                problems[len(out)] = f"invalid JSON: {exc.msg} (column {exc.colno})"
                obj = None
            except RecursionError:
                problems[len(out)] = "invalid JSON: nested too deeply"
                obj = None
            out.append(obj)
            rows.append(lineno)
        return out, rows, problems
    items = records_of(load_document(data, file), spec.options.get("records"), file)
    return items, list(range(1, len(items) + 1)), {}


def _contexts(record: object, unnest: list[dict]) -> list[object]:
    """The rows one record gives: itself, or one per innermost nested item."""
    if not unnest:
        return [record]
    rows: list[dict] = [{"record": record}]
    for level in unnest:
        get = compile_path(level["path"])
        nxt = []
        for ctx in rows:
            items = get(ctx)
            if items is None:
                continue
            for item in items if isinstance(items, list) else [items]:
                nxt.append({**ctx, level["as"]: item})
        rows = nxt
    return rows


def read(spec: SourceSpec, wanted: Sequence[str], digest: Digest) -> Rows:
    """Read every file of ``spec``: a column per wanted path, a row per record (or per
    nested item with ``unnest``) that meets ``where``."""
    from jmespath.exceptions import JMESPathError

    unnest = list(spec.options.get("unnest") or [])
    where = spec.options.get("where")
    test = compile_path(where) if where else None
    getters = {w: compile_path(w) for w in wanted}
    parts = []
    # one mapped read may visit a file several times (tickets, their lookups, the events):
    # it is read, hashed and parsed once
    cache: dict = getattr(digest, "parsed", {})
    for file in spec.paths:
        key = (file, spec.format, spec.options.get("member"), spec.options.get("records"))
        if key not in cache:
            data = read_bytes(file, digest,  # type: ignore[arg-type]
                              member=spec.options.get("member"))
            cache[key] = _document_rows(spec, file, memoryview(data))
        records, positions, problems = cache[key]
        cols: dict[str, list] = {w: [] for w in wanted}
        rows: list[int] = []
        bad: dict[int, str] = {}
        for k, record in enumerate(records):
            if k in problems:
                bad[len(rows)] = problems[k]
                rows.append(positions[k])
                for w in wanted:
                    cols[w].append(None)
                continue
            if not isinstance(record, dict):
                bad[len(rows)] = "a record must be a JSON object"
                rows.append(positions[k])
                for w in wanted:
                    cols[w].append(None)
                continue
            try:
                emitted = [[text(get(ctx)) for get in getters.values()]
                           for ctx in _contexts(record, unnest)
                           if test is None or test(ctx)]
            except (JMESPathError, TypeError, ValueError) as exc:
                # a path that fails on this record's values (a type a function refuses)
                # refuses the record, named, instead of stopping the whole read
                bad[len(rows)] = f"a path cannot be read on this record: {exc}"
                emitted = [[None] * len(wanted)]
            for values in emitted:
                rows.append(positions[k])
                for w, value in zip(wanted, values, strict=True):
                    cols[w].append(value)
        table = pa.table({w: pa.array(v, pa.string()) for w, v in cols.items()}
                         ) if wanted else pa.table({"": pa.nulls(len(rows), pa.string())})
        parts.append(Rows(table, [file], np.zeros(len(rows), np.int64),
                          np.array(rows, np.int64), bad))
    return Rows.concat(parts)


def canonical_records(data: bytes | memoryview, file: str) -> list[dict] | None:
    """The ticket objects of a canonical input given as one JSON document (pretty-printed,
    not JSON Lines), or None when the bytes are not one document.

    An array is the records; an object is accepted when exactly one of its keys holds a list
    of objects that look like canonical tickets (``id``, ``customer``, ``created_at``).
    Anything else is an API export that needs a mapping: the error says so.
    """
    try:
        doc = json.loads(bytes(data).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return None
    if isinstance(doc, list):
        return doc
    if not isinstance(doc, dict):
        return None
    lists = {k: v for k, v in doc.items() if isinstance(v, list)}
    required = ("id", "customer", "created_at")
    fits = [k for k, v in lists.items() if v and isinstance(v[0], dict)
            and all(f in v[0] for f in required)]
    if len(fits) == 1:
        return lists[fits[0]]
    keys = ", ".join(lists) or "none"
    raise DataError(
        "a JSON document, not JSON Lines, and not in the canonical form (records with id, "
        f"customer, created_at); lists found under: {keys}. Read a tool's API export through "
        "a mapping (source: {format: json, records: KEY}); see docs/data/mappings.md",
        file=file)

