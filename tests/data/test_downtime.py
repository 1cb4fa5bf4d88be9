"""Downtime records: CSV and JSONL, with the same rejection rules as tickets."""

from __future__ import annotations

import gzip
import json

import pytest

from slalang.data import DowntimeRecord, Rejection, read_downtime
from slalang.errors import DataError

HEADER = "customer,service,start,end,kind,note\n"
ROW = "Alfa Srl,email,2026-08-04T10:10:00+02:00,2026-08-04T11:00:00+02:00,unplanned,failover\n"


def test_csv_and_gzip(tmp_path):
    (tmp_path / "d.csv").write_text(HEADER + ROW)
    (tmp_path / "d.csv.gz").write_bytes(gzip.compress((HEADER + ROW).encode()))
    for name in ("d.csv", "d.csv.gz"):
        d = read_downtime(tmp_path / name)
        assert d.records == (DowntimeRecord("Alfa Srl", "email", 1785831000, 1785834000,
                                            "unplanned", "failover", 2),)
        assert d.start.tolist() == [1785831000] and d.end.tolist() == [1785834000]
        assert d.rejected == () and len(d.data_hash) == 64


def test_jsonl(tmp_path):
    rec = {"customer": "Beta SpA", "service": "email", "start": "2026-09-12T20:00:00Z",
           "end": "2026-09-12T21:00:00Z", "kind": "planned"}
    (tmp_path / "d.jsonl").write_text(json.dumps(rec) + "\n\n" + "{oops\n")
    d = read_downtime(tmp_path / "d.jsonl")
    assert [(r.customer, r.seconds, r.note, r.row) for r in d] == [("Beta SpA", 3600, None, 1)]
    assert [(r.row, r.reason.split(":")[0]) for r in d.rejected] == [(3, "invalid JSON")]


def test_rejections_and_max_errors(tmp_path):
    (tmp_path / "d.csv").write_text(
        HEADER + ROW
        + "Alfa Srl,email,2026-08-04T10:10:00,2026-08-04T11:00:00+02:00,unplanned,\n"
        + "Alfa Srl,email,2026-08-04T10:10:00+02:00,2026-08-04T09:00:00+02:00,unplanned,\n"
        + "Alfa Srl,email,2026-08-04T10:10:00+02:00,2026-08-04T11:00:00+02:00,,\n"
        + ",email,2026-08-04T10:10:00+02:00,tomorrow,unplanned,\n")
    f = str(tmp_path / "d.csv")
    d = read_downtime(f)
    assert len(d) == 1
    assert [(r.row, r.field) for r in d.rejected] == [
        (3, "start"), (4, "end"), (5, "kind"), (6, "customer")]
    assert d.rejected[1] == Rejection(f, 4, "end", "downtime ends before it starts")
    assert "naive timestamp" in d.rejected[0].reason
    with pytest.raises(DataError, match=r"d.csv:3: 4 row\(s\) rejected, more than the 3 "
                                        r"allowed; the first: naive timestamp"):
        read_downtime(f, max_errors=3)


def test_missing_column(tmp_path):
    (tmp_path / "d.csv").write_text("customer,service,start,end\n"
                                    "Alfa Srl,email,2026-08-04T10:10Z,2026-08-04T11:00Z\n")
    with pytest.raises(DataError, match=r"d.csv:1: missing column 'kind'"):
        read_downtime(tmp_path / "d.csv")
