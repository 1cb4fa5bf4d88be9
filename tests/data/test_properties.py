"""Properties: the same tickets read alike from JSON Lines and from CSV (+ an events file in
any order), and the event-log fold does not depend on the order of the rows."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from slalang.data import read_tickets

T0 = dt.datetime(2026, 7, 1, tzinfo=dt.UTC)
ZONES = [dt.timezone(dt.timedelta(hours=h)) for h in (-3, 0, 1, 2)]
STATUSES = ["in_progress", "waiting_on_customer", "resolved"]


@st.composite
def tickets(draw):
    n = draw(st.integers(1, 12))  # a file without tickets is an error (test_rejections)
    out = []
    for k in range(n):
        created = T0 + dt.timedelta(minutes=draw(st.integers(0, 10_000)))
        zone = draw(st.sampled_from(ZONES))
        steps = draw(st.lists(st.integers(0, 600), max_size=5))
        events, at = [], created
        for step in steps:
            at = at + dt.timedelta(minutes=step)
            ev = {"at": at.astimezone(zone).isoformat()}
            if draw(st.booleans()):
                ev["status"] = draw(st.sampled_from(STATUSES))
            else:
                ev["priority"] = draw(st.sampled_from(["P1", "P2"]))
            events.append(ev)
        out.append({
            "id": f"X-{draw(st.integers(1, 10**6))}-{k}",
            "customer": draw(st.sampled_from(["Alfa Srl", "Beta SpA"])),
            "priority": draw(st.sampled_from(["P1", "P3", None])),
            "created_at": created.astimezone(zone).isoformat(),
            "resolved_at": at.astimezone(zone).isoformat() if events else None,
            "events": events,
            "impact": draw(st.sampled_from(["high", "low", None])),
        })
    return out


def rows(table) -> list[dict]:
    return [table.row(i) for i in range(table.n)]


@settings(max_examples=60, deadline=None)
@given(tickets(), st.randoms(use_true_random=False))
def test_jsonl_and_csv_agree(tmp_path_factory, records, rnd):
    tmp = tmp_path_factory.mktemp("p")
    (tmp / "t.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    head = ["id", "customer", "priority", "created_at", "resolved_at", "impact"]
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(head)
    for r in records:
        w.writerow(["" if r[h] is None else r[h] for h in head])
    (tmp / "t.csv").write_text(buf.getvalue())
    events = [[r["id"], e["at"], e.get("status", ""), e.get("priority", "")]
              for r in records for e in r["events"]]
    rnd.shuffle(events)  # any order: the reader sorts by ticket and instant
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["ticket_id", "at", "status", "priority"])
    w.writerows(events)
    (tmp / "e.csv").write_text(buf.getvalue())
    a = read_tickets(tmp / "t.jsonl")
    b = read_tickets(tmp / "t.csv", events=tmp / "e.csv")
    assert a.rejected == [] and b.rejected == []
    # simultaneous events may be ordered differently; compare each ticket's events as sets
    for x, y in zip(rows(a), rows(b), strict=True):
        ex, ey = x.pop("events"), y.pop("events")
        assert x == y
        key = lambda e: (e["at"], e.get("status") or "", e.get("priority") or "")  # noqa: E731
        assert sorted(ex, key=key) == sorted(ey, key=key)


MAPPING = """\
mapping: 1
shape: event_log
fields: {id: n, customer: {constant: C}, priority: p}
timestamps: {format: "%Y-%m-%d %H:%M", timezone: Europe/Rome}
event_log:
  at: t
  status: s
  first_response: {statuses: [work, done]}
  resolved_statuses: [done]
"""


def test_event_log_fold_ignores_row_order(tmp_path):
    log = [("A", "2026-03-29 01:00", "open", "P3"),   # Rome: CET until 02:00, then CEST
           ("A", "2026-03-29 03:30", "work", "P3"),
           ("B", "2026-03-30 09:00", "open", "P2"),
           ("A", "2026-03-29 04:00", "work", "P1"),
           ("A", "2026-03-29 05:00", "done", "P1"),
           ("B", "2026-03-30 10:00", "done", "P2"),
           ("A", "2026-03-30 08:00", "work", "P1"),   # reopened
           ("A", "2026-03-30 09:00", "done", "P1")]
    (tmp_path / "m.yaml").write_text(MAPPING)
    results = []
    for seed in range(5):
        shuffled = list(log)
        random.Random(seed).shuffle(shuffled)
        (tmp_path / "log.csv").write_text(
            "n,t,s,p\n" + "".join(",".join(r) + "\n" for r in shuffled))
        t = read_tickets(tmp_path / "log.csv", mapping=tmp_path / "m.yaml")
        results.append(sorted((r["id"], repr(r)) for r in rows(t)))
    assert all(r == results[0] for r in results)
    t = read_tickets(tmp_path / "log.csv", mapping=tmp_path / "m.yaml")
    a = t.row(t.index_of("A"))
    utc = dt.UTC
    assert a["priority"] == "P3"
    assert a["created_at"] == dt.datetime(2026, 3, 29, 0, 0, tzinfo=utc)
    # 03:30 CEST is 01:30 UTC: two real hours after creation across the DST change
    assert a["first_response_at"] == dt.datetime(2026, 3, 29, 1, 30, tzinfo=utc)
    assert a["resolved_at"] == dt.datetime(2026, 3, 30, 7, 0, tzinfo=utc)
    assert [(e.get("status"), e.get("priority")) for e in a["events"]] == [
        ("open", None), ("work", None), (None, "P1"), ("done", None), ("work", None),
        ("done", None)]
    b = t.row(t.index_of("B"))
    assert b["first_response_at"] == b["resolved_at"]  # resolved at once
