"""The evaluation history: each evaluated month of each customer, kept in SQLite.

``slalang report --record FILE`` stores the months of an evaluation; ``--history FILE`` reads
them back so quarterly reports can draw trends across months and quarters. The store is the
standard library's :mod:`sqlite3` (a single file, no server). The schema is documented in
``docs/render/history.md``; :data:`SCHEMA_VERSION` is kept in the ``meta`` table.

Recording is one transaction: either every month of the evaluation is stored or, on any
failure, the database is left exactly as it was. Recording a (customer, month) again replaces
the earlier row and its details, with the new policy hash, data hash, slalang version and
``recorded_at``.

>>> import json, tempfile, pathlib
>>> db = pathlib.Path(tempfile.mkdtemp()) / "h.sqlite"
>>> ev = {"schema_version": 1, "policy": {"name": "ref"}, "as_of": "2026-08-01T00:00:00+02:00",
...       "period": {"label": "2026-07", "months": ["2026-07"]}, "customers": [{
...       "customer": "Alfa Srl", "tier": "Gold", "credit": {"percent": "0", "amount": None},
...       "months": [{"month": "2026-07", "uptime": [], "credit": {"percent": "0", "lines": []},
...       "objectives": [{"metric": "response", "priority": "P1", "objective": "95",
...                       "met": 19, "breached": 1, "compliance": "95.00", "achieved": True}]}]}]}
>>> record(db, ev, recorded_at="2026-08-01T09:00:00Z")
1
>>> [(p.month, p.metric, p.priority, p.percent) for p in trend(db, "Alfa Srl")]
[('2026-07', 'response', 'P1', '95.00')]
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from slalang.document import CustomerReport, MonthReport, Report, build_report
from slalang.errors import DataError
from slalang.version import __version__

#: bumped when the tables change; stored in ``meta``
SCHEMA_VERSION = 1

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS periods (
    id              INTEGER PRIMARY KEY,
    customer        TEXT NOT NULL,
    month           TEXT NOT NULL,
    tier            TEXT NOT NULL,
    policy_name     TEXT NOT NULL,
    policy_hash     TEXT NOT NULL,
    data_hash       TEXT NOT NULL,
    slalang_version TEXT NOT NULL,
    as_of           TEXT NOT NULL,
    recorded_at     TEXT NOT NULL,
    credit_percent  TEXT NOT NULL,
    credit_amount   TEXT,
    currency        TEXT,
    UNIQUE (customer, month)
);
CREATE TABLE IF NOT EXISTS compliance (
    period_id INTEGER NOT NULL REFERENCES periods (id) ON DELETE CASCADE,
    metric    TEXT NOT NULL,
    priority  TEXT NOT NULL,
    objective TEXT,
    met       INTEGER NOT NULL,
    breached  INTEGER NOT NULL,
    open      INTEGER NOT NULL,
    excluded  INTEGER NOT NULL,
    percent   TEXT,
    achieved  INTEGER,
    PRIMARY KEY (period_id, metric, priority)
);
CREATE TABLE IF NOT EXISTS uptime (
    period_id        INTEGER NOT NULL REFERENCES periods (id) ON DELETE CASCADE,
    service          TEXT NOT NULL,
    seconds          INTEGER,
    downtime_seconds INTEGER,
    percent          TEXT NOT NULL,
    objective        TEXT,
    achieved         INTEGER,
    PRIMARY KEY (period_id, service)
);
CREATE TABLE IF NOT EXISTS credits (
    period_id INTEGER NOT NULL REFERENCES periods (id) ON DELETE CASCADE,
    seq       INTEGER NOT NULL,
    kind      TEXT NOT NULL,
    reason    TEXT NOT NULL,
    percent   TEXT NOT NULL,
    clause    TEXT,
    PRIMARY KEY (period_id, seq)
);
"""


@dataclass(frozen=True)
class TrendPoint:
    """One recorded compliance figure (the evaluation's exact string)."""

    month: str
    metric: str
    priority: str
    percent: str | None
    objective: str | None


@dataclass(frozen=True)
class UptimePoint:
    month: str
    service: str
    percent: str
    objective: str | None


@dataclass(frozen=True)
class PeriodRow:
    """One recorded (customer, month) and where its figures came from."""

    customer: str
    month: str
    tier: str
    policy_hash: str
    data_hash: str
    slalang_version: str
    as_of: str
    recorded_at: str
    credit_amount: str | None
    currency: str | None


def data_hash(evaluation: Mapping) -> str:
    """The evaluation's ``data_hash``; without one, the sha256 of the evaluation's JSON."""
    given = evaluation.get("data_hash")
    if given:
        return str(given)
    text = json.dumps(evaluation, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def connect(path: str | os.PathLike, *, create: bool = False) -> sqlite3.Connection:
    """Open a history database; ``create`` makes it (and its tables) when absent."""
    p = Path(path)
    if not create and not p.is_file():
        raise DataError(f"{p}: no such history database")
    if create and not p.parent.is_dir():
        raise DataError(f"{p}: cannot create the history database: no folder {p.parent}")
    try:
        conn = sqlite3.connect(p, isolation_level=None)  # transactions are explicit below
        conn.execute("PRAGMA foreign_keys = ON")
        if create:
            conn.executescript(SCHEMA)
            conn.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)",
                         (str(SCHEMA_VERSION),))
        row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    except sqlite3.OperationalError as exc:
        # sqlite cannot open or create it (a read-only folder, no permission): no word
        # about what is in it, which may be nothing at all
        if "unable to open" in str(exc) or "readonly" in str(exc):
            where = "create" if create and not p.exists() else "open"
            raise DataError(f"{p}: cannot {where} the history database ({exc}): check that "
                            "its folder can be written") from None
        raise DataError(f"{p}: not a slalang history database ({exc})") from None
    except sqlite3.DatabaseError as exc:
        raise DataError(f"{p}: not a slalang history database ({exc})") from None
    if row is None or row[0] != str(SCHEMA_VERSION):
        conn.close()
        raise DataError(f"{p}: history schema version {row[0] if row else 'unknown'} "
                        f"(this slalang reads version {SCHEMA_VERSION})")
    return conn


def record(path: str | os.PathLike, evaluation: Mapping, *, recorded_at: str | None = None
           ) -> int:
    """Store every (customer, month) of ``evaluation``; returns how many were stored.

    All or nothing: one transaction; an error leaves the database unchanged.
    """
    report = build_report(evaluation)
    when = recorded_at or dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    dhash = data_hash(evaluation)
    conn = connect(path, create=True)
    count = 0
    try:
        conn.execute("BEGIN IMMEDIATE")
        for customer in report.customers:
            for month in customer.months:
                _insert_month(conn, report, customer, month, dhash, when)
                count += 1
        conn.execute("COMMIT")
    except BaseException as exc:
        conn.execute("ROLLBACK")
        if isinstance(exc, sqlite3.Error):
            raise DataError(f"{path}: could not record the evaluation ({exc})") from None
        raise
    finally:
        conn.close()
    return count


def _insert_month(conn: sqlite3.Connection, report: Report, customer: CustomerReport,
                  month: MonthReport, dhash: str, recorded_at: str) -> None:
    # replacing = deleting the old row (its details go with it, ON DELETE CASCADE)
    conn.execute("DELETE FROM periods WHERE customer = ? AND month = ?",
                 (customer.name, month.month))
    cur = conn.execute(
        "INSERT INTO periods (customer, month, tier, policy_name, policy_hash, data_hash,"
        " slalang_version, as_of, recorded_at, credit_percent, credit_amount, currency)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (customer.name, month.month, customer.tier, report.policy_name, report.policy_hash,
         dhash, report.slalang_version or __version__, report.as_of, recorded_at,
         month.credits.percent, month.credits.amount, month.credits.currency))
    pid = cur.lastrowid
    conn.executemany(
        "INSERT INTO compliance VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(pid, r.metric, r.priority, r.objective, r.met, r.breached, r.open, r.excluded,
          r.percent, None if r.achieved is None else int(r.achieved)) for r in month.compliance])
    conn.executemany(
        "INSERT INTO uptime VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(pid, u.service, u.seconds, u.downtime_seconds, u.percent, u.objective,
          None if u.achieved is None else int(u.achieved)) for u in month.uptime])
    conn.executemany(
        "INSERT INTO credits VALUES (?, ?, ?, ?, ?, ?)",
        [(pid, i, c.kind, c.reason, c.percent, str(c.clause) if c.clause else None)
         for i, c in enumerate(month.credits.items)])


def trend(path: str | os.PathLike, customer: str, *, before: str | None = None
          ) -> list[TrendPoint]:
    """Recorded compliance of ``customer`` (name), month by month, oldest first.

    ``before`` keeps only months earlier than it (``YYYY-MM``).
    """
    conn = connect(path)
    try:
        rows = conn.execute(
            "SELECT p.month, c.metric, c.priority, c.percent, c.objective"
            " FROM periods p JOIN compliance c ON c.period_id = p.id"
            " WHERE p.customer = ? AND (? IS NULL OR p.month < ?)"
            " ORDER BY p.month, c.rowid", (customer, before, before)).fetchall()
    finally:
        conn.close()
    return [TrendPoint(*r) for r in rows]


def uptime_trend(path: str | os.PathLike, customer: str, *, before: str | None = None
                 ) -> list[UptimePoint]:
    """Recorded uptime of ``customer`` per month and service, oldest first."""
    conn = connect(path)
    try:
        rows = conn.execute(
            "SELECT p.month, u.service, u.percent, u.objective"
            " FROM periods p JOIN uptime u ON u.period_id = p.id"
            " WHERE p.customer = ? AND (? IS NULL OR p.month < ?)"
            " ORDER BY p.month, u.rowid", (customer, before, before)).fetchall()
    finally:
        conn.close()
    return [UptimePoint(*r) for r in rows]


def periods(path: str | os.PathLike, customer: str | None = None) -> list[PeriodRow]:
    """The recorded (customer, month) rows with their provenance, oldest month first."""
    conn = connect(path)
    try:
        rows = conn.execute(
            "SELECT customer, month, tier, policy_hash, data_hash, slalang_version, as_of,"
            " recorded_at, credit_amount, currency FROM periods"
            " WHERE ? IS NULL OR customer = ? ORDER BY month, customer",
            (customer, customer)).fetchall()
    finally:
        conn.close()
    return [PeriodRow(*r) for r in rows]
