"""`slalang convert --out`: checked before anything is read and refused in words (a symlink
leading nowhere, the current folder, a folder inside a dataset, a partition size out of
bounds), never a raw ``[Errno N]`` or an internal error; a dataset another run wrote there
meanwhile is not replaced; and the folders a killed conversion leaves (its scratch files in
the temp folder, its partitions beside --out) are removed by the next conversion."""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from slalang.cli import convert as convert_cli
from slalang.cli import main
from slalang.data import dataset
from slalang.data.dataset import convert, is_dataset, read_manifest
from slalang.processes import namespace

ROOT = Path(__file__).resolve().parents[2]
BENCH300 = ROOT / "tests" / "evaluation" / "fixtures" / "bench300"
TICKETS, EVENTS = BENCH300 / "tickets.csv", BENCH300 / "events.csv"


def run_convert(out: str | Path, *extra: str):
    return CliRunner().invoke(main, ["convert", "--tickets", str(TICKETS),
                                     "--events", str(EVENTS), "--out", str(out), "-q",
                                     *extra])


def refused(r, out: str | Path, what: str) -> None:
    """Exit 2 with ``error: <out>: <what>...`` and nothing raw."""
    assert r.exit_code == 2, r.output
    assert r.output.startswith(f"error: {out}: {what}"), r.output
    assert "Errno" not in r.output and "internal error" not in r.output, r.output


def forbid_reading(monkeypatch) -> None:
    """From now on the export must not be read: the output is refused first."""
    def reading(*args, **kwargs):
        raise AssertionError("the export was read before --out was checked")

    monkeypatch.setattr(dataset, "_convert_into", reading)


# -- folders a killed conversion left ------------------------------------------------------

def test_the_folders_of_a_killed_conversion_are_removed_by_the_next(tmp_path, monkeypatch):
    """A conversion killed outright (SIGKILL, the OOM killer) left its scratch folder in the
    temp folder and its work folder beside --out for good. Both are named for their process
    now; the next conversion removes those of a process that is gone, and nothing else."""
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    finished = subprocess.Popen(["true"])
    finished.wait()
    dead = finished.pid
    running = subprocess.Popen(["sleep", "60"])
    ns = namespace()
    other_ns = "1" if ns != "1" else "2"
    here = tmp_path / "w"
    here.mkdir()

    def folder(parent: Path, name: str) -> Path:
        (parent / name).mkdir()
        (parent / name / "part-00000.parquet").write_bytes(b"left behind")
        return parent / name

    try:
        gone = [folder(temp, f"slalang-convert-{ns}-{dead}-ab12cd_3"),
                folder(here, f".ds.slalang-convert-{ns}-{dead}-x9y8z7w6")]
        kept = [folder(temp, f"slalang-convert-{ns}-{running.pid}-ab12cd_3"),
                folder(temp, f"slalang-convert-{ns}-{os.getpid()}-ab12cd_3"),
                folder(temp, f"slalang-convert-{other_ns}-{dead}-ab12cd_3"),  # pids of
                # another namespace mean nothing here
                folder(here, f".ds.slalang-convert-{ns}-{running.pid}-x9y8z7w6"),
                folder(here, f".ds.slalang-convert-{ns}-{os.getpid()}-x9y8z7w6"),
                folder(here, f".other.slalang-convert-{ns}-{dead}-x9y8z7w6"),  # not --out's
                folder(here, f".ds.slalang-convert-{ns}-{dead}"),  # not the exact pattern
                folder(here, ".ds.old")]
        a_file = here / f".ds.slalang-convert-{ns}-{dead}-abcdefgh"
        a_file.write_text("a file of that name is not a folder of ours", encoding="utf-8")
        kept.append(a_file)

        named = []
        real = dataset._convert_into

        def recording(tickets, events, mapping, rows, work, tmp, progress):
            named.append((work, Path(tmp)))
            return real(tickets, events, mapping, rows, work, tmp, progress)

        monkeypatch.setattr(dataset, "_convert_into", recording)
        r = run_convert(here / "ds")
        assert r.exit_code == 0, r.output
    finally:
        running.kill()
        running.wait()
    assert [p for p in gone if os.path.lexists(p)] == []
    assert [p for p in kept if not os.path.lexists(p)] == []
    # this run's own folders: named for it (so a later run can remove them), gone once done
    (work, tmp), = named
    assert re.fullmatch(rf"\.ds\.slalang-convert-{ns}-{os.getpid()}-[a-z0-9_]+", work.name)
    assert work.parent == here.resolve()
    assert re.fullmatch(rf"slalang-convert-{ns}-{os.getpid()}-[a-z0-9_]+", tmp.name)
    assert tmp.parent == temp
    assert not work.exists() and not tmp.exists()
    assert is_dataset(here / "ds")


def test_a_failed_conversion_leaves_no_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()

    def failing(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(dataset, "_write_partition", failing)
    with pytest.raises(OSError):
        convert(TICKETS, tmp_path / "w" / "ds", EVENTS)
    assert os.listdir(tmp_path / "w") == [] and os.listdir(tmp_path / "tmp") == []


# -- --out checked up front ----------------------------------------------------------------

def test_a_symlink_to_an_empty_directory_is_followed_and_kept(tmp_path, monkeypatch):
    """It failed after the whole conversion with `[Errno 20] Not a directory`: the dataset
    now takes the place of the directory the link points to, and the link stays."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty").mkdir()
    os.symlink("empty", "link")
    r = run_convert("link")
    assert r.exit_code == 0, r.output
    assert os.readlink("link") == "empty"
    assert is_dataset(tmp_path / "empty") and read_manifest("link").tickets > 0
    assert sorted(os.listdir(tmp_path)) == ["empty", "link"]


def test_a_dangling_symlink_is_refused_before_reading(tmp_path, monkeypatch):
    forbid_reading(monkeypatch)
    monkeypatch.chdir(tmp_path)
    os.symlink("nowhere", "dangling")
    r = run_convert("dangling")
    refused(r, "dangling", "the output is a symlink to 'nowhere', which does not exist")
    assert os.readlink("dangling") == "nowhere" and os.listdir(tmp_path) == ["dangling"]


@pytest.mark.parametrize("out", [".", "../cwd", "{cwd}"])
def test_the_current_folder_is_refused_before_reading(tmp_path, monkeypatch, out):
    """`--out .` in an empty folder failed after the conversion with `[Errno 22] Invalid
    argument: '.'`; replacing it would leave the shell in a folder that is gone."""
    forbid_reading(monkeypatch)
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    out = out.format(cwd=cwd)
    r = run_convert(out)
    refused(r, out, "the output is the current folder")
    assert cwd.is_dir() and os.listdir(cwd) == [] and os.listdir(tmp_path) == ["cwd"]


@pytest.mark.parametrize("inner", ["inner", "a/b", "a/../inner"])
def test_a_dataset_inside_a_dataset_is_refused(tmp_path, monkeypatch, inner):
    """--out inside a dataset's folder wrote a second dataset into the first."""
    outer = tmp_path / "ds"
    convert(TICKETS, outer, EVENTS, partition_rows=100)
    forbid_reading(monkeypatch)
    before = sorted(os.listdir(outer))
    r = run_convert(outer / inner)
    refused(r, outer / inner, f"the output is inside the dataset {str(outer)!r}")
    assert sorted(os.listdir(outer)) == before
    assert read_manifest(outer).tickets > 0


def test_a_dataset_another_run_wrote_meanwhile_is_not_replaced(tmp_path, monkeypatch):
    """Two conversions to the same new --out at once: the slower one failed with
    `[Errno 39] Directory not empty` after all its work. It says why now; the other run's
    dataset stays, and nothing of the slower run is left."""
    out = tmp_path / "ds"
    real = dataset._partition_facts
    raced: list[Path] = []

    def racing(work, parts):
        if not raced:  # the other run finishes while this one writes its manifest
            raced.append(work)
            convert(TICKETS, out, EVENTS, partition_rows=100)
        return real(work, parts)

    monkeypatch.setattr(dataset, "_partition_facts", racing)
    r = run_convert(out)
    refused(r, out, "another run wrote a dataset there meanwhile: nothing replaced")
    m = read_manifest(out)
    assert len(m.partitions) == 3  # the other run's (100 tickets each), not this one's (one)
    assert os.listdir(tmp_path) == ["ds"]


# -- --partition-rows ----------------------------------------------------------------------

def test_partition_rows_beyond_the_bound_are_refused(tmp_path):
    """2**31 tickets a partition was an internal error (OverflowError in int32)."""
    r = run_convert(tmp_path / "ds", "--partition-rows", str(2 ** 31))
    assert r.exit_code == 2, r.output
    assert "--partition-rows" in r.output and "10000000" in r.output, r.output
    assert "internal error" not in r.output and "Overflow" not in r.output
    with pytest.raises(ValueError, match="partition_rows must be from 1 to 10,000,000"):
        convert(TICKETS, tmp_path / "ds", EVENTS, partition_rows=2 ** 31)
    assert os.listdir(tmp_path) == []
    # the command line states the library's bounds, without importing it at start-up
    assert convert_cli.MAX_PARTITION_ROWS == dataset.MAX_PARTITION_ROWS
    assert convert_cli.DEFAULT_PARTITION_ROWS == dataset.DEFAULT_PARTITION_ROWS


def test_the_largest_partition_size_converts(tmp_path):
    r = run_convert(tmp_path / "ds", "--partition-rows", str(dataset.MAX_PARTITION_ROWS))
    assert r.exit_code == 0, r.output
    assert len(read_manifest(tmp_path / "ds").partitions) == 1
