"""Naive local times in the hour a clock change repeats or skips are read as the rule says
(the earlier instant; the first instant after the change) and now also said: a warning with
the count and the first rows, in every form of the input. Before, nothing said so, and an
autumn-night history read an hour early turned a resolved ticket into a breach with a
credit due."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from evaluation_bytes import ROOT

from slalang.cli import main

MAPPING = """mapping: 1
shape: event_log
timestamps: {format: "%Y-%m-%d %H:%M:%S", timezone: Europe/Rome}
fields: {id: id, customer: cust, priority: prio}
event_log:
  at: at
  status: state
  first_response: {statuses: [in_progress, resolved]}
values:
  status: {New: new, Work: in_progress, Done: resolved}
  priority: {U: P1}
"""
LOG = """id,cust,prio,at,state
T2,Alfa Srl,U,2026-10-25 02:10:00,New
T2,Alfa Srl,U,2026-10-25 02:40:00,Work
T2,Alfa Srl,U,2026-10-25 02:20:00,Done
T3,Alfa Srl,U,2026-03-29 02:30:45,New
T3,Alfa Srl,U,2026-03-29 04:00:00,Done
T4,Alfa Srl,U,2026-07-01 09:00:00,New
"""


NO_FORMAT = 'timestamps: {timezone: Europe/Rome}'
# one time with its offset: pyarrow cannot read the column, each text is read in Python
MIXED = "T4,Alfa Srl,U,2026-07-01T09:00:00+02:00,New"


@pytest.mark.parametrize("form", ["export", "dataset"])
@pytest.mark.parametrize("times", ["format", "iso", "mixed"])
def test_local_times_of_a_clock_change_are_said(tmp_path, monkeypatch, form, times):
    """Also without a format (naive ISO 8601 in the mapping's zone), and in a column read
    value by value: the warning was given only where pyarrow read the times."""
    monkeypatch.chdir(tmp_path)
    mapping, log = MAPPING, LOG
    if times != "format":
        mapping = mapping.replace('timestamps: {format: "%Y-%m-%d %H:%M:%S", '
                                  'timezone: Europe/Rome}', NO_FORMAT)
    if times == "mixed":
        log = log.replace("T4,Alfa Srl,U,2026-07-01 09:00:00,New", MIXED)
    assert mapping != MAPPING or times == "format"
    assert log != LOG or times != "mixed"
    (tmp_path / "m.yaml").write_text(mapping, encoding="utf-8")
    (tmp_path / "log.csv").write_text(log, encoding="utf-8")
    given = ["--tickets", "log.csv", "--mapping", "m.yaml"]
    if form == "dataset":
        assert CliRunner().invoke(main, ["convert", *given, "--out", "ds", "-q"]).exit_code == 0
        given = ["--tickets", "ds"]
    r = CliRunner().invoke(main, ["evaluate", str(ROOT / "policies" / "reference.sla"), *given,
                                  "--period", "2026-01-01..2026-12-31", "--format", "json"])
    assert r.exit_code in (0, 1), r.output
    said = {w["code"]: w["message"] for w in json.loads(r.stdout)["warnings"]}
    assert said["ambiguous-local-times"].startswith(
        "3 local time(s) fall in the hour a clock change repeats (e.g. log.csv:2, log.csv:3, "
        "log.csv:4): each read as the earlier of its two instants")
    assert said["nonexistent-local-times"].startswith(
        "1 local time(s) fall in the hour a clock change skips (e.g. log.csv:5)")


@pytest.mark.parametrize("zone", ["Europe/Rome", "America/New_York", "Australia/Lord_Howe",
                                  "Asia/Kathmandu", "UTC"])
def test_the_times_read_again_are_those_the_whole_reading_finds(zone):
    """Only the times near a change of the zone's offset are read again: the same rows as
    reading every time three ways (Lord Howe changes by half an hour)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    from slalang.data.instants import _floor_seconds, clock_change_rows

    rng = np.random.default_rng(7)
    minutes = rng.integers(0, 3 * 366 * 24 * 60, 20_000)
    local = np.datetime64("2024-01-01T00:00") + minutes.astype("timedelta64[m]")
    text = pa.array([str(x).replace("T", " ") for x in local] + [None, "not a time"])
    naive = pc.strptime(text, format="%Y-%m-%d %H:%M", unit="s", error_is_null=True)

    def read(ambiguous: str, nonexistent: str):
        return _floor_seconds(pc.assume_timezone(naive, timezone=zone, ambiguous=ambiguous,
                                                 nonexistent=nonexistent))

    taken = read("earliest", "latest")
    ambiguous, nonexistent = clock_change_rows(text, "%Y-%m-%d %H:%M", zone)
    assert ambiguous.tolist() == np.flatnonzero(taken != read("latest", "latest")).tolist()
    assert nonexistent.tolist() == np.flatnonzero(
        taken != read("earliest", "earliest")).tolist()
    assert (len(ambiguous) > 0) == (zone not in ("UTC", "Asia/Kathmandu"))
