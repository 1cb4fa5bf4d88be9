"""Where the chunked engine writes its temporary files: shared memory only when they surely fit,
the caller's folder or TMPDIR always as given, and nothing left behind."""

from __future__ import annotations

import gzip
import os
import tempfile
from pathlib import Path

import pytest

from slalang.evaluation import scratch, streaming
from slalang.language import load_policy
from slalang.plan import compile_plan

ROOT = Path(__file__).resolve().parents[2]
BENCH300 = Path(__file__).parent / "fixtures" / "bench300"
GIB = 1 << 30


class _Vfs:
    def __init__(self, free: int) -> None:
        self.f_bavail, self.f_frsize = free // 4096, 4096


@pytest.fixture
def shm(tmp_path, monkeypatch):
    """A folder standing for /dev/shm: a tmpfs with 8 GiB free, 16 GiB of memory available."""
    folder = tmp_path / "shm"
    folder.mkdir()
    monkeypatch.delenv("TMPDIR", raising=False)
    monkeypatch.setattr(scratch, "SHM", str(folder))
    monkeypatch.setattr(scratch, "_is_tmpfs", lambda path: path == str(folder))
    monkeypatch.setattr(scratch, "memory_available", lambda: 16 * GIB)
    real = os.statvfs
    monkeypatch.setattr(scratch.os, "statvfs",
                        lambda p: _Vfs(8 * GIB) if p == str(folder) else real(p))
    return folder


def _input(tmp_path: Path, size: int, name: str = "t.csv") -> Path:
    path = tmp_path / name
    with open(path, "wb") as fh:
        fh.truncate(size)  # sparse: the size is what counts
    return path


def test_shared_memory_when_the_files_fit(shm, tmp_path):
    assert scratch.scratch_dir(None, [_input(tmp_path, GIB), None]) == str(shm)


def test_a_folder_named_or_tmpdir_is_used_as_given(shm, tmp_path, monkeypatch):
    small = _input(tmp_path, 1000)
    assert scratch.scratch_dir(tmp_path / "mine", [small]) == str(tmp_path / "mine")
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    assert scratch.scratch_dir(None, [small]) is None  # tempfile reads TMPDIR itself


def test_the_disk_when_memory_is_short(shm, tmp_path, monkeypatch):
    monkeypatch.setattr(scratch, "memory_available", lambda: 2 * GIB)
    assert scratch.scratch_dir(None, [_input(tmp_path, GIB // 2)]) == str(shm)
    assert scratch.scratch_dir(None, [_input(tmp_path, GIB // 2 + 1)]) is None
    monkeypatch.setattr(scratch, "memory_available", lambda: None)
    assert scratch.scratch_dir(None, [_input(tmp_path, 1000)]) is None


def test_the_disk_when_the_tmpfs_is_short(shm, tmp_path, monkeypatch):
    monkeypatch.setattr(scratch.os, "statvfs", lambda p: _Vfs(2 * GIB))
    assert scratch.scratch_dir(None, [_input(tmp_path, GIB)]) == str(shm)
    assert scratch.scratch_dir(None, [_input(tmp_path, GIB + 4096)]) is None


def test_the_disk_without_a_tmpfs_or_a_readable_input(shm, tmp_path, monkeypatch):
    assert scratch.scratch_dir(None, [tmp_path / "missing.csv"]) is None
    monkeypatch.setattr(scratch, "_is_tmpfs", lambda path: False)
    assert scratch.scratch_dir(None, [_input(tmp_path, 1000)]) is None


def test_a_compressed_input_counts_ten_times(tmp_path):
    plain = tmp_path / "t.csv"
    plain.write_bytes(b"id\n" * 1000)
    packed = tmp_path / "t.csv.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    assert scratch.expected_bytes([plain, None]) == 3000
    assert scratch.expected_bytes([packed]) == 10 * packed.stat().st_size


def test_memory_available_reads_the_kernel():
    if not Path("/proc/meminfo").exists():
        pytest.skip("no /proc/meminfo")
    assert scratch.memory_available() > 0


def test_a_chunked_run_writes_there_and_leaves_nothing(shm, monkeypatch):
    made: list[str | None] = []
    real = tempfile.mkdtemp

    def spy(*args, **kwargs):
        made.append(kwargs.get("dir"))
        return real(*args, **kwargs)

    monkeypatch.setattr(scratch.tempfile, "mkdtemp", spy)
    plan = compile_plan(load_policy(ROOT / "policies" / "bench.sla"))
    streaming.evaluate_chunked(plan, BENCH300 / "tickets.csv", BENCH300 / "events.csv",
                               None, None, chunk_rows=50, workers=1)
    assert made == [str(shm)]
    assert list(shm.iterdir()) == []


def test_a_failed_run_removes_its_folder_at_once(tmp_path):
    with scratch.removal_in_background(), pytest.raises(RuntimeError), \
            scratch.scratch_folder(str(tmp_path)) as folder:
        (Path(folder) / "segment.arrow").write_bytes(b"x" * 1000)
        raise RuntimeError("the run failed")
    assert list(tmp_path.iterdir()) == []


def test_a_finished_run_removes_its_folder_before_it_returns(tmp_path):
    with scratch.scratch_folder(str(tmp_path)) as folder:
        (Path(folder) / "segment.arrow").write_bytes(b"x" * 1000)
    assert list(tmp_path.iterdir()) == []
    assert not scratch._removing


def test_the_command_line_removes_its_folder_on_a_helper_thread(tmp_path, monkeypatch):
    import threading

    started = threading.Event()
    release = threading.Event()
    real = scratch.shutil.rmtree

    def slow(path, **kwargs):
        started.set()
        release.wait(10)
        real(path, **kwargs)

    monkeypatch.setattr(scratch.shutil, "rmtree", slow)
    with scratch.removal_in_background():
        with scratch.scratch_folder(str(tmp_path)) as folder:
            (Path(folder) / "segment.arrow").write_bytes(b"x" * 1000)
        assert started.wait(10)
        assert list(tmp_path.iterdir()) != []  # returned while the folder is removed
    release.set()
    scratch.wait_removed()
    assert list(tmp_path.iterdir()) == []
    with scratch.scratch_folder(str(tmp_path)):  # outside it: removed before returning
        pass
    assert list(tmp_path.iterdir()) == [] and not scratch._removing


def test_a_full_folder_is_an_error_for_people(tmp_path):
    """A write that found no room (the folder's file system full) says where and what to do,
    and the folder is removed; any other error passes unchanged."""
    import errno

    from slalang.errors import ScratchError

    with pytest.raises(ScratchError, match="did not fit in .*set TMPDIR"), \
            scratch.scratch_folder(str(tmp_path)) as folder:
        (Path(folder) / "segment.arrow").write_bytes(b"x" * 1000)
        raise OSError(errno.ENOSPC, "No space left on device")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(PermissionError), scratch.scratch_folder(str(tmp_path)):
        raise PermissionError(errno.EACCES, "Permission denied")
    assert list(tmp_path.iterdir()) == []


def test_the_command_line_says_the_scratch_is_full(shm, monkeypatch):
    """End to end: a range that cannot be written (no space left) ends the run with exit 2
    and the error, not a trace, and nothing is left in the scratch folder."""
    import errno

    from click.testing import CliRunner

    from slalang.cli import main
    from slalang.data import split

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "Error writing bytes to file")

    monkeypatch.setattr(split, "place_range", full)
    result = CliRunner().invoke(main, [
        "evaluate", str(ROOT / "policies" / "bench.sla"), "--tickets",
        str(BENCH300 / "tickets.csv"), "--events", str(BENCH300 / "events.csv"),
        "--engine", "chunks", "--as-of", "2030-01-01T00:00:00+00:00"])
    assert result.exit_code == 2, result.output
    assert f"did not fit in {shm}" in result.output
    assert "Traceback" not in result.output
    scratch.wait_removed()
    assert list(shm.iterdir()) == []
