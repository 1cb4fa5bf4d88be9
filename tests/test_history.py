"""The SQLite evaluation history: record, replace, all-or-nothing, trend queries."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

import slalang.history as history
from slalang.errors import DataError

INPUT = Path(__file__).parent / "render" / "golden" / "report-input"
EVALUATION = INPUT / "evaluation-2026-Q3.json"


def load() -> dict:
    return json.loads(EVALUATION.read_text(encoding="utf-8"))


def dump(db: Path) -> list:
    """Every row of every table, to compare database states."""
    conn = sqlite3.connect(db)
    try:
        return [(t, sorted(conn.execute(f"SELECT * FROM {t}").fetchall(), key=repr))
                for t in ("meta", "periods", "compliance", "uptime", "credits")]
    finally:
        conn.close()


def test_record_keeps_every_customer_month(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite"
    assert history.record(db, load(), recorded_at="2026-10-01T08:00:00Z") == 9
    rows = history.periods(db, "Alfa Srl")
    assert [r.month for r in rows] == ["2026-07", "2026-08", "2026-09"]
    ev = load()
    assert rows[1].policy_hash == ev["policy_hash"] and rows[1].data_hash == ev["data_hash"]
    assert rows[1].slalang_version == "0.1.0" and rows[1].recorded_at == "2026-10-01T08:00:00Z"
    assert rows[1].credit_amount == ev["customers"][0]["months"][1]["credit"]["amount"]["amount"]


def test_trend_query_returns_the_recorded_strings(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite"
    history.record(db, load())
    ev = load()
    points = history.trend(db, "Beta SpA")
    assert len(points) == 3 * 8
    expected = {(m["month"], o["metric"], o["priority"]): o["compliance"]
                for c in ev["customers"] if c["customer"] == "Beta SpA"
                for m in c["months"] for o in m["objectives"]}
    assert {(p.month, p.metric, p.priority): p.percent for p in points} == expected
    assert {p.month for p in history.trend(db, "Beta SpA", before="2026-09")} == {
        "2026-07", "2026-08"}
    up = history.uptime_trend(db, "Gamma Snc")
    assert [(u.month, u.percent) for u in up] == [
        (m["month"], m["uptime"][0]["uptime"]) for m in ev["customers"][2]["months"]]


def test_rerecording_a_month_replaces_it(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite"
    history.record(db, load(), recorded_at="2026-10-01T08:00:00Z")
    ev = load()
    ev["data_hash"] = "b" * 64
    ev["slalang_version"] = "0.2.0"
    ev["period"]["months"] = ["2026-08"]
    for c in ev["customers"]:
        c["months"] = [m for m in c["months"] if m["month"] == "2026-08"]
    ev["customers"][0]["months"][0]["objectives"][0]["compliance"] = "12.34"
    assert history.record(db, ev, recorded_at="2026-10-02T08:00:00Z") == 3
    rows = history.periods(db, "Alfa Srl")
    assert len(rows) == 3  # still one row per month
    aug = next(r for r in rows if r.month == "2026-08")
    assert (aug.data_hash, aug.slalang_version, aug.recorded_at) == (
        "b" * 64, "0.2.0", "2026-10-02T08:00:00Z")
    jul = next(r for r in rows if r.month == "2026-07")
    assert jul.recorded_at == "2026-10-01T08:00:00Z"
    p = [t for t in history.trend(db, "Alfa Srl") if t.month == "2026-08"]
    assert len(p) == 8 and p[0].percent == "12.34"
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT COUNT(*) FROM compliance").fetchone()[0] == 9 * 8
    conn.close()


def test_a_failure_mid_write_leaves_the_database_unchanged(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "h.sqlite"
    first = load()
    first["customers"] = first["customers"][:1]
    history.record(db, first, recorded_at="2026-10-01T08:00:00Z")
    before = dump(db)
    real = history._insert_month
    calls = []

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 5:  # after replacing Alfa's months and writing one of Beta's
            raise RuntimeError("disk on fire")
        return real(*args, **kwargs)

    monkeypatch.setattr(history, "_insert_month", failing)
    ev = load()
    ev["data_hash"] = "c" * 64
    with pytest.raises(RuntimeError, match="disk on fire"):
        history.record(db, ev, recorded_at="2026-10-05T08:00:00Z")
    assert len(calls) == 5
    assert dump(db) == before


def test_malformed_evaluation_writes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite"
    history.record(db, load())
    before = dump(db)
    ev = load()
    ev["customers"][2]["months"][1]["credit"]["percent"] = "ten"
    with pytest.raises(DataError, match="credit.percent"):
        history.record(db, ev)
    assert dump(db) == before


def test_not_a_history_database(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no such history database"):
        history.trend(tmp_path / "missing.sqlite", "Alfa Srl")
    junk = tmp_path / "junk.sqlite"
    junk.write_text("this is not sqlite", encoding="utf-8")
    with pytest.raises(DataError, match="not a slalang history database"):
        history.trend(junk, "Alfa Srl")


def test_record_into_a_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="cannot create the history database"):
        history.record(tmp_path / "nowhere" / "h.sqlite", load())


def test_a_history_that_cannot_be_created_says_so(tmp_path, monkeypatch):
    """`--record` in a read-only folder said the (absent) file was "not a slalang history
    database (unable to open database file)"."""
    def unable(*args, **kwargs):
        raise sqlite3.OperationalError("unable to open database file")

    monkeypatch.setattr(history.sqlite3, "connect", unable)
    with pytest.raises(DataError) as caught:
        history.connect(tmp_path / "h.db", create=True)
    assert str(caught.value) == (
        f"{tmp_path / 'h.db'}: cannot create the history database (unable to open database "
        "file): check that its folder can be written")
    (tmp_path / "h.db").write_bytes(b"")
    with pytest.raises(DataError, match="cannot open the history database"):
        history.connect(tmp_path / "h.db")
