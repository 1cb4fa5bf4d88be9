"""SQL databases: a mapping names a database URL and a query; the query's rows are the export.

Read with SQLAlchemy (the ``sql`` extra: ``pip install 'slalang[sql]'``), so any database it
has a driver for works: SQLite with no server at all (a ``.db`` file, or
``sqlite:///path``), PostgreSQL (``postgresql+psycopg://user@host/db``), and the others.

Options (the mapping's ``source``, or ``events_source`` for the events query):

- ``query``: the SQL giving one row per ticket (or per event, or per update for an event-log
  mapping); its column names are what the mapping's fields name;
- ``url``: the database (default: the tickets argument, which may be a URL or a SQLite
  file). ``${NAME}`` in it is replaced by the environment variable, so a password need not
  be written in the mapping.

A row is named by the database (its password hidden) and its 1-based position in the result.
The data hash covers the query and every value it returned, so a report says which data it
measured even without a file.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import os
from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa

from slalang.data.sources import Digest, Rows, SourceSpec
from slalang.errors import DataError


def value_text(value: object) -> str | None:
    """A database value as text (instants ISO 8601; an aware one keeps its offset).

    >>> value_text(dt.datetime(2026, 7, 1, 9, tzinfo=dt.UTC)), value_text(decimal.Decimal("2.50"))
    ('2026-07-01T09:00:00+00:00', '2.50')
    """
    if value is None:
        return None
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, decimal.Decimal):
        return str(value)  # as stored: 2.50 stays 2.50
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, separators=(",", ":"))
    return str(value)


def database_url(given: str, options: dict) -> str:
    """The SQLAlchemy URL: the mapping's ``url`` or the argument; a plain path is a SQLite
    file (which must exist: SQLite would create an empty one).

    >>> database_url("postgresql://u@h/db", {}), database_url("x", {"url": "sqlite://"})
    ('postgresql://u@h/db', 'sqlite://')
    """
    url = os.path.expandvars(options.get("url") or given)
    if "://" in url:
        return url
    path = Path(url)
    if not path.is_file():
        raise DataError("no such database file (a SQL source reads a SQLite file or a "
                        "database URL, e.g. postgresql+psycopg://user@host/db)", file=url)
    return f"sqlite:///{path.resolve()}"


def read(spec: SourceSpec, wanted: Sequence[str], digest: Digest) -> Rows:
    """The rows of the mapping's query."""
    query = spec.options.get("query")
    url = database_url(spec.given, spec.options)
    if not query:
        raise DataError("a SQL source needs a query (source: {format: sql, query: SELECT ...})",
                        file=spec.given)
    try:
        import sqlalchemy
    except ImportError:
        raise DataError("reading a database needs SQLAlchemy: pip install 'slalang[sql]'",
                        file=spec.given) from None
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

    try:
        engine = sqlalchemy.create_engine(url)
    except (ArgumentError, NoSuchModuleError, ImportError) as exc:
        raise DataError(f"cannot use the database URL: {exc}", file=spec.given) from None
    shown = engine.url.render_as_string(hide_password=True)
    if engine.url.get_backend_name() == "sqlite" and engine.url.database:
        shown = engine.url.database  # a SQLite file is named like any other file
    try:
        with engine.connect() as connection:
            result = connection.execute(sqlalchemy.text(query))
            names = list(result.keys())
            rows = result.fetchall()
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise DataError(f"the query failed: {reason}", file=shown) from None
    finally:
        engine.dispose()
    if len(set(names)) != len(names):
        twice = next(n for n in names if names.count(n) > 1)
        raise DataError(f"the query returns the column {twice!r} twice: name each column once "
                        "(AS ...)", file=shown, field=twice)
    columns = [[value_text(row[k]) for row in rows] for k in range(len(names))]
    digest.feed(pa.py_buffer(json.dumps([query, names, columns]).encode()))
    table = pa.table([pa.array(c, pa.string()) for c in columns], names=names)
    return Rows.one_file(table, shown, first_row=1)
