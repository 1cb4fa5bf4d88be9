"""A converted dataset on this machine's worker processes (engine ``chunks``, the default
for a dataset; Dask when a scheduler is named): byte for byte the JSON and verdict CSV of the
export evaluated in memory, on messy inputs (refused rows, invalid tickets, downtime, a
mapped tool export) and on one or two workers. Before, a dataset was run on a local Dask
cluster, or read whole without Dask (7 GB at 10m), and ``--engine chunks`` on a dataset
quietly read it whole too."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from click.testing import CliRunner
from evaluation_bytes import bundled_plan, output_bytes
from export_strategies import EVENTS_HEADER, TICKETS_HEADER, event_line, ticket_line
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slalang.cli import main
from slalang.data import dataset, read_downtime, read_tickets
from slalang.data.dataset import convert
from slalang.errors import DataError
from slalang.evaluation import partitions
from slalang.evaluation.drivers import choose_engine, evaluate_input
from slalang.evaluation.evaluate import evaluate
from slalang.evaluation.periods import parse_instant
from slalang.roster import roster_for

ROOT = Path(__file__).resolve().parents[2]
BROKEN = ROOT / "tests" / "evaluation" / "fixtures" / "explain"
INPUT = ROOT / "tests" / "evaluation" / "fixtures" / "input"
DATA = ROOT / "tests" / "data" / "fixtures"
BENCH300 = ROOT / "tests" / "evaluation" / "fixtures" / "bench300"
AS_OF = parse_instant("2030-01-01T00:00:00+00:00")


@pytest.fixture()
def no_whole_read(monkeypatch):
    """The dataset is never read whole."""
    def whole(*args):
        raise AssertionError("the dataset was read whole")

    monkeypatch.setattr(dataset, "read_dataset", whole)


CASES = {
    "refused rows, invalid tickets, downtime": dict(
        policy="reference.sla", tickets=BROKEN / "broken.csv",
        events=BROKEN / "broken-events.csv", downtime=INPUT / "downtime.csv",
        period="2026-07", partition_rows=2),
    "broken exports without a period": dict(
        policy="bench.sla", tickets=DATA / "broken-tickets.csv",
        events=DATA / "broken-events.csv", partition_rows=3),
    "a mapped tool export": dict(
        policy="servicenow-demo.sla", tickets=DATA / "uci-sample.csv.gz",
        mapping=ROOT / "mappings" / "servicenow-uci.yaml", partition_rows=7),
    "the bench sample": dict(policy="bench.sla", tickets=BENCH300 / "tickets.csv",
                             events=BENCH300 / "events.csv", partition_rows=40),
}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("workers", [1, 2])
def test_a_dataset_on_worker_processes_is_the_export_in_memory(tmp_path, no_whole_read,
                                                               case, workers):
    c = CASES[case]
    plan = bundled_plan(c["policy"])
    roster = roster_for(plan.policy)
    down = read_downtime(c["downtime"]) if "downtime" in c else None
    want = output_bytes(evaluate(plan, read_tickets(c["tickets"], events=c.get("events"),
                                              mapping=c.get("mapping")),
                           down, roster, as_of=AS_OF, period=c.get("period")))
    out = tmp_path / "ds"
    convert(c["tickets"], out, c.get("events"), mapping=c.get("mapping"),
            partition_rows=c["partition_rows"])
    assert len(dataset.read_manifest(out).partitions) > 1
    buf = io.BytesIO()
    run = evaluate_input(plan, out, None, down, roster, as_of=AS_OF, period=c.get("period"),
                         engine="chunks", workers=workers, verdicts=buf)
    assert run.engine == "chunks" and not run.notes
    assert output_bytes(run.evaluation, buf.getvalue()) == want


def test_the_engine_for_a_dataset(tmp_path):
    out = tmp_path / "ds"
    convert(BENCH300 / "tickets.csv", out, BENCH300 / "events.csv")
    assert choose_engine("auto", out, None, None) == ("chunks", None)
    assert choose_engine("chunks", out, None, None) == ("chunks", None)
    assert choose_engine("memory", out, None, None) == ("memory", None)
    assert choose_engine("dask", out, None, None) == ("dask", None)
    # the library says what the dask engine reads (it failed on the workers, "not a
    # directory", inside the export's path)
    with pytest.raises(DataError, match="the dask engine evaluates a dataset written by"):
        choose_engine("dask", BENCH300 / "tickets.csv", BENCH300 / "events.csv", None)


def test_the_cli_runs_a_dataset_on_its_cores(tmp_path, monkeypatch):
    """`slalang evaluate` on a dataset: the partitions on worker processes, the same JSON as
    the export; `--engine memory` still reads it whole."""
    out = tmp_path / "ds"
    convert(BENCH300 / "tickets.csv", out, BENCH300 / "events.csv", partition_rows=50)
    ran = []
    real = partitions.evaluate_partitions
    monkeypatch.setattr(partitions, "evaluate_partitions",
                        lambda *a, **kw: ran.append(kw["workers"]) or real(*a, **kw))
    base = ["evaluate", str(ROOT / "policies" / "bench.sla"), "--format", "json",
            "--as-of", "2030-01-01T00:00:00+00:00", "--quiet"]
    want = CliRunner().invoke(main, [*base, "--tickets", str(BENCH300 / "tickets.csv"),
                                     "--events", str(BENCH300 / "events.csv")])
    for extra, runs in (([], [None]), (["--workers", "2"], [2]), (["--engine", "memory"], [])):
        ran.clear()
        got = CliRunner().invoke(main, [*base, "--tickets", str(out), *extra])
        assert (got.exit_code, got.stdout) == (0, want.stdout), got.output
        assert ran == runs


def test_chunk_rows_beside_a_dataset_is_refused(tmp_path):
    """A dataset's batches are its partitions: a chunk size given beside it would be left
    unused, so it is refused (exit 2), not dropped."""
    out = tmp_path / "ds"
    convert(BENCH300 / "tickets.csv", out, BENCH300 / "events.csv")
    r = CliRunner().invoke(main, ["evaluate", str(ROOT / "policies" / "bench.sla"),
                                  "--tickets", str(out), "--chunk-rows", "10"])
    assert r.exit_code == 2 and "--partition-rows" in r.output
    with pytest.raises(ValueError, match="partitions"):
        evaluate_input(bundled_plan("bench.sla"), out, chunk_rows=10)


def test_workers_beside_the_memory_engine_is_refused():
    r = CliRunner().invoke(main, ["evaluate", str(ROOT / "policies" / "bench.sla"),
                                  "--tickets", str(BENCH300 / "tickets.csv"),
                                  "--in-memory", "--workers", "2"])
    assert r.exit_code == 2 and "--workers goes with" in r.output


def _damage(out: Path, damage: str) -> Path:
    """Partition 2 of a dataset made unlike what the manifest says of it."""
    import pyarrow.parquet as pq

    part = out / "part-00002.parquet"
    if damage == "missing":
        part.unlink()
    elif damage == "not parquet":
        part.write_text("id,customer\n" * 20, encoding="utf-8")
    elif damage == "cut short":
        part.write_bytes(part.read_bytes()[:-100])
    elif damage == "garbage of the size written":
        part.write_bytes(b"x" * part.stat().st_size)
    elif damage == "a directory":
        part.unlink()
        part.mkdir()
    elif damage == "another partition copied over it":
        part.write_bytes((out / "part-00000.parquet").read_bytes())
    elif damage == "no rows":
        table = pq.read_table(part)
        pq.write_table(table.slice(0, 0), part)
    elif damage == "a column dropped":
        table = pq.read_table(part)
        pq.write_table(table.drop_columns(["events"]), part)
    return part


DAMAGES = ["missing", "not parquet", "cut short", "garbage of the size written", "a directory",
           "another partition copied over it", "no rows", "a column dropped"]
VERBS = [["evaluate", "--workers", "1"], ["evaluate", "--workers", "2"],
         ["evaluate", "--engine", "memory"], ["explain", "--ticket", "T0000120"],
         ["calibrate", "--policy"], ["diff", str(ROOT / "policies" / "reference.sla")],
         ["report", "--period", "2024-01"]]


def _run_verb(verb: list[str], out: Path):
    policy = str(ROOT / "policies" / "bench.sla")
    # calibrate names its policy with --policy; the others take it first
    args = [*verb, policy] if verb[0] == "calibrate" else [verb[0], policy, *verb[1:]]
    return CliRunner().invoke(main, [*args, "--tickets", str(out)])


@pytest.mark.parametrize("damage", DAMAGES)
@pytest.mark.parametrize("verb", VERBS)
def test_a_damaged_dataset_is_named_not_crashed_on(tmp_path, damage, verb):
    """A partition the manifest lists that is gone, is not Parquet, was cut short, is a
    folder, or is another file than the one written (another partition's copy, one without
    rows or without a column): exit 2 with the file and what to do, from every verb and
    engine. Before: a bare file name, an internal error with Arrow's exception, or, for a
    partition copied over another, its tickets counted twice, exit 0."""
    out = tmp_path / "ds"
    convert(BENCH300 / "tickets.csv", out, BENCH300 / "events.csv", partition_rows=50)
    part = _damage(out, damage)
    r = _run_verb(verb, out)
    assert r.exit_code == 2, r.output
    said = {"missing": "a partition the manifest lists is missing: the dataset is incomplete",
            "a directory": "a partition is not a file",
            "garbage of the size written": "a partition cannot be read ("}.get(
        damage, "a partition is not the file `slalang convert` wrote (")
    assert f"error: {part}: {said}" in r.output
    assert r.output.rstrip().endswith("convert the export again")
    assert "internal error" not in r.output and "Traceback" not in r.output


def test_a_partition_of_the_size_written_with_other_rows_is_refused(tmp_path):
    """What the size cannot tell, the rows read can."""
    import pyarrow.parquet as pq

    from slalang.data.dataset import PartitionFile, check_partition_table

    out = tmp_path / "ds"
    convert(BENCH300 / "tickets.csv", out, BENCH300 / "events.csv", partition_rows=50)
    m = dataset.read_manifest(out)
    part = m.files()[1]
    table = pq.read_table(part.path)
    check_partition_table(part, table)  # as written
    with pytest.raises(DataError, match="holds 49 tickets; the manifest says 50"):
        check_partition_table(PartitionFile(part.path, 50, part.size), table.slice(1))


def test_a_failed_partition_write_leaves_no_dataset(tmp_path, monkeypatch):
    """Partitions are written on a thread while the next is read: a write that fails (a
    full disk) fails the conversion, and nothing is left, half-written or beside it."""
    real = dataset._write_partition
    written = []

    def failing(table, path):
        if written:
            raise OSError(28, "No space left on device")
        written.append(path)
        real(table, path)

    monkeypatch.setattr(dataset, "_write_partition", failing)
    with pytest.raises(OSError, match="No space left"):
        convert(BENCH300 / "tickets.csv", tmp_path / "ds", BENCH300 / "events.csv",
                partition_rows=40)
    assert len(written) == 1 and list(tmp_path.iterdir()) == []


def test_a_dataset_where_no_folder_can_be_made_is_refused(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    r = CliRunner().invoke(main, ["convert", "--tickets", str(BENCH300 / "tickets.csv"),
                                  "--out", str(blocker / "ds")])
    assert r.exit_code == 2
    assert f"cannot create the dataset's folder {str(blocker)!r}" in r.output
    assert blocker.read_text(encoding="utf-8") == "not a folder"


# -- `slalang convert` on the split reader's worker processes ----------------------------

MALFORMED = ("id,customer,tier,priority,created_at,first_response_at,resolved_at\n"
             "A1,Alfa,Gold,P1,2024-01-02T09:00:00+01:00,,\n"
             "A2,Alfa,Gold,P1,2024-01-02T09:00:00+01:00,,,surplus\n"
             "A3,Beta,Gold,P2,2024-01-03T09:00:00+01:00,2024-01-03T09:30:00+01:00,\n")


def _converted(out: Path) -> tuple[dict, list]:
    import json

    import pyarrow.parquet as pq

    doc = json.loads((out / dataset.MANIFEST).read_text(encoding="utf-8"))
    return doc, [pq.read_table(out / p) for p in doc["partitions"]]


@pytest.mark.parametrize("case", ["refused rows", "broken exports", "the bench sample",
                                  "a malformed row", "every ticket of a chunk refused"])
@pytest.mark.parametrize("processes", [False, True])
def test_convert_on_worker_processes_writes_what_the_sequential_reader_writes(
        tmp_path, monkeypatch, case, processes):
    """The split reader's passes, each chunk assembled and written in a worker: the same
    manifest (rejections, counts, hash, creation range) and the same partitions, in the
    same order, as the sequential reader writes; a malformed row sends both to the whole
    read."""
    from slalang import workpool
    from slalang.data import split_passes

    if case == "a malformed row":
        tickets, events = tmp_path / "t.csv", None
        tickets.write_text(MALFORMED, encoding="utf-8")
        rows = 1
    elif case == "every ticket of a chunk refused":  # rows 4-6 repeat earlier ids
        tickets, events = tmp_path / "t.csv", None
        lines = (BENCH300 / "tickets.csv").read_text(encoding="utf-8").splitlines()
        tickets.write_text("\n".join(lines[:4] + lines[1:4] + lines[4:20]) + "\n",
                           encoding="utf-8")
        rows = 3
    else:
        tickets, events, rows = {
            "refused rows": (BROKEN / "broken.csv", BROKEN / "broken-events.csv", 2),
            "broken exports": (DATA / "broken-tickets.csv", DATA / "broken-events.csv", 3),
            "the bench sample": (BENCH300 / "tickets.csv", BENCH300 / "events.csv", 40),
        }[case]
    if processes:
        monkeypatch.setattr(workpool, "PROCESS_BYTES", 0)
    used = []
    real = dataset._convert_split
    monkeypatch.setattr(dataset, "_convert_split",
                        lambda *a: used.append(1) or real(*a))
    convert(tickets, tmp_path / "split", events, partition_rows=rows)
    monkeypatch.setattr(split_passes, "splittable", lambda *a: False)
    convert(tickets, tmp_path / "sequential", events, partition_rows=rows)
    assert used == [1]
    split_doc, split_parts = _converted(tmp_path / "split")
    seq_doc, seq_parts = _converted(tmp_path / "sequential")
    assert split_doc == seq_doc
    assert len(split_parts) == len(seq_parts) > (1 if case != "a malformed row" else 0)
    for a, b in zip(split_parts, seq_parts, strict=True):
        assert a.equals(b)
    if case == "every ticket of a chunk refused":
        assert [r[3] for r in seq_doc["rejected"]][:1] == [
            "duplicate ticket id 'T0000001' (first seen on row 2)"]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tickets=st.lists(ticket_line, min_size=1, max_size=12),
       events=st.lists(event_line, max_size=15), rows=st.integers(1, 5))
def test_any_export_converts_alike_on_either_reader_and_reads_back_whole(tickets, events,
                                                                         rows):
    """Any small messy export: the split reader's conversion and the sequential reader's
    write the same manifest and partitions, and the dataset read back is the whole read of
    the export (ids, rows, rejections, counts); an export that keeps no ticket is refused by
    both, with the same message."""
    import tempfile

    from slalang.data import split_passes
    from slalang.errors import DataError

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t, e = folder / "t.csv", folder / "e.csv"
        t.write_text(TICKETS_HEADER + "\n".join(tickets) + "\n", encoding="utf-8")
        e.write_text(EVENTS_HEADER + "".join(f"{x}\n" for x in events), encoding="utf-8")
        said = []
        real = split_passes.splittable
        for name, split in (("split", True), ("sequential", False)):
            if not split:
                split_passes.splittable = lambda *a: False
            try:
                convert(t, folder / name, e, partition_rows=rows)
                said.append(None)
            except DataError as exc:
                said.append(str(exc))
            finally:
                split_passes.splittable = real
        assert said[0] == said[1]
        if said[0] is not None:
            with pytest.raises(DataError):
                read_tickets(t, events=e)
            return
        split_doc, split_parts = _converted(folder / "split")
        seq_doc, seq_parts = _converted(folder / "sequential")
        assert split_doc == seq_doc
        assert all(a.equals(b) for a, b in zip(split_parts, seq_parts, strict=True))
        whole, back = read_tickets(t, events=e), dataset.read_dataset(folder / "split")
        assert list(back.id) == list(whole.id)
        assert [back.row(i) for i in range(back.n)] == [whole.row(i) for i in range(whole.n)]
        assert back.source_row.tolist() == whole.source_row.tolist()
        assert back.rejected == whole.rejected and back.data_hash == whole.data_hash
        assert (back.rows_read, back.invisible_ids) == (whole.rows_read, whole.invisible_ids)
        for ticket in ("A1", "A2", "B1", "C3", "ZZ"):  # one ticket looked up (explain)
            one = dataset.read_dataset_ticket(folder / "split", ticket)
            assert [one.row(i) for i in range(one.n)] == [
                back.row(i) for i in range(back.n) if back.id[i] == ticket]
        # and evaluated a partition at a time, the bytes of the export evaluated in memory
        plan = bundled_plan("reference.sla")
        rows_out = io.BytesIO()
        got = evaluate_input(plan, folder / "split", engine="chunks", workers=1,
                             period="2026-Q3", as_of=AS_OF, verdicts=rows_out).evaluation
        assert output_bytes(got, rows_out.getvalue()) == output_bytes(
            evaluate(plan, whole, None, None, as_of=AS_OF, period="2026-Q3"))


@pytest.mark.parametrize("split", [True, False])
def test_an_export_all_of_whose_tickets_are_refused_is_not_converted(tmp_path, monkeypatch,
                                                                     split):
    """The last ticket refused only once its events are read (a status before creation):
    convert says what read_tickets says, and leaves no dataset (it wrote one without
    partitions, which measured nothing)."""
    from slalang.data import split_passes
    from slalang.errors import DataError

    tickets, events = tmp_path / "t.csv", tmp_path / "e.csv"
    tickets.write_text(TICKETS_HEADER + "A1,Alfa,,P1,,,\n"
                       "A2,Alfa,,P1,2026-07-01T08:01:00+02:00,,\n", encoding="utf-8")
    events.write_text(EVENTS_HEADER + "A2,2026-07-01T08:00:00+02:00,in_progress\n",
                      encoding="utf-8")
    if not split:
        monkeypatch.setattr(split_passes, "splittable", lambda *a: False)
    with pytest.raises(DataError) as whole:
        read_tickets(tickets, events=events)
    with pytest.raises(DataError) as converted:
        convert(tickets, tmp_path / "ds", events, partition_rows=1)
    assert str(converted.value) == str(whole.value)
    assert "every ticket row was rejected (2 read, 2 rejected)" in str(whole.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e.csv", "t.csv"]


@pytest.mark.parametrize(("change", "said"), [
    ({"drop": "source"}, "the manifest lacks 'source'"),
    ({"partitions": ["../../etc/passwd"]}, "names a partition outside the dataset"),
    ({"partitions": ["/etc/passwd"]}, "names a partition outside the dataset"),
    ({"partitions": [".."]}, "names a partition outside the dataset"),
    ({"partitions": None}, "the manifest's partitions are not a list"),
    ({"partitions": []}, "the manifest lists no partition"),
    ({"partitions": ["part-00000.parquet", "part-00000.parquet"]}, "lists a partition twice"),
    ({"tickets": 1}, "its checksum does not match"),
    ({"created_min": 0}, "its checksum does not match"),
    ({"version": 1}, "written by an older slalang"),
    ({"tickets": "many", "recheck": True}, "'many' is not a count"),
    ({"input": {}, "recheck": True}, "the manifest cannot be read (KeyError"),
    ({"rejected": [["t.csv", 2]], "recheck": True}, "the manifest cannot be read (TypeError"),
    ({"created_max": 10 ** 30, "recheck": True}, "is not an instant"),
])
def test_a_hand_edited_manifest_is_refused(tmp_path, change, said):
    """A manifest without its keys, or with keys of the wrong kind, was an internal error
    (KeyError, TypeError, OverflowError); one naming a partition outside its folder had the
    run read that file; one listing a partition twice or none, or with another creation
    range, gave each engine its own answer, exit 0."""
    import json

    out = tmp_path / "ds"
    convert(BENCH300 / "tickets.csv", out, BENCH300 / "events.csv")
    manifest = out / dataset.MANIFEST
    doc = json.loads(manifest.read_text(encoding="utf-8"))
    change = dict(change)
    recheck = change.pop("recheck", False)
    if "drop" in change:
        del doc[change["drop"]]
    else:
        doc.update(change)
    if recheck:  # edited, and its checksum made anew: the content itself is checked
        doc["check"] = dataset.manifest_check(doc)
    manifest.write_text(json.dumps(doc), encoding="utf-8")
    for verb in VERBS:
        r = _run_verb(verb, out)
        assert r.exit_code == 2 and said in r.output, (verb, r.output)
        assert "internal error" not in r.output and "Traceback" not in r.output
