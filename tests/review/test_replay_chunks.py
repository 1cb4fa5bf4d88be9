"""A replayed diff on a large CSV export runs chunk by chunk, in bounded memory (the 10m
bench set read whole took 39 s and 7.5 GB): the same impact as the whole read, months,
flips and their order, for any chunk size and every kind of change."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from chunked_runs import same_in_chunks
from example_csv import example_as_csv
from export_strategies import small_exports
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slalang.cli import main
from slalang.data import read_downtime, read_tickets
from slalang.language import load_policy
from slalang.plan import compile_plan
from slalang.review.impact import replay, replay_input
from slalang.roster import roster_for

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent / "fixtures"
EXAMPLE = ROOT / "examples" / "reference"
BENCH300 = ROOT / "tests" / "evaluation" / "fixtures" / "bench300"

#: edits of the reference policy, one per reason a verdict flips
CHANGES = {
    "target": [("resolution: P1 4h on always objective 95%",
                "resolution: P1 2h on always objective 95%"),
               ("response on office: P1 1h, P2 2h objective 95%",
                "response on office: P1 30m, P2 1h objective 95%")],
    "calendar": [("mon-fri 08:30-13:00, 14:00-18:00", "mon-fri 09:30-13:00, 14:00-17:00")],
    "pause": [("pauses while status in (waiting_on_customer, waiting_on_vendor, "
               "resolved, closed)", "pauses while status in (resolved, closed)")],
    "exclusion": [('exclude tickets where category = "change_request"',
                   'exclude tickets where category in ("change_request", "incident")')],
}


def _versions(folder: Path, change: str):
    old = (FIXTURES / "reference.sla").read_text(encoding="utf-8")
    new = old
    for a, b in CHANGES[change]:
        assert a in new, a
        new = new.replace(a, b)
    (folder / "customers.yaml").write_text((FIXTURES / "customers.yaml").read_text())
    (folder / "old.sla").write_text(old, encoding="utf-8")
    (folder / "new.sla").write_text(new, encoding="utf-8")
    out = []
    for name in ("old.sla", "new.sla"):
        policy = load_policy(str(folder / name))
        out.append((compile_plan(policy), roster_for(policy)))
    return out


@pytest.mark.parametrize("change", sorted(CHANGES))
@pytest.mark.parametrize("rows", [7, 1000])
def test_chunks_replay_as_the_whole_read(tmp_path, change, rows):
    (old, old_roster), (new, new_roster) = _versions(tmp_path, change)
    tickets, events = example_as_csv(tmp_path)
    down = read_downtime(EXAMPLE / "downtime.csv")
    whole = replay(old, new, read_tickets(tickets, events), down, old_roster, new_roster,
                   period="2026-Q3")
    parts = replay_input(old, new, tickets, events, down, old_roster, new_roster,
                         period="2026-Q3", chunk_rows=rows, workdir=str(tmp_path))
    assert whole.flips, change  # each change flips some verdicts
    assert parts == whole  # period, tickets, months, flips in the same order
    assert [p.name for p in tmp_path.iterdir() if p.is_dir()] == []  # scratch removed


def test_chunks_replay_the_bench_sample_without_a_period(tmp_path):
    text = (ROOT / "policies" / "bench.sla").read_text(encoding="utf-8")
    (tmp_path / "new.sla").write_text(text.replace(
        "response on office: P1 30m, P2 1h, P3 4h, P4 8h objective 95%",
        "response on office: P1 1h, P2 1h, P3 4h, P4 8h objective 95%"), encoding="utf-8")
    old = compile_plan(load_policy(str(ROOT / "policies" / "bench.sla")))
    new = compile_plan(load_policy(str(tmp_path / "new.sla")))
    tickets, events = BENCH300 / "tickets.csv", BENCH300 / "events.csv"
    whole = replay(old, new, read_tickets(tickets, events), None, None, None)
    for rows in (13, 300):
        assert replay_input(old, new, tickets, events, None, None, None,
                            chunk_rows=rows) == whole
    assert whole.flips and whole.tickets == 300


def test_the_command_line_replays_a_large_export_in_chunks(tmp_path, monkeypatch):
    _versions(tmp_path, "target")
    tickets, events = example_as_csv(tmp_path)
    args = ["diff", str(tmp_path / "old.sla"), str(tmp_path / "new.sla"), "--tickets",
            str(tickets), "--events", str(events), "--downtime", str(EXAMPLE / "downtime.csv"),
            "--period", "2026-Q3", "--format", "json"]
    assert json.loads(same_in_chunks(monkeypatch, main, args))["impact"]


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_the_split_reader_replays_on_worker_processes(tmp_path, change, monkeypatch):
    """Two worker processes: each evaluates its chunks under the old version (the engine),
    then the new one, and finds the flips; they come back in chunk order."""
    (old, old_roster), (new, new_roster) = _versions(tmp_path, change)
    tickets, events = example_as_csv(tmp_path)
    down = read_downtime(EXAMPLE / "downtime.csv")
    whole = replay(old, new, read_tickets(tickets, events), down, old_roster, new_roster,
                   period="2026-Q3")
    from slalang.evaluation import streaming

    chunked = streaming.evaluate_chunked

    def on_two(*a, **kw):
        return chunked(*a, **{**kw, "workers": 2})

    monkeypatch.setattr(streaming, "evaluate_chunked", on_two)
    parts = replay_input(old, new, tickets, events, down, old_roster, new_roster,
                         period="2026-Q3", chunk_rows=23, workdir=str(tmp_path))
    assert parts == whole and whole.flips


def _add_a_ticket_between_months(tickets: Path) -> None:
    """A ticket created in July in London and in August in Rome: a version whose months
    are counted in the other's zone puts it in another month."""
    with tickets.open("a", encoding="utf-8") as fh:
        fh.write("T-9999,Alfa Srl,Gold,P1,incident,email,2026-07-31T22:30:00+00:00,"
                 "2026-08-01T06:00:00+00:00,,,high,high\n")


def _in_london(folder: Path):
    """The new version of :func:`_versions`, counting months in London (the old: Rome)."""
    text = (folder / "new.sla").read_text(encoding="utf-8")
    assert 'period month in "Europe/Rome"' in text
    (folder / "other.sla").write_text(text.replace('period month in "Europe/Rome"',
                                                   'period month in "Europe/London"'),
                                      encoding="utf-8")
    return compile_plan(load_policy(str(folder / "other.sla")))


@pytest.mark.parametrize("period", ["2026-Q3", None])
@pytest.mark.parametrize("zone", ["Europe/Rome", "Europe/London"])
def test_a_dataset_replays_on_worker_processes_each_version_in_its_zone(
        tmp_path, monkeypatch, period, zone):
    """A converted dataset is replayed a partition per task on two worker processes,
    never read whole; versions counting months in different zones too, each in its own
    period (they were read whole, in one process, even with Dask)."""
    from slalang.data import dataset
    from slalang.data.dataset import convert
    from slalang.evaluation import partitions

    (old, old_roster), (new, new_roster) = _versions(tmp_path, "target")
    if zone != old.timezone:
        new = _in_london(tmp_path)
    assert new.timezone == zone
    tickets, events = example_as_csv(tmp_path)
    _add_a_ticket_between_months(tickets)
    down = read_downtime(EXAMPLE / "downtime.csv")
    whole = replay(old, new, read_tickets(tickets, events), down, old_roster, new_roster,
                   period=period)
    convert(tickets, tmp_path / "ds", events, partition_rows=9)
    monkeypatch.setattr(dataset, "read_dataset", lambda *a: pytest.fail("read whole"))
    real = partitions.evaluate_partitions
    monkeypatch.setattr(partitions, "evaluate_partitions",
                        lambda *a, **kw: real(*a, **{**kw, "workers": 2}))
    parts = replay_input(old, new, tmp_path / "ds", None, down, old_roster, new_roster,
                         period=period)
    assert parts == whole and whole.flips


def test_other_zones_and_gzip_replay_in_one_process(tmp_path, monkeypatch):
    """Two versions counting months in different zones, no period given, are replayed in
    one process, each in the months its tickets span in its zone; with a period, on the
    workers, the new version's period its text in its zone (the hook carries it); a gzipped
    export decompressed into the scratch folder and cut by the split reader as well (it went
    to the sequential reader, one core). The same impact as the whole read every time."""
    import gzip

    from slalang.evaluation import streaming
    from slalang.review import impact

    (old, old_roster), (new, new_roster) = _versions(tmp_path, "target")
    tickets, events = example_as_csv(tmp_path)
    _add_a_ticket_between_months(tickets)
    sequential = []
    real = impact._replay_chunks
    monkeypatch.setattr(impact, "_replay_chunks",
                        lambda *a: sequential.append(a[-3]) or real(*a))
    engine = []
    real_run = streaming._run
    monkeypatch.setattr(streaming, "_run", lambda *a: engine.append(a[7]) or real_run(*a))
    cut = []
    real_split = streaming._run_split
    monkeypatch.setattr(streaming, "_run_split",
                        lambda *a, **kw: cut.append(a[7]) or real_split(*a, **kw))
    other = _in_london(tmp_path)
    assert other.timezone != old.timezone
    whole = replay(old, other, read_tickets(tickets, events), None, old_roster, new_roster)
    parts = replay_input(old, other, tickets, events, None, old_roster, new_roster,
                         chunk_rows=31, workdir=str(tmp_path))
    assert sequential == [31] and parts == whole and engine == []
    for period in ("2026-Q3", "2026-07"):  # the split reader's workers, a period each
        whole = replay(old, other, read_tickets(tickets, events), None, old_roster,
                       new_roster, period=period)
        parts = replay_input(old, other, tickets, events, None, old_roster, new_roster,
                             period=period, chunk_rows=31, workdir=str(tmp_path))
        assert sequential == [31] and parts == whole and engine == [] and cut[-1] == 31
    # one Period given for both (what the command line passes): the workers, that period
    from slalang.evaluation.periods import parse_period

    per = parse_period("2026-07", "Europe/London")
    whole = replay(old, other, read_tickets(tickets, events), None, old_roster, new_roster,
                   period=per)
    parts = replay_input(old, other, tickets, events, None, old_roster, new_roster,
                         period=per, chunk_rows=31, workdir=str(tmp_path))
    assert sequential == [31] and parts == whole and engine == [] and cut == [31, 31, 31]
    zipped = []
    for path in (tickets, events):
        target = tmp_path / (path.name + ".gz")
        target.write_bytes(gzip.compress(path.read_bytes()))
        zipped.append(target)
    whole = replay(old, new, read_tickets(*zipped), None, old_roster, new_roster,
                   period="2026-Q3")
    parts = replay_input(old, new, *zipped, None, old_roster, new_roster, period="2026-Q3",
                         chunk_rows=17, workdir=str(tmp_path))
    assert sequential == [31] and engine == [] and cut[-1] == 17 and parts == whole
    assert whole.flips


def test_a_malformed_row_is_replayed_from_the_whole_read(tmp_path):
    """A row with a field too many: the chunked reader cannot say which row the whole read
    refuses, so the replay reads the file whole (the same impact, the row refused)."""
    (old, old_roster), (new, new_roster) = _versions(tmp_path, "target")
    tickets, events = example_as_csv(tmp_path)
    lines = tickets.read_text(encoding="utf-8").splitlines(keepends=True)
    lines.insert(5, lines[5].rstrip("\n") + ",extra\n")
    tickets.write_text("".join(lines), encoding="utf-8")
    whole = replay(old, new, read_tickets(tickets, events), None, old_roster, new_roster,
                   period="2026-Q3")
    assert any("field" in r.reason or "column" in r.reason
               for r in read_tickets(tickets, events).rejected)
    parts = replay_input(old, new, tickets, events, None, old_roster, new_roster,
                         period="2026-Q3", chunk_rows=10, workdir=str(tmp_path))
    assert parts == whole and whole.flips


def test_a_chunked_replay_finishes_each_version_once(tmp_path, monkeypatch):
    """Each chunk's flips are read from its verdicts; only the sums are finished. Finishing
    every chunk made every roster customer's months anew for each (a roster of 5,000
    customers with services: 265 s for the 10m set, against 20 s without a roster)."""
    import gzip

    from slalang.evaluation import kernel, streaming

    (old, old_roster), (new, new_roster) = _versions(tmp_path, "target")
    finished = []
    real = kernel.finish

    def counted(partial, **kw):
        finished.append(partial)
        return real(partial, **kw)

    monkeypatch.setattr(kernel, "finish", counted)
    monkeypatch.setattr(streaming, "finish", counted)
    plain = example_as_csv(tmp_path)
    zipped = []
    for path in plain:  # the sequential reader's replay too
        target = tmp_path / (path.name + ".gz")
        target.write_bytes(gzip.compress(path.read_bytes()))
        zipped.append(target)
    for files in (plain, zipped):
        finished.clear()
        parts = replay_input(old, new, *files, None, old_roster, new_roster,
                             period="2026-Q3", chunk_rows=7, workdir=str(tmp_path))
        assert len(finished) == 2 and parts.flips and parts.tickets > 7 * 10


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(export=small_exports(), period=st.sampled_from([None, "2026-Q3", "2026-08"]),
       zone=st.sampled_from(["Europe/Rome", "Europe/London"]))
def test_any_small_export_replays_alike_in_chunks_and_from_its_dataset(export, period, zone):
    """Any small messy export, versions in one zone or in two: the replay in chunks and
    from the export's dataset (a partition per task) is the whole read's, or fails with its
    words."""
    import tempfile

    from slalang.data.dataset import convert
    from slalang.errors import DataError

    tickets_text, events_text, rows = export
    text = (ROOT / "policies" / "bench.sla").read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "new.sla").write_text(text.replace(
            "response on office: P1 30m,", "response on office: P1 1h,").replace(
            'period month in "Europe/Rome"', f'period month in "{zone}"'), encoding="utf-8")
        old = compile_plan(load_policy(str(ROOT / "policies" / "bench.sla")))
        new = compile_plan(load_policy(str(folder / "new.sla")))
        tickets, events = folder / "t.csv", folder / "e.csv"
        tickets.write_text(tickets_text, encoding="utf-8")
        events.write_text(events_text, encoding="utf-8")

        def said(run):
            try:
                return run()
            except DataError as exc:
                return str(exc)

        whole = said(lambda: replay(old, new, read_tickets(tickets, events), None, None,
                                    None, period=period))
        assert said(lambda: replay_input(old, new, tickets, events, None, None, None,
                                         period=period, chunk_rows=rows)) == whole
        if isinstance(said(lambda: convert(tickets, folder / "ds", events,
                                           partition_rows=rows)), str):
            assert isinstance(whole, str)  # nothing kept: refused as the whole read is
            return
        assert said(lambda: replay_input(old, new, folder / "ds", None, None, None, None,
                                         period=period)) == whole


@pytest.mark.parametrize("period", [None, "2026-Q3"])
def test_versions_in_two_zones_on_an_export_whose_tickets_are_all_refused(tmp_path, period):
    """Every ticket kept has a status event before its creation, refused only once its
    chunk's events are read: the replay in one process (versions in two zones) says what
    the whole read says. It said "no ticket to infer a period from" without a period, and
    gave an empty impact with one (found by the hypothesis test above)."""
    from slalang.errors import DataError

    (old, _), _ = _versions(tmp_path, "target")
    other = _in_london(tmp_path)
    tickets, events = tmp_path / "t.csv", tmp_path / "e.csv"
    tickets.write_text("id,customer,tier,priority,created_at,first_response_at,resolved_at\n"
                       "T1,Alfa Srl,Gold,P1,2026-08-11T00:00:00+02:00,,\n"
                       "T1,Alfa Srl,Gold,P1,2026-08-01T00:00:00+02:00,,\n", encoding="utf-8")
    events.write_text("ticket_id,at,status\nT1,2026-08-10T09:00:00+02:00,in_progress\n",
                      encoding="utf-8")
    with pytest.raises(DataError) as whole:
        replay(old, other, read_tickets(tickets, events), None, None, None, period=period)
    with pytest.raises(DataError) as chunked:
        replay_input(old, other, tickets, events, None, None, None, period=period,
                     chunk_rows=1, workdir=str(tmp_path))
    assert str(chunked.value) == str(whole.value)
    assert "every ticket row was rejected (2 read, 2 rejected)" in str(whole.value)


def test_a_dataset_whose_period_has_only_invalid_tickets_is_refused(tmp_path):
    """`diff` on a dataset (or a large export replayed chunk by chunk) took a period whose
    every ticket was invalid for a quiet one, exit 0, an impact of n/a -> n/a: the new
    version's evaluation had no input counts, so the check that refuses it when the export
    is read whole looked at nothing. Found by differential fuzzing of the engines."""
    from click.testing import CliRunner

    root = Path(__file__).resolve().parents[2]
    bench = root / "policies" / "bench.sla"
    text = bench.read_text(encoding="utf-8")
    assert "P1 30m, P2 1h" in text
    (tmp_path / "new.sla").write_text(text.replace("P1 30m, P2 1h", "P1 1h, P2 2h"),
                                      encoding="utf-8")
    (tmp_path / "t.csv").write_text(
        "id,customer,tier,priority,created_at,first_response_at,resolved_at\n"
        "T1,C1,Gold,P9,2026-04-01T09:00:00+02:00,2026-04-01T09:10:00+02:00,"
        "2026-04-01T11:00:00+02:00\n"
        "T2,C2,Silver,P2,2026-05-04T09:00:00+02:00,2026-05-04T09:10:00+02:00,"
        "2026-05-04T11:00:00+02:00\n", encoding="utf-8")
    runner = CliRunner()
    assert runner.invoke(main, ["convert", "--tickets", str(tmp_path / "t.csv"), "--out",
                                str(tmp_path / "t.ds"), "-q"]).exit_code == 0
    for name in ("t.csv", "t.ds"):
        r = runner.invoke(main, ["diff", str(bench), str(tmp_path / "new.sla"), "--tickets",
                                 str(tmp_path / name), "--period", "2026-04", "-q"])
        assert r.exit_code == 2, (name, r.output)
        assert "all 1 ticket(s) of 2026-04 are invalid" in r.output


def test_the_one_process_replay_keeps_the_rows_it_refused(tmp_path, monkeypatch):
    """Versions in different zones, no period: replayed in one process. Its evaluations
    carry the rows the input refused, the input in numbers and the data's hash, as the
    whole read's do (they had none: the diff neither said that rows were refused nor held
    them to --max-errors)."""
    from slalang.review import impact

    (old, old_roster), (new, new_roster) = _versions(tmp_path, "target")
    tickets, events = example_as_csv(tmp_path)
    with tickets.open("a", encoding="utf-8") as fh:  # a ticket without a creation
        fh.write("T-BAD,Alfa Srl,Gold,P1,incident,email,,,,,high,high\n")
    with events.open("a", encoding="utf-8") as fh:  # an event of no ticket
        fh.write("T-NONE,2026-07-02T10:00:00+02:00,in_progress,\n")
    sequential = []
    real = impact._replay_chunks
    monkeypatch.setattr(impact, "_replay_chunks",
                        lambda *a: sequential.append(a[-3]) or real(*a))
    other = _in_london(tmp_path)
    whole = replay(old, other, read_tickets(tickets, events), None, old_roster, new_roster)
    parts = replay_input(old, other, tickets, events, None, old_roster, new_roster,
                         chunk_rows=5, workdir=str(tmp_path))
    assert sequential == [5] and parts == whole
    for ours, theirs in ((parts.old, whole.old), (parts.new, whole.new)):
        assert [str(r) for r in ours.rejected] == [str(r) for r in theirs.rejected]
        assert len(ours.rejected) == 2
        assert ours.data_hash == theirs.data_hash
        assert (ours.input.read, ours.input.tickets, ours.input.rejected,
                ours.input.events_read) == (theirs.input.read, theirs.input.tickets,
                                            theirs.input.rejected, theirs.input.events_read)
