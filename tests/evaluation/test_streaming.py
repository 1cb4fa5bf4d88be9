"""The chunked evaluation equals the in-memory one: every count, rejection, hash, JSON byte and
verdict CSV row, whatever the chunk size."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pytest
from click.testing import CliRunner
from evaluation_bytes import output_bytes
from example_csv import example_as_csv
from export_strategies import rich_exports, small_exports
from hypothesis import given, settings
from hypothesis import strategies as st
from shared_folder import needs, shared_path

from slalang.cli import main
from slalang.data import read_downtime, read_tickets
from slalang.data.ids import IdIndex
from slalang.data.stream import HashedIds, NotStreamable, NumberedIds, stream_refusal
from slalang.errors import DataError
from slalang.evaluation.evaluate import evaluate
from slalang.evaluation.kernel import add_counts
from slalang.evaluation.output.summary import evaluation_to_text
from slalang.evaluation.streaming import evaluate_chunked
from slalang.language import load_policy
from slalang.plan import compile_plan
from slalang.roster import roster_for

ROOT = Path(__file__).resolve().parents[2]
BENCH300 = Path(__file__).parent / "fixtures" / "bench300"
EXAMPLE = ROOT / "examples" / "reference"
AS_OF = "2030-01-01T00:00:00+00:00"


def _plan(name: str):
    return compile_plan(load_policy(ROOT / "policies" / name))


def _outputs(ev, verdicts: bytes | None = None) -> tuple[bytes, bytes, tuple]:
    return (*output_bytes(ev, verdicts), (tuple(ev.rejected), tuple(ev.invalid),
                                          evaluation_to_text(ev)))


def assert_same(plan, tickets, events, *, chunks, downtime=None, roster=None, period=None,
                as_of=None, tmp_path=None):
    """In memory vs chunked at each chunk size: the same JSON, CSV and rejections."""
    down = read_downtime(downtime) if downtime else None
    try:
        ev = evaluate(plan, read_tickets(tickets, events), down, roster, as_of=as_of,
                      period=period)
    except DataError as exc:  # the chunked path refuses the input with the same words
        for rows in chunks:
            with pytest.raises(DataError) as got:
                evaluate_chunked(plan, tickets, events, down, roster, as_of=as_of,
                                 period=period, chunk_rows=rows, workdir=tmp_path)
            assert str(got.value) == str(exc), rows
        return None
    want = _outputs(ev)
    for rows in chunks:
        buf = io.BytesIO()
        got, written = evaluate_chunked(plan, tickets, events, down, roster, as_of=as_of,
                                        period=period, chunk_rows=rows, verdicts=buf,
                                        workdir=tmp_path)
        doc, verdicts, rejected = _outputs(got, buf.getvalue())
        assert rejected == want[2], rows
        assert verdicts == want[1], rows
        assert doc == want[0], rows
        assert written == want[1].count(b"\n") - 1
        assert (got.data_hash, got.period, got.as_of) == (ev.data_hash, ev.period, ev.as_of)
        # without a verdict CSV, a default period is guessed, then checked (split reader)
        quiet = evaluate_chunked(plan, tickets, events, down, roster, as_of=as_of,
                                 period=period, chunk_rows=rows, workdir=tmp_path)[0]
        doc, _, rejected = _outputs(quiet, b"")
        assert (doc, rejected) == (want[0], want[2]), rows
        assert (quiet.period, quiet.as_of) == (ev.period, ev.as_of)
    return ev


@pytest.mark.parametrize("rows", [1, 7, 64, 300, 10_000])
def test_bench_sample_any_chunk_size(rows, tmp_path):
    plan = _plan("bench.sla")
    from slalang.evaluation.periods import parse_instant

    ev = assert_same(plan, BENCH300 / "tickets.csv", BENCH300 / "events.csv", chunks=[rows],
                     as_of=parse_instant(AS_OF), tmp_path=tmp_path)
    assert int(ev.agg.g_counts[:, 0].sum()) == 300
    assert not list(tmp_path.iterdir())  # temporary files are removed


@pytest.mark.skipif(not (EXAMPLE / "tickets.jsonl").exists(), reason="no bundled example")
def test_bundled_example(tmp_path):
    tickets, events = example_as_csv(tmp_path)
    plan = _plan("reference.sla")
    roster = roster_for(plan.policy)
    work = tmp_path / "work"
    work.mkdir()
    ev = assert_same(plan, tickets, events, chunks=[1, 5, 40, 1000],
                     downtime=EXAMPLE / "downtime.csv", roster=roster, period="2026-Q3",
                     tmp_path=work)
    assert (ev.objectives_missed, ev.credits_due) == (2, 4)


MESSY_TICKETS = """\
id,customer,tier,priority,created_at,first_response_at,resolved_at,note
T1,C1,Gold,P1,2026-07-01T09:00:00+02:00,2026-07-01T09:10:00+02:00,2026-07-01T12:00:00+02:00,a
T2,C2,Silver,P2,2026-07-02T09:00:00+02:00,,,"quoted, comma"
T3,,Gold,P1,2026-07-02T10:00:00+02:00,,,
T1,C1,Gold,P1,2026-07-03T09:00:00+02:00,,,repeated id
T4,C3,Platinum,P1,2026-08-03T09:00:00+02:00,,,unknown tier
T5,C1,Gold,P9,2026-08-04T09:00:00+02:00,,,unknown priority
T6,C2,Bronze,P3,2026-08-05T09:00:00+02:00,2026-08-04T09:00:00+02:00,,response first
T7,C4,Gold,P2,2026-06-30T09:00:00+02:00,2026-07-01T09:00:00+02:00,,
T2,C9,Gold,P1,2026-08-06T09:00:00+02:00,,,repeated again
,C1,Gold,P1,2026-08-06T09:00:00+02:00,,,no id
T8,C3,Bronze,P4,2026-08-07T09:00:00+02:00,2026-08-07T10:00:00+02:00,,
"""

MESSY_EVENTS = """\
ticket_id,at,status
T8,2026-08-07T11:00:00+02:00,waiting_on_customer
T1,2026-07-01T09:30:00+02:00,waiting_on_customer
T1,2026-07-01T10:30:00+02:00,in_progress
T9,2026-07-01T10:30:00+02:00,in_progress
T2,,in_progress
T2,2026-07-02T11:00:00+02:00,
,2026-07-02T11:00:00+02:00,in_progress
T8,2026-08-08T09:00:00+02:00,in_progress
T2,2026-07-02T09:30:00+02:00,waiting_on_vendor
"""


def _messy(tmp_path: Path, created_t2: str | None = None) -> tuple[Path, Path]:
    tickets, events = tmp_path / "tickets.csv", tmp_path / "events.csv"
    text = MESSY_TICKETS
    if created_t2 is not None:
        text = text.replace("T2,C2,Silver,P2,2026-07-02T09:00:00+02:00",
                            f"T2,C2,Silver,P2,{created_t2}")
    tickets.write_text(text, encoding="utf-8")
    events.write_text(MESSY_EVENTS, encoding="utf-8")
    return tickets, events


def test_rejections_across_chunks(tmp_path):
    """Repeated ids in other chunks, unknown tickets, missing fields, unsorted events: refused
    with the in-memory reader's reasons, in its order."""
    tickets, events = _messy(tmp_path)
    plan = _plan("bench.sla")
    ev = assert_same(plan, tickets, events, chunks=[1, 2, 3, 100])
    reasons = [r.reason for r in ev.rejected]
    assert "duplicate ticket id 'T1' (first seen on row 2)" in reasons
    assert "duplicate ticket id 'T2' (first seen on row 3)" in reasons
    assert "event for unknown ticket 'T9'" in reasons


def test_an_unreadable_instant_is_reported_per_row(tmp_path):
    # the typed reader refuses the column; like read_tickets, the chunks read it as text
    tickets, events = _messy(tmp_path, created_t2="yesterday")
    ev = assert_same(_plan("bench.sla"), tickets, events, chunks=[2, 100])
    assert any("bad timestamp 'yesterday'" in r.reason for r in ev.rejected)


def test_max_errors_as_in_memory(tmp_path):
    tickets, events = _messy(tmp_path)
    plan = _plan("bench.sla")
    with pytest.raises(DataError) as want:
        read_tickets(tickets, events, max_errors=2)
    with pytest.raises(DataError) as got:
        evaluate_chunked(plan, tickets, events, None, None, chunk_rows=2, max_errors=2)
    # the chunked engine stops before its last pass: its count is a floor (here the same
    # rows, as no ticket has an event before its creation), the row the same
    assert str(got.value) == str(want.value).replace(
        " 9 row(s)", " at least 9 row(s)").replace("the first:", "one of them:")


def test_every_row_rejected_is_an_error_in_both_paths(tmp_path):
    # issue 8: a run whose every ticket row was rejected exited 0 ("tickets 0 ... rejected")
    tickets = tmp_path / "t.csv"
    tickets.write_text("id,customer,created_at\nT1,C1,\nT2,,x\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"every ticket row was rejected \(2 read, 2 rejected\)"):
        evaluate_chunked(_plan("bench.sla"), tickets, None, None, None, chunk_rows=5)
    assert assert_same(_plan("bench.sla"), tickets, None, chunks=[1, 5],
                       period="2026-07") is None


@pytest.mark.parametrize(("text", "why"), [("", "the file is empty"),
                                           ("\ufeff\n", "the file is empty"),
                                           ("id,customer,created_at\n", "only a header row")])
def test_a_file_without_tickets_is_an_error_in_both_paths(tmp_path, text, why):
    tickets = tmp_path / "t.csv"
    tickets.write_text(text, encoding="utf-8")
    with pytest.raises(DataError, match=f"^no tickets in {tickets}: {why}$"):
        read_tickets(tickets)
    assert assert_same(_plan("bench.sla"), tickets, None, chunks=[1, 5],
                       period="2026-07") is None


def test_what_cannot_be_chunked():
    assert stream_refusal("t.csv", None, "m.yaml") == "a mapping reads the export whole"
    assert stream_refusal("t.csv.gz", "e.csv", None) is None
    assert issubclass(NotStreamable, Exception)


def test_counts_add_labels_not_codes():
    """Two chunks that code the same customers differently add up by name."""
    import numpy as np

    from slalang.evaluation.compliance import Aggregate

    cells = np.zeros((1, 2, 4, 5), dtype=np.int64)
    cells[0, 0, 0, 0] = 1
    a = Aggregate(("", "A", "B"), ("", "Gold"), ("response", "resolution"),
                  ("P1", "P2", "P3", "P4"), np.array([2]), np.array([1]), np.array([0]),
                  np.array([[1, 0, 0, 0]]), cells)
    b = Aggregate(("", "B"), ("", "Gold"), a.metrics, a.priorities, np.array([1]),
                  np.array([1]), np.array([0]), np.array([[1, 0, 0, 0]]), cells)
    agg = add_counts([a, b], (("C", "Gold", 1),), 2)
    assert agg.customers == ("", "A", "B", "C")
    keys = [agg.key(g) for g in range(len(agg))]
    assert [(k.bucket, k.customer, k.tier) for k in keys] == [(0, "B", "Gold"), (1, "C", "Gold")]
    assert agg.g_counts[:, 0].tolist() == [2, 0]
    assert int(agg.cells[0, 0, 0, 0]) == 2


def _invoke(*args: str):
    return CliRunner().invoke(main, ["evaluate", *args])


def test_cli_chunked_csv_equals_in_memory(tmp_path):
    base = [str(ROOT / "policies" / "bench.sla"), "--tickets", str(BENCH300 / "tickets.csv"),
            "--events", str(BENCH300 / "events.csv"), "--as-of", AS_OF]
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    r1 = _invoke(*base, "--in-memory", "--csv", str(a), "--stamp", f"{a}.stamp.json",
                 "--format", "json")
    r2 = _invoke(*base, "--chunk-rows", "50", "--csv", str(b), "--stamp", f"{b}.stamp.json",
                 "--format", "json")
    assert r1.exit_code == 0 and r2.exit_code == 0, r1.output + r2.output
    assert r1.output == r2.output
    assert a.read_bytes() == b.read_bytes()
    assert (Path(f"{a}.stamp.json").read_text() == Path(f"{b}.stamp.json").read_text())
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "a.csv", "a.csv.stamp.json", "b.csv", "b.csv.stamp.json"]
    t1, t2 = _invoke(*base, "--in-memory"), _invoke(*base, "--chunk-rows", "64")
    assert t1.exit_code == t2.exit_code == 0
    assert t1.output == t2.output  # the text summary


def test_cli_options_exclude_each_other():
    r = _invoke(str(ROOT / "policies" / "bench.sla"), "--tickets",
                str(BENCH300 / "tickets.csv"), "--chunk-rows", "5", "--in-memory")
    assert r.exit_code == 2
    assert "exclude each other" in r.output


@pytest.mark.skipif(not (EXAMPLE / "tickets.jsonl").exists(), reason="no bundled example")
def test_cli_jsonl_falls_back_with_a_note():
    r = CliRunner().invoke(main, [
        "evaluate", str(ROOT / "policies" / "reference.sla"),
        "--tickets", str(EXAMPLE / "tickets.jsonl"), "--period", "2026-Q3",
        "--format", "json", "--chunk-rows", "10"])
    assert r.exit_code == 0, r.output
    assert "note: evaluating in memory: JSON Lines tickets are read whole" in r.stderr
    assert json.loads(r.stdout)["counts"]["tickets"] > 0


def _shared_bench() -> Path | None:
    found = shared_path("bench", "gen_tickets.py")
    return found.parent if found else None


@pytest.mark.skipif(_shared_bench() is None, reason=needs("bench", "gen_tickets.py"))
def test_bench_10k_small_chunks(tmp_path):
    subprocess.run([sys.executable, str(_shared_bench() / "gen_tickets.py"), "--sizes", "10k"],
                   check=True, cwd=tmp_path, capture_output=True,
                   env={**os.environ, "BENCH_DATA": str(tmp_path)})
    from slalang.evaluation.periods import parse_instant

    work = tmp_path / "work"
    work.mkdir()
    ev = assert_same(_plan("bench.sla"), tmp_path / "tickets_10k.csv",
                     tmp_path / "events_10k.csv", chunks=[777], as_of=parse_instant(AS_OF),
                     tmp_path=work)
    assert int(ev.agg.g_counts[:, 0].sum()) == 10_000


_ID = st.one_of(st.none(), st.sampled_from(["", "T1", "T01", "T001", "T2", "T10", "T", "U3",
                                             "T-4", "a\x00", "é"]),
                st.integers(0, 40).map(lambda k: f"T{k}"),
                st.integers(0, 40).map(lambda k: f"T{k:04d}"))


@settings(max_examples=150, deadline=None)
@given(ids=st.lists(_ID, max_size=40), query=st.lists(_ID, max_size=20))
def test_hashed_ids_answer_as_id_index(ids, query):
    """The chunked reader's id index (number table or hashes) agrees with IdIndex."""
    column = pa.array(ids, pa.string())
    want = IdIndex(column)
    q = pa.array(query, pa.string())
    half = len(ids) // 2
    numbered = NumberedIds.build([column[:half], column[half:]])
    for index in (HashedIds(column), numbered):
        if index is None:  # not all ids are prefix + number
            assert None in ids or any(not (x or "").startswith("T") or not x[1:].isdigit()
                                      for x in ids) or len({int(x[1:]) for x in ids}) < len(
                set(ids)) or not ids
            continue
        assert index.first_occurrence().tolist() == want.first_occurrence().tolist()
        assert index.lookup(q).tolist() == want.lookup(q).tolist()
        if isinstance(index, NumberedIds):  # ids in increasing order skip the first rows
            first = want.first_occurrence().tolist()
            again = [i for i, f in enumerate(first) if 0 <= f != i]
            rows, firsts = index.repeated()
            assert (rows.tolist(), firsts.tolist()) == (again, [first[i] for i in again])


@settings(max_examples=150, deadline=None)
@given(ids=st.lists(_ID, max_size=40), query=st.lists(_ID, max_size=20),
       cuts=st.lists(st.integers(0, 40), max_size=3))
def test_a_numbered_index_made_as_files_answers_as_one_in_memory(ids, query, cuts):
    """The split reader makes its index as files in the scratch folder, piece by piece (one
    piece a segment): the same answers as in memory and as IdIndex, before and after it is
    shipped, and shipping it writes nothing again."""
    import tempfile

    from slalang.data.stream import id_numbers

    column = pa.array(ids, pa.string())
    bounds = sorted({0, len(ids), *(min(c, len(ids)) for c in cuts)})
    parsed = [id_numbers(column[a:b]) for a, b in zip(bounds, bounds[1:], strict=False)
              if b > a]
    if not parsed or None in parsed or len({p[2] for p in parsed}) != 1:
        return
    prefix = parsed[0][2]
    memory = NumberedIds.from_numbers(prefix, [p[0] for p in parsed], [p[1] for p in parsed])
    with tempfile.TemporaryDirectory() as tmp:
        made = NumberedIds.from_numbers(prefix, [p[0] for p in parsed],
                                        [p[1] for p in parsed], tmp)
        assert (made is None) == (memory is None)
        if made is None:
            return
        import numpy as np

        real_save, np.save = np.save, None  # made there: saving it must write nothing
        try:
            files = made.save(tmp)
        finally:
            np.save = real_save
        assert all(os.path.dirname(f) == tmp for f in files[2:])
        shipped = NumberedIds.load(files)
        q = pa.array(query, pa.string())
        for index in (made, shipped):
            assert index.lookup(q).tolist() == memory.lookup(q).tolist()
        want = IdIndex(column).first_occurrence().tolist()
        assert made.first_occurrence().tolist() == memory.first_occurrence().tolist() == want
        assert [a.tolist() for a in made.repeated()] == [a.tolist() for a in memory.repeated()]


def test_hashed_ids_survive_a_collision(monkeypatch):
    import numpy as np

    from slalang.data import stream

    monkeypatch.setattr(stream, "_hash_strings", lambda arr: np.zeros(len(arr), np.uint64))
    index = HashedIds(pa.array(["x", "y", "x", None]))
    assert index.first_occurrence().tolist() == [0, 1, 0, -1]
    assert index.lookup(pa.array(["y", "z", "x"])).tolist() == [1, -1, 0]


def test_gzip_and_byte_order_mark(tmp_path):
    import gzip

    tickets = tmp_path / "tickets.csv.gz"
    tickets.write_bytes(gzip.compress((BENCH300 / "tickets.csv").read_bytes()))
    events = tmp_path / "events.csv"
    events.write_bytes(b"\xef\xbb\xbf" + (BENCH300 / "events.csv").read_bytes())
    work = tmp_path / "work"
    work.mkdir()
    assert_same(_plan("bench.sla"), tickets, events, chunks=[50], tmp_path=work)


def test_malformed_csv_row_is_read_in_memory(tmp_path):
    # the in-memory reader rejects the malformed row alone; the chunked one hands over to it
    tickets, events = _messy(tmp_path)
    tickets.write_text(MESSY_TICKETS + "T9,C1,Gold\n", encoding="utf-8")
    table = read_tickets(tickets, events)
    assert [(r.row, r.reason) for r in table.rejected if r.file == str(tickets)][-1] == (
        13, "malformed CSV row: 3 field(s) where the header has 8")
    with pytest.raises(NotStreamable, match="row 13 of .* is malformed"):
        evaluate_chunked(_plan("bench.sla"), tickets, events, None, None, chunk_rows=3)


@settings(max_examples=40, deadline=None)
@given(export=small_exports())
def test_any_small_export_any_chunk_size(export, tmp_path_factory):
    tickets_text, events_text, rows = export
    folder = tmp_path_factory.mktemp("export")
    tickets, events = folder / "tickets.csv", folder / "events.csv"
    tickets.write_text(tickets_text, encoding="utf-8")
    events.write_text(events_text, encoding="utf-8")
    assert_same(_plan("bench.sla"), tickets, events, chunks=[rows], period="2026-Q3")


@settings(max_examples=30, deadline=None)
@given(export=rich_exports(), segment=st.integers(40, 600), downtime=st.booleans(),
       zipped=st.booleans(), period=st.sampled_from(["2026-07", "2026-Q3", None]))
def test_any_export_of_the_reference_policy_in_chunks(export, segment, downtime, zipped,
                                                       period, tmp_path_factory):
    """The reference policy's pauses, exclusions, priority changes, uptime and credits,
    with its roster and the example downtime: the chunked engine (the split reader on
    ranges of a few rows, or the sequential reader on gzip) gives the in-memory bytes."""
    import gzip

    from slalang.data import split
    from slalang.roster import roster_for

    tickets_text, events_text, rows = export
    folder = tmp_path_factory.mktemp("export")
    tickets, events = folder / "t.csv", folder / "e.csv"
    tickets.write_text(tickets_text, encoding="utf-8")
    events.write_text(events_text, encoding="utf-8")
    if zipped:
        for path in (tickets, events):
            path.with_suffix(".csv.gz").write_bytes(gzip.compress(path.read_bytes()))
        tickets, events = tickets.with_suffix(".csv.gz"), events.with_suffix(".csv.gz")
    plan = _plan("reference.sla")
    was = split.SEGMENT_BYTES, split.EVENT_RANGE_BYTES
    split.SEGMENT_BYTES = split.EVENT_RANGE_BYTES = segment
    try:
        assert_same(plan, tickets, events, chunks=[rows], roster=roster_for(plan.policy),
                    downtime=ROOT / "examples" / "reference" / "downtime.csv"
                    if downtime else None, period=period)
    finally:
        split.SEGMENT_BYTES, split.EVENT_RANGE_BYTES = was


# -- input robustness: the same rejections and outputs in chunks ---------------------------

BROKEN = ROOT / "tests" / "evaluation" / "fixtures" / "explain"
INPUT = ROOT / "tests" / "evaluation" / "fixtures" / "input"


def test_rejected_invalid_and_downtime_rejections_in_chunks(tmp_path):
    plan = _plan("reference.sla")
    ev = assert_same(plan, BROKEN / "broken.csv", BROKEN / "broken-events.csv",
                     downtime=INPUT / "downtime.csv", roster=roster_for(plan.policy),
                     chunks=[1, 2, 3, 100], period="2026-07", tmp_path=tmp_path)
    assert [r.field for r in ev.rejected][-3:] == ["customer", "service", "end"]
    assert len(ev.invalid) == 2


@pytest.mark.parametrize("period", [None, "2026-07"])
def test_events_before_creation_in_chunks(tmp_path, period):
    tickets, events = tmp_path / "t.csv", tmp_path / "e.csv"
    # T1 (the earliest) and T4 (the latest) have an event before creation: without a period,
    # the months are those of T2 and T3 only, as in memory
    tickets.write_text("id,customer,tier,priority,created_at\n"
                       "T1,C1,Gold,P1,2026-06-20T09:00:00+02:00\n"
                       "T2,C1,Gold,P1,2026-07-02T09:00:00+02:00\n"
                       "T3,C2,Silver,P2,2026-07-03T09:00:00+02:00\n"
                       "T4,C2,Silver,P2,2026-08-20T09:00:00+02:00\n", encoding="utf-8")
    events.write_text("ticket_id,at,status\n"
                      "T4,2026-08-19T09:00:00+02:00,waiting_on_customer\n"
                      "T2,2026-07-02T10:00:00+02:00,waiting_on_customer\n"
                      "T1,2026-06-19T09:00:00+02:00,waiting_on_customer\n"
                      "T3,2026-07-03T09:00:00+02:00,in_progress\n", encoding="utf-8")
    ev = assert_same(_plan("bench.sla"), tickets, events, chunks=[1, 2, 3, 10],
                     period=period, tmp_path=tmp_path)
    assert [(r.row, r.field) for r in ev.rejected] == [(2, "events"), (5, "events")]
    assert ev.period.label == "2026-07"


def test_not_utf8_in_chunks_names_the_same_row(tmp_path):
    tickets, events = tmp_path / "t.csv", tmp_path / "e.csv"
    tickets.write_bytes(b"id,customer,tier,priority,created_at\n"
                        b"T1,C1,Gold,P1,2026-07-02T09:00:00+02:00\n"
                        b"T2,Caf\xe9,Gold,P1,2026-07-02T09:00:00+02:00\n")
    events.write_bytes(b"ticket_id,at,status\n")
    assert assert_same(_plan("bench.sla"), tickets, events, chunks=[1, 5],
                       period="2026-07", tmp_path=tmp_path) is None
    tickets.write_bytes(b"id,customer,tier,priority,created_at\n"
                        b"T1,C1,Gold,P1,2026-07-02T09:00:00+02:00\n")
    events.write_bytes(b"ticket_id,at,status\nT1,2026-07-02T10:00:00+02:00,r\xe9solu\n")
    assert assert_same(_plan("bench.sla"), tickets, events, chunks=[1, 5],
                       period="2026-07", tmp_path=tmp_path) is None


def test_chunks_in_worker_processes_give_the_same_bytes(tmp_path):
    """Two worker processes, results merged in chunk order: the JSON and CSV of one."""
    from slalang.evaluation.periods import parse_instant

    plan = _plan("bench.sla")
    tickets, events = BENCH300 / "tickets.csv", BENCH300 / "events.csv"
    as_of = parse_instant(AS_OF)
    want = _outputs(evaluate(plan, read_tickets(tickets, events), None, None, as_of=as_of))
    buf, seen = io.BytesIO(), []
    got, written = evaluate_chunked(plan, tickets, events, None, None, as_of=as_of,
                                    chunk_rows=40, verdicts=buf, workers=2,
                                    progress=lambda *a: seen.append(a))
    assert _outputs(got, buf.getvalue()) == want
    assert written == 600  # a row per ticket and metric
    assert ("evaluate", 8, 8) in seen and ("read", 300, 300) in seen


# -- the split reader: byte ranges parsed by the workers -------------------------------------

@pytest.fixture
def small_ranges(monkeypatch):
    """Ranges of a few rows, so that the small fixtures are cut into many segments and
    event ranges, and a chunk spans several segments."""
    from slalang.data import split

    monkeypatch.setattr(split, "SEGMENT_BYTES", 300)
    monkeypatch.setattr(split, "EVENT_RANGE_BYTES", 200)


def _sequential_refused(monkeypatch):
    """Make sure the split reader, not the sequential one, reads the files."""
    from slalang.evaluation import streaming

    def refuse(*args):
        raise AssertionError("the sequential reader ran")

    monkeypatch.setattr(streaming, "_run", refuse)


@pytest.mark.parametrize("rows", [1, 7, 64, 1000])
def test_split_reader_small_ranges_same_bytes(rows, tmp_path, small_ranges, monkeypatch):
    from slalang.evaluation.periods import parse_instant

    _sequential_refused(monkeypatch)
    assert_same(_plan("bench.sla"), BENCH300 / "tickets.csv", BENCH300 / "events.csv",
                chunks=[rows], as_of=parse_instant(AS_OF), tmp_path=tmp_path)
    assert not list(tmp_path.iterdir())  # the segments and event files are removed


def test_split_reader_rejections_across_ranges(tmp_path, small_ranges, monkeypatch):
    """Rows numbered in their range are renumbered in the file: the rejections name the
    in-memory reader's rows, duplicates across segments included."""
    _sequential_refused(monkeypatch)
    tickets, events = _messy(tmp_path)
    ev = assert_same(_plan("bench.sla"), tickets, events, chunks=[1, 2, 3, 100])
    assert "duplicate ticket id 'T2' (first seen on row 3)" in [r.reason for r in ev.rejected]
    tickets, events = _messy(tmp_path, created_t2="yesterday")  # instants re-read as text
    assert_same(_plan("bench.sla"), tickets, events, chunks=[2, 100])
    for period in (None, "2026-07"):
        test_events_before_creation_in_chunks(tmp_path, period)


def test_split_reader_in_worker_processes(tmp_path, small_ranges, monkeypatch):
    """Two workers parse the ranges, place the events with the index shipped as files, and
    evaluate: the bytes of one process in memory."""
    from slalang.evaluation.periods import parse_instant

    _sequential_refused(monkeypatch)
    plan = _plan("bench.sla")
    tickets, events = BENCH300 / "tickets.csv", BENCH300 / "events.csv"
    as_of = parse_instant(AS_OF)
    want = _outputs(evaluate(plan, read_tickets(tickets, events), None, None, as_of=as_of))
    buf, seen = io.BytesIO(), []
    got, _ = evaluate_chunked(plan, tickets, events, None, None, as_of=as_of, chunk_rows=40,
                              verdicts=buf, workers=2, progress=lambda *a: seen.append(a))
    assert _outputs(got, buf.getvalue()) == want
    assert ("evaluate", 8, 8) in seen and ("read", 300, 300) in seen


def test_a_quoted_line_break_is_read_by_the_sequential_reader(tmp_path, small_ranges):
    """A cut after a line break inside quotes would split a row in two: the split reader
    refuses such a file and the sequential reader reads it, with the same answer."""
    from slalang.data.split import NoSplit, layout, read_range

    tickets, events = _messy(tmp_path)
    text = MESSY_TICKETS.replace('"quoted, comma"', '"quoted,\nline break"')
    tickets.write_text(text * 1, encoding="utf-8")
    cut = layout(tickets, 100)
    assert all(text.encode()[a - 1:a] == b"\n" for a, _ in cut.ranges)
    with pytest.raises(NoSplit):
        for a, b in cut.ranges:
            read_range(str(tickets), a, b, cut.names, {})
    assert_same(_plan("bench.sla"), tickets, events, chunks=[2, 100])


def test_an_event_outside_the_years_is_refused_with_its_row(tmp_path):
    """An event dated 2526 was dropped without a word in chunks: only the chunk's assembly
    refused it, where the events file was unknown and the rejection not kept. Both chunked
    readers (split, and sequential for a gzip file) now refuse it as the in-memory one."""
    import gzip

    tickets, events = _messy(tmp_path)
    events.write_text(MESSY_EVENTS + "T8,2526-08-08T09:00:00+02:00,in_progress\n",
                      encoding="utf-8")
    ev = assert_same(_plan("bench.sla"), tickets, events, chunks=[2, 100])
    assert (str(events), 11, "at") in [(r.file, r.row, r.field) for r in ev.rejected]
    zipped = tmp_path / "events.csv.gz"
    zipped.write_bytes(gzip.compress(events.read_bytes()))
    assert_same(_plan("bench.sla"), tickets, zipped, chunks=[2, 100])


@settings(max_examples=40, deadline=None)
@given(export=small_exports(), segment=st.integers(40, 400))
def test_any_small_export_any_ranges(export, segment, tmp_path_factory):
    """Repeated ids across segments, rows refused in one segment and repeated in another:
    the split reader's rejections are the in-memory reader's."""
    from slalang.data import split

    tickets_text, events_text, rows = export
    folder = tmp_path_factory.mktemp("export")
    tickets, events = folder / "tickets.csv", folder / "events.csv"
    tickets.write_text(tickets_text, encoding="utf-8")
    events.write_text(events_text, encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(split, "SEGMENT_BYTES", segment)
        patch.setattr(split, "EVENT_RANGE_BYTES", segment // 2)
        _sequential_refused(patch)
        for period in ("2026-Q3", None):
            assert_same(_plan("bench.sla"), tickets, events, chunks=[rows], period=period)


def test_the_default_period_is_guessed_then_checked(tmp_path, monkeypatch):
    """Without a period or a verdict CSV, the split reader takes the default period from
    the tickets its segments keep and evaluates the chunks once (no pass re-reading every
    chunk for it); when repeated ids or events before creation leave a month without a
    ticket kept, the chunks are evaluated again with the period the kept tickets span."""
    from slalang.data import split
    from slalang.evaluation import streaming

    evaluated: list[int] = []
    real = streaming.evaluate_chunk

    def spy(*args):
        evaluated.append(1)
        return real(*args)

    def refuse(*args):
        raise AssertionError("the default period was found by reading every chunk again")

    monkeypatch.setattr(streaming, "evaluate_chunk", spy)
    monkeypatch.setattr(split, "chunk_span", refuse)
    plan = _plan("bench.sla")
    ev = evaluate_chunked(plan, BENCH300 / "tickets.csv", BENCH300 / "events.csv", None,
                          None, chunk_rows=100, workers=1, workdir=tmp_path)[0]
    assert len(evaluated) == 3
    memory = evaluate(plan, read_tickets(BENCH300 / "tickets.csv",
                                         events=BENCH300 / "events.csv"), None, None)
    assert (ev.period, ev.as_of) == (memory.period, memory.as_of)
    assert evaluation_to_text(ev) == evaluation_to_text(memory)
    # the first ticket (June) and the last (August) have an event before their creation,
    # and a repeat of T3 was created in September: only July is left
    tickets, events = tmp_path / "t.csv", tmp_path / "e.csv"
    tickets.write_text("id,customer,tier,priority,created_at\n"
                       "T1,C1,Gold,P1,2026-06-20T09:00:00+02:00\n"
                       "T2,C1,Gold,P1,2026-07-02T09:00:00+02:00\n"
                       "T3,C2,Silver,P2,2026-07-03T09:00:00+02:00\n"
                       "T4,C2,Silver,P2,2026-08-20T09:00:00+02:00\n"
                       "T3,C2,Silver,P2,2026-09-20T09:00:00+02:00\n", encoding="utf-8")
    events.write_text("ticket_id,at,status\n"
                      "T4,2026-08-19T09:00:00+02:00,waiting_on_customer\n"
                      "T1,2026-06-19T09:00:00+02:00,waiting_on_customer\n"
                      "T2,2026-07-02T10:00:00+02:00,waiting_on_customer\n", encoding="utf-8")
    evaluated.clear()
    ev = evaluate_chunked(plan, tickets, events, None, None, chunk_rows=2, workers=1,
                          workdir=tmp_path)[0]
    assert len(evaluated) == 2 * 3  # three chunks, evaluated twice
    memory = evaluate(plan, read_tickets(tickets, events=events), None, None)
    assert ev.period.label == memory.period.label == "2026-07"
    assert ev.as_of == memory.as_of and evaluation_to_text(ev) == evaluation_to_text(memory)


def test_every_ticket_with_an_early_event_is_every_row_rejected(tmp_path):
    """Without a period, when every ticket kept has a status event before its creation, the
    in-memory reader refuses every row; the chunked readers said "no period given" instead
    (found by test_any_small_export_any_ranges)."""
    import gzip

    tickets, events = tmp_path / "t.csv", tmp_path / "e.csv"
    tickets.write_text("id,customer,tier,priority,created_at\n"
                       "T1,C1,Gold,P1,2026-08-10T10:00:00+02:00\n", encoding="utf-8")
    events.write_text("ticket_id,at,status\nT1,2026-08-10T09:00:00+02:00,waiting_on_customer\n",
                      encoding="utf-8")
    assert assert_same(_plan("bench.sla"), tickets, events, chunks=[1, 5]) is None
    zipped = tmp_path / "e.csv.gz"  # the sequential reader
    zipped.write_bytes(gzip.compress(events.read_bytes()))
    assert assert_same(_plan("bench.sla"), tickets, zipped, chunks=[1, 5]) is None


def test_task_pool_keeps_the_order_when_this_process_helps():
    """Tasks run by this process (from the end, while the workers start) come out in their
    place: the segments, and so the rows, keep the file's order."""
    from slalang.evaluation.workers import TaskPool

    with TaskPool(2) as pool:
        assert list(pool.map(abs, [(-i,) for i in range(60)], helped=True)) == list(range(60))


def test_counts_are_added_as_the_chunks_come(monkeypatch):
    """Each chunk's counts are added to the running sum as it comes (rebuilding the sum
    every few chunks cost the 10m run 0.6 s of the main process's CPU); the rest of the
    partials waits for enough listed rows or partials. The answers do not change."""
    from slalang.evaluation import streaming
    from slalang.evaluation.countsum import CountSum

    sizes: list[int] = []
    added: list[int] = []
    real, real_add = streaming.PartialSum._merge, CountSum.add

    def spy(self):
        sizes.append(len(self.parts))
        real(self)

    def spy_add(self, part):
        added.append(len(part))
        real_add(self, part)

    monkeypatch.setattr(streaming.PartialSum, "_merge", spy)
    monkeypatch.setattr(CountSum, "add", spy_add)
    plan = _plan("bench.sla")
    tickets, events = BENCH300 / "tickets.csv", BENCH300 / "events.csv"
    summary = evaluate_chunked(plan, tickets, events, None, None, chunk_rows=10,
                               list_tickets=False, workers=1)[0]
    assert len(added) == 1 + 30 and added[0] == 0 and all(added[1:])  # the start, 30 chunks
    assert sizes == [30]
    sizes.clear()
    listed = evaluate_chunked(plan, tickets, events, None, None, chunk_rows=10, workers=1)[0]
    assert sizes == [30]
    assert evaluation_to_text(summary) == evaluation_to_text(listed)
    memory = evaluate(plan, read_tickets(tickets, events=events), None, None,
                      as_of=summary.as_of, period=summary.period)
    assert evaluation_to_text(summary) == evaluation_to_text(memory)


def test_a_chunks_events_are_read_from_every_range_in_order(tmp_path):
    """A chunk's events are its slices of every range's file, read into one array in range
    order; a file cut short is an error, never a chunk with fewer events."""
    import numpy as np

    from slalang.data import split

    files = []
    for k in range(3):  # the middle range's instants as they are, the others narrow
        narrow = k != 1
        records = np.zeros(4, dtype=split.NARROW_PLACED if narrow else split.PLACED)
        records["ticket"] = np.arange(4) + 10 * k
        records["status"] = k
        at = np.arange(4, dtype=np.int64) * 3600 + 1_780_000_000 + k
        records["at"] = at - split.BASE if narrow else at
        path = tmp_path / f"e{k}.bin"
        records.tofile(path)
        files.append(str(path))
    chunk = split.EventSlice(((files[0], 1, 2, None, None, True),
                              (files[1], 3, 1, None, None, False),
                              (files[2], 0, 3, None, None, True)), [], [])
    got = split.chunk_records(chunk)
    assert got.dtype == split.PLACED
    assert got["ticket"].tolist() == [1, 2, 13, 20, 21, 22]
    assert got["status"].tolist() == [0, 0, 1, 2, 2, 2]
    assert (got["at"] - 1_780_000_000).tolist() == [3600, 7200, 10801, 2, 3602, 7202]
    assert len(split.chunk_records(None)) == 0
    for narrow in (True, False):
        short = split.EventSlice(((files[1], 2, 5, None, None, narrow),), [], [])
        with pytest.raises(OSError, match="cut short"):
            split.chunk_records(short)


def test_a_range_longer_than_a_block_is_read_as_one(tmp_path, monkeypatch):
    """A range ends at the end of a line, so it can be longer than pyarrow's block: it was
    then parsed as two blocks, and a segment of two dictionaries could not be kept as an
    Arrow IPC file ("Dictionary replacement detected", an internal error). Ranges of 2 KiB
    over blocks of 1 KiB: the in-memory reader's bytes."""
    from slalang.data import split
    from slalang.evaluation.periods import parse_instant

    monkeypatch.setattr(split, "BLOCK_BYTES", 1 << 10)
    monkeypatch.setattr(split, "SEGMENT_BYTES", 2 << 10)
    monkeypatch.setattr(split, "EVENT_RANGE_BYTES", 2 << 10)
    _sequential_refused(monkeypatch)
    assert_same(_plan("bench.sla"), BENCH300 / "tickets.csv", BENCH300 / "events.csv",
                chunks=[50], as_of=parse_instant(AS_OF), tmp_path=tmp_path)


def test_segments_stored_narrow_or_not_read_back_alike(tmp_path, small_ranges, monkeypatch):
    """Segments store an instant in 32 bits from a base when all of theirs fit; one with a
    ticket resolved in 2100 keeps 64 bits; so do the placed events of a range, one with an
    event in 2100. A chunk carved from both reads every instant back, as the in-memory
    reader has it."""
    from slalang.data import segment_types, split

    _sequential_refused(monkeypatch)
    stored: list[str] = []
    real = segment_types.narrowed

    def spy(table):
        out = real(table)
        stored.append(str(out.schema.field("resolved_at").type))
        return out

    monkeypatch.setattr(split, "narrowed", spy)
    tickets, events = tmp_path / "t.csv", tmp_path / "e.csv"
    rows = [f"T{k},C{k % 3},Gold,P{1 + k % 4},2026-07-0{1 + k % 9}T09:00:00+02:00,"
            f"{'2100-01-01T09:00:00+01:00' if k == 7 else '2026-07-20T10:00:00+02:00'}"
            for k in range(20)]
    tickets.write_text("id,customer,tier,priority,created_at,resolved_at\n"
                       + "\n".join(rows) + "\n", encoding="utf-8")
    events.write_text("ticket_id,at,status\nT7,2026-07-08T10:00:00+02:00,waiting_on_customer\n"
                      + "".join(f"T{k},2026-07-1{k % 9}T10:00:00+02:00,in_progress\n"
                                for k in range(20))
                      + "T3,2100-01-02T10:00:00+01:00,waiting_on_vendor\n", encoding="utf-8")
    placed: list[bool] = []
    real_place = split.place_range

    def spy_place(*args):
        got = real_place(*args)
        placed.append(got.narrow)
        return got

    monkeypatch.setattr(split, "place_range", spy_place)
    workdir = tmp_path / "scratch"
    workdir.mkdir()
    assert_same(_plan("bench.sla"), tickets, events, chunks=[3, 20], period="2026-07",
                as_of=None, tmp_path=workdir)
    assert "int32" in stored and "timestamp[s, tz=UTC]" in stored
    assert True in placed and False in placed  # event files narrow and not, read alike
