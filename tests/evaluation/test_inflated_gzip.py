"""A gzipped export in the chunked engine: decompressed once into the scratch folder and cut
by the split reader (every core parsing), not read by the sequential reader on one core
(19.8 s against 5.8 s plain at 10m). The outputs are the sequential reader's bytes, and
whatever is said names the user's .gz files, never the copies."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from evaluation_bytes import ROOT
from example_csv import gzipped

from slalang.cli import main
from slalang.data import inflate
from slalang.evaluation import streaming

BROKEN = ROOT / "tests" / "evaluation" / "fixtures" / "explain"


def _evaluate(tickets: Path, events: Path, out: Path, scratch: Path, *more: str):
    import tempfile

    out.mkdir()
    was = tempfile.tempdir
    tempfile.tempdir = str(scratch)  # read once per process: TMPDIR alone comes too late
    try:
        return _invoke(tickets, events, out, scratch, *more)
    finally:
        tempfile.tempdir = was


def _invoke(tickets: Path, events: Path, out: Path, scratch: Path, *more: str):
    return CliRunner().invoke(main, [
        "evaluate", str(ROOT / "policies" / "reference.sla"), "--tickets", str(tickets),
        "--events", str(events), "--period", "2026-07", "--engine", "chunks",
        "--chunk-rows", "2", "--json", str(out / "ev.json"), "--csv", str(out / "ev.csv"),
        *more], env={"TMPDIR": str(scratch)})


def test_a_gzipped_export_is_split_and_says_what_the_sequential_reader_says(
        tmp_path, monkeypatch):
    tickets, events = gzipped(tmp_path, BROKEN / "broken.csv", BROKEN / "broken-events.csv")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    cut = []
    real = streaming._run_split
    monkeypatch.setattr(streaming, "_run_split",
                        lambda *a, **kw: cut.append(a[1]) or real(*a, **kw))
    copies_at_pass4 = []
    real_add = streaming.PartialSum.add

    def add(self, part):  # pass 4: the copies were read into the chunks, and are gone
        copies_at_pass4.extend(str(p) for p in scratch.glob("*/*-broken*.csv"))
        return real_add(self, part)

    monkeypatch.setattr(streaming.PartialSum, "add", add)
    split = _evaluate(tickets, events, tmp_path / "split", scratch)
    assert split.exit_code in (0, 1), split.output
    assert copies_at_pass4 == []
    # the split reader read the copies, in the scratch folder, now gone
    assert len(cut) == 1 and str(cut[0]).startswith(str(scratch))
    assert cut[0].endswith("-broken.csv")
    assert os.listdir(scratch) == []
    monkeypatch.setattr(inflate, "gzipped", lambda *a: False)  # the sequential reader
    sequential = _evaluate(tickets, events, tmp_path / "sequential", scratch)
    assert len(cut) == 1
    assert split.output == sequential.output
    for name in ("ev.json", "ev.csv"):
        assert (tmp_path / "split" / name).read_bytes() == (
            tmp_path / "sequential" / name).read_bytes()
    # the rows refused name the user's files, with their rows
    assert f"{tickets}:3: " in split.output and str(scratch) not in split.output
    document = (tmp_path / "split" / "ev.json").read_text(encoding="utf-8")
    assert str(tickets) in document and str(events) in document
    assert str(scratch) not in document


def test_an_error_inside_the_split_reader_names_the_gzipped_file(tmp_path):
    source = tmp_path / "tickets.csv"
    source.write_text("ticket,customer,created_at\nT1,Alfa Srl,2026-07-01T09:00:00+02:00\n",
                      encoding="utf-8")
    (tickets,) = gzipped(tmp_path, source)
    events = tmp_path / "events.csv"
    events.write_text("ticket_id,at,status\n", encoding="utf-8")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    r = _evaluate(tickets, events, tmp_path / "out", scratch)
    assert r.exit_code == 2, r.output
    assert r.output.startswith(f"error: {tickets}:1: missing column 'id'"), r.output
    assert str(scratch) not in r.output
    assert os.listdir(scratch) == [] and os.listdir(tmp_path / "out") == []


def test_a_quoted_line_break_in_a_gzipped_export_goes_to_the_sequential_reader(
        tmp_path, monkeypatch):
    source = tmp_path / "tickets.csv"
    rows = (BROKEN / "broken.csv").read_text(encoding="utf-8").splitlines()
    rows[1] = rows[1].replace("incident", '"inci\ndent"', 1)
    source.write_text("\n".join(rows) + "\n", encoding="utf-8")
    tickets, events = gzipped(tmp_path, source, BROKEN / "broken-events.csv")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    ran = []
    real = streaming._run
    monkeypatch.setattr(streaming, "_run", lambda *a: ran.append(a[1]) or real(*a))
    r = _evaluate(tickets, events, tmp_path / "out", scratch)
    assert r.exit_code in (0, 1), r.output
    assert ran == [str(tickets)]  # the user's file, read as it is
    assert os.listdir(scratch) == []


@pytest.mark.parametrize("fails", ["decompress", "room"])
def test_a_copy_that_cannot_be_made_leaves_the_file_to_the_sequential_reader(
        tmp_path, monkeypatch, fails):
    import errno

    import pyarrow as pa

    tickets, events = gzipped(tmp_path, BROKEN / "broken.csv", BROKEN / "broken-events.csv")
    scratch = tmp_path / "scratch"
    scratch.mkdir()

    class Failing:
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def read_buffer(self, size):
            if fails == "room":
                raise OSError(errno.ENOSPC, "No space left on device")
            raise pa.ArrowInvalid("zlib inflate failed: invalid stored block lengths")

    real_open = pa.input_stream
    monkeypatch.setattr(pa, "input_stream", lambda *a, **kw: Failing())
    ran = []
    real = streaming._run

    def sequential(*a):
        ran.append(a[1])
        monkeypatch.setattr(pa, "input_stream", real_open)
        return real(*a)

    monkeypatch.setattr(streaming, "_run", sequential)
    r = _evaluate(tickets, events, tmp_path / "out", scratch)
    assert r.exit_code in (0, 1), r.output
    assert ran == [str(tickets)]
    assert os.listdir(scratch) == []


def test_convert_splits_a_gzipped_export_too(tmp_path, monkeypatch):
    """`slalang convert` decompresses a gzipped export and writes its partitions on the split
    reader's workers: the manifest (the user's files, their hash, rows refused) and every
    evaluation of the dataset as from the sequential reader."""
    import json

    from slalang.data import dataset

    tickets, events = gzipped(tmp_path, BROKEN / "broken.csv", BROKEN / "broken-events.csv")
    cut = []
    real = dataset._convert_split
    monkeypatch.setattr(dataset, "_convert_split",
                        lambda *a, **kw: cut.append(a[0]) or real(*a, **kw))
    dataset.convert(tickets, tmp_path / "split", events, partition_rows=2)
    assert len(cut) == 1 and str(cut[0]).endswith("-broken.csv")
    monkeypatch.setattr(inflate, "gzipped", lambda *a: False)
    dataset.convert(tickets, tmp_path / "sequential", events, partition_rows=2)
    assert len(cut) == 1
    docs = [json.loads((tmp_path / name / dataset.MANIFEST).read_text(encoding="utf-8"))
            for name in ("split", "sequential")]
    for key in ("source", "events", "tickets", "data_hash", "rejected", "input",
                "rejected_lines", "created_min", "created_max"):
        assert docs[0][key] == docs[1][key], key
    assert docs[0]["source"] == str(tickets) and docs[0]["rejected"]
    assert all(r[0] in (str(tickets), str(events)) for r in docs[0]["rejected"])
    outputs = []
    for name in ("split", "sequential"):
        r = CliRunner().invoke(main, [
            "evaluate", str(ROOT / "policies" / "reference.sla"), "--tickets",
            str(tmp_path / name), "--period", "2026-07", "--json", "-"])
        assert r.exit_code in (0, 1), r.output
        outputs.append(r.output)
    assert outputs[0] == outputs[1]


def _plan(name: str):
    from slalang.language import load_policy
    from slalang.plan import compile_plan

    return compile_plan(load_policy(ROOT / "policies" / name))


@pytest.mark.parametrize("rows_out", [0, 1])
def test_a_full_scratch_after_verdict_rows_went_out_is_not_run_again(tmp_path, monkeypatch,
                                                                    rows_out):
    """The split reader's files not fitting beside the copies sends the files to the
    sequential reader, but only while no verdict row has gone out: once one has, the
    sequential reader wrote every row again after the cut-off ones, a header in the middle,
    and the run ended 0 (found with --csv on the scratch's own file system)."""
    import io

    from slalang.errors import ScratchError

    bench = ROOT / "tests" / "evaluation" / "fixtures" / "bench300"
    tickets, events = gzipped(tmp_path, bench / "tickets.csv", bench / "events.csv")
    calls = []
    real = streaming._write_table

    def full_disk(writer, out, table):  # full once, after ``rows_out`` chunks' rows
        calls.append(len(calls))
        if len(calls) == rows_out + 1:
            raise ScratchError("the temporary files did not fit in /tmp (No space left)")
        return real(writer, out, table)

    monkeypatch.setattr(streaming, "_write_table", full_disk)
    verdicts = io.BytesIO()
    run = [_plan("bench.sla"), tickets, events, None, None]
    options = {"chunk_rows": 50, "workers": 1, "verdicts": verdicts,
               "workdir": str(tmp_path), "as_of": 1893456000}
    if rows_out:
        with pytest.raises(ScratchError):
            streaming.evaluate_chunked(*run, **options)
        return
    monkeypatch.setattr(streaming, "_write_table", real)  # the sequential reader writes
    ran = []
    real_run = streaming._run
    monkeypatch.setattr(streaming, "_run", lambda *a: ran.append(1) or real_run(*a))
    real_split = streaming._run_split
    monkeypatch.setattr(streaming, "_run_split", lambda *a, **kw: full_disk(None, None, None))
    streaming.evaluate_chunked(*run, **options)
    assert ran == [1]
    monkeypatch.setattr(streaming, "_run_split", real_split)
    plain = io.BytesIO()
    streaming.evaluate_chunked(_plan("bench.sla"), bench / "tickets.csv", bench / "events.csv",
                               None, None, **{**options, "verdicts": plain})
    assert verdicts.getvalue() == plain.getvalue() and verdicts.getvalue().count(b'"id"') == 1


@pytest.mark.parametrize("plain", [False, True])
def test_convert_whose_temporary_files_do_not_fit(tmp_path, monkeypatch, plain):
    """Gzipped: the split reader's files not fitting beside the copies sends the export to
    the sequential reader, as `evaluate` does (it failed where the old code converted).
    Plain: the run says that the temporary files did not fit, and what to do (it said
    "48083 requested and 7850 written")."""
    import errno

    from slalang.data import dataset
    from slalang.errors import ScratchError

    bench = ROOT / "tests" / "evaluation" / "fixtures" / "bench300"
    files = [bench / "tickets.csv", bench / "events.csv"]
    if not plain:
        files = gzipped(tmp_path, *files)

    def full(tickets, events, rows, work, tmp, progress, *more, **options):
        raise OSError(errno.ENOSPC, "No space left on device", os.path.join(tmp, "e0.bin"))

    monkeypatch.setattr(dataset, "_convert_split", full)
    if plain:
        with pytest.raises(ScratchError, match="did not fit in .*set TMPDIR"):
            dataset.convert(files[0], tmp_path / "ds", files[1], partition_rows=100)
        return
    done = dataset.convert(files[0], tmp_path / "ds", files[1], partition_rows=100)
    assert done.tickets == 300 and done.source == str(files[0])
