"""SQL sources: a mapping names a query (and the database), read with SQLAlchemy from a real
SQLite file and from a real PostgreSQL server that the test starts on loopback in a temporary
folder (initdb + pg_ctl, as the postgres user when the tests run as root). The PostgreSQL test
skips, saying why, only where the server or its driver is not installed (.ci/run installs
both)."""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import sqlite3
import subprocess
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from slalang.cli import main
from slalang.data import read_tickets
from slalang.errors import DataError

pytest.importorskip("sqlalchemy", reason="the sql extra (SQLAlchemy) is not installed")

ROOT = Path(__file__).resolve().parents[2]
POLICY = str(ROOT / "tests" / "data" / "fixtures" / "tools" / "helpdesk.sla")

TICKETS = [  # id, customer, priority, created, first response, resolved
    ("INC-1", "Alfa Srl", "1", "2026-07-01 08:00:00+00:00", "2026-07-01 08:30:00+00:00",
     "2026-07-01 10:00:00+00:00"),
    ("INC-2", "Beta SpA", "3", "2026-07-02 09:00:00+00:00", "2026-07-02 15:00:00+00:00", None),
    ("INC-3", None, "2", "2026-07-03 09:00:00+00:00", None, None),
]
CHANGES = [  # ticket, at, status
    ("INC-1", "2026-07-01 08:30:00+00:00", "working"),
    ("INC-1", "2026-07-01 10:00:00+00:00", "done"),
    ("INC-2", "2026-07-02 15:00:00+00:00", "waiting"),
    ("INC-9", "2026-07-02 15:00:00+00:00", "working"),
]
MAPPING = """
mapping: 1
shape: ticket
source:
  format: sql
  query: >
    SELECT number, client, urgency, opened, answered, solved
    FROM incident ORDER BY number
events_source:
  query: SELECT incident, changed, status FROM status_change ORDER BY incident, changed
fields: {id: number, customer: client, priority: urgency, created_at: opened,
         first_response_at: answered, resolved_at: solved}
events: {ticket_id: incident, at: changed, status: status}
values:
  priority: {"1": P1, "2": P2, "3": P3}
  status: {working: in_progress, waiting: waiting_on_customer, done: resolved}
"""


def _mapping(tmp_path: Path) -> Path:
    m = tmp_path / "m.yaml"
    m.write_text(MAPPING)
    return m


def _check(t, where: str) -> None:
    assert t.id.tolist() == ["INC-1", "INC-2"]
    assert t.customer.values().tolist() == ["Alfa Srl", "Beta SpA"]
    assert t.priority.values().tolist() == ["P1", "P3"]
    assert t.event_status.values().tolist() == ["in_progress", "resolved",
                                                "waiting_on_customer"]
    assert [(r.file, r.row, r.field) for r in t.rejected] == [
        (where, 3, "customer"), (where, 4, "ticket_id")]


def _sqlite(path: Path) -> None:
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute("CREATE TABLE incident (number TEXT, client TEXT, urgency TEXT, opened TEXT,"
                   " answered TEXT, solved TEXT)")
        db.execute("CREATE TABLE status_change (incident TEXT, changed TEXT, status TEXT)")
        db.executemany("INSERT INTO incident VALUES (?, ?, ?, ?, ?, ?)", TICKETS)
        db.executemany("INSERT INTO status_change VALUES (?, ?, ?)", CHANGES)
        db.commit()


def test_a_sqlite_file(tmp_path):
    db = tmp_path / "helpdesk.db"
    _sqlite(db)
    t = read_tickets(db, mapping=_mapping(tmp_path))
    _check(t, str(db.resolve()))
    # the same through a URL, and through the CLI
    assert read_tickets(f"sqlite:///{db}", mapping=_mapping(tmp_path)).n == 2
    r = CliRunner().invoke(main, ["evaluate", POLICY, "--tickets", str(db), "--mapping",
                                  str(_mapping(tmp_path)), "--period", "2026-07"])
    assert r.exit_code == 0, r.output
    assert "tickets 2" in r.output and "rejected 2" in r.output


def test_sql_errors_are_named(tmp_path):
    db = tmp_path / "helpdesk.db"
    _sqlite(db)
    bad = tmp_path / "bad.yaml"
    bad.write_text(MAPPING.replace("FROM incident", "FROM incidents"))
    with pytest.raises(DataError, match="the query failed: no such table: incidents"):
        read_tickets(db, mapping=bad)
    with pytest.raises(DataError, match="no such database file"):
        read_tickets(tmp_path / "none.db", mapping=_mapping(tmp_path))
    twice = tmp_path / "twice.yaml"
    twice.write_text(MAPPING.replace("SELECT number, client,", "SELECT number, number,"))
    with pytest.raises(DataError, match="the column 'number' twice"):
        read_tickets(db, mapping=twice)


# -- a real PostgreSQL server ------------------------------------------------------------------

def _postgres_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    versions = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return versions[-1] if versions else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def postgres():
    """A throwaway PostgreSQL server on 127.0.0.1, trust auth, in a temporary folder."""
    initdb, pg_ctl = _postgres_bin("initdb"), _postgres_bin("pg_ctl")
    if initdb is None or pg_ctl is None:
        pytest.skip("PostgreSQL is not installed (initdb/pg_ctl not found; .ci/run installs "
                    "the postgresql package with apt)")
    pytest.importorskip("psycopg", reason="the PostgreSQL driver psycopg is not installed")
    base = Path(tempfile.mkdtemp(prefix="slalang-pg-"))
    prefix: list[str] = []
    if os.geteuid() == 0:  # the server refuses to run as root: run it as postgres
        try:
            user = pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(base)
            pytest.skip("running as root and there is no postgres user to run the server as")
        os.chown(base, user.pw_uid, user.pw_gid)
        prefix = ["runuser", "-u", "postgres", "--"]
    data, port = base / "data", _free_port()

    def run(*args: str) -> None:
        subprocess.run([*prefix, *args], check=True, capture_output=True, timeout=120,
                       cwd=base)

    try:
        run(initdb, "-D", str(data), "-U", "slalang", "--auth=trust", "-E", "UTF8",
            "--no-locale")
        run(pg_ctl, "-D", str(data), "-l", str(base / "log"), "-w", "-t", "60",
            "-o", f"-h 127.0.0.1 -p {port} -k {base} -c fsync=off", "start")
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        shutil.rmtree(base, ignore_errors=True)
        output = getattr(exc, "stderr", b"") or b""
        pytest.fail(f"could not start PostgreSQL: {output.decode(errors='replace')[-500:]}")
    try:
        yield f"postgresql+psycopg://slalang@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*prefix, pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"],
                       capture_output=True, timeout=120, cwd=base)
        shutil.rmtree(base, ignore_errors=True)


def test_a_postgresql_server(postgres, tmp_path):
    import sqlalchemy

    engine = sqlalchemy.create_engine(postgres)
    with engine.begin() as db:
        db.execute(sqlalchemy.text(
            "CREATE TABLE incident (number TEXT, client TEXT, urgency INTEGER, "
            "opened TIMESTAMPTZ, answered TIMESTAMPTZ, solved TIMESTAMPTZ)"))
        db.execute(sqlalchemy.text(
            "CREATE TABLE status_change (incident TEXT, changed TIMESTAMPTZ, status TEXT)"))
        db.execute(sqlalchemy.text(
            "INSERT INTO incident VALUES (:a, :b, :c, :d, :e, :f)"),
            [dict(zip("abcdef", (*t[:2], int(t[2]), *t[3:]), strict=True)) for t in TICKETS])
        db.execute(sqlalchemy.text("INSERT INTO status_change VALUES (:a, :b, :c)"),
                   [dict(zip("abc", c, strict=True)) for c in CHANGES])
    engine.dispose()
    m = _mapping(tmp_path)  # aware datetimes come back as ISO 8601 with their offset
    t = read_tickets(postgres, mapping=m)
    _check(t, postgres)
    assert t.created_at[0] == 1782892800  # 2026-07-01T08:00:00Z
    r = CliRunner().invoke(main, ["evaluate", POLICY, "--tickets", postgres, "--mapping",
                                  str(m), "--period", "2026-07", "--format", "json"])
    assert r.exit_code == 0, r.output
