"""Where the chunked engine writes its temporary files: shared memory only when they surely fit,
the caller's folder or TMPDIR always as given, and nothing left behind."""

from __future__ import annotations

import gzip
import os
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


def test_a_gzipped_input_counts_its_content_twice(tmp_path):
    # decompressed into the scratch folder (its trailer says how large), then split there
    plain = tmp_path / "t.csv"
    plain.write_bytes(b"id\n" * 1000)
    packed = tmp_path / "t.csv.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    assert scratch.expected_bytes([plain, None]) == 3000
    assert scratch.expected_bytes([packed]) == 2 * 3000
    # a trailer that cannot be the size (a file cut short): ten times the compressed size
    cut = tmp_path / "cut.csv.gz"
    cut.write_bytes(packed.read_bytes()[:-4] + b"\0\0\0\0")
    assert scratch.expected_bytes([cut]) == 2 * 10 * cut.stat().st_size
    zipped = tmp_path / "t.zip"
    zipped.write_bytes(b"PK\x03\x04" + b"\0" * 96)
    assert scratch.expected_bytes([zipped]) == 10 * 100


def test_memory_available_reads_the_kernel():
    if not Path("/proc/meminfo").exists():
        pytest.skip("no /proc/meminfo")
    assert scratch.memory_available() > 0


def test_a_chunked_run_writes_there_and_leaves_nothing(shm, monkeypatch):
    made: list[str] = []
    real = scratch.os.mkdir

    def spy(path, *args, **kwargs):
        made.append(os.path.dirname(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(scratch.os, "mkdir", spy)
    plan = compile_plan(load_policy(ROOT / "policies" / "bench.sla"))
    streaming.evaluate_chunked(plan, BENCH300 / "tickets.csv", BENCH300 / "events.csv",
                               None, None, chunk_rows=50, workers=1)
    assert str(shm) in made
    assert list(shm.iterdir()) == []


@pytest.mark.parametrize("signal", [SystemExit(143), KeyboardInterrupt()])
def test_a_stop_just_after_the_folder_is_made_removes_it(tmp_path, monkeypatch, signal):
    """A SIGTERM (SystemExit 143 inside a command) or Ctrl-C landing right after the
    folder is made, before the run has its name: the folder is removed all the same (it was
    made inside ``mkdtemp`` and left behind, once in a CI run)."""
    real = os.mkdir

    def made_then_stopped(path, *args, **kwargs):
        real(path, *args, **kwargs)
        raise signal

    monkeypatch.setattr(scratch.os, "mkdir", made_then_stopped)
    with pytest.raises(type(signal)), scratch.scratch_folder(str(tmp_path)):
        pass
    assert list(tmp_path.iterdir()) == []


def test_a_folder_of_the_same_name_made_meanwhile_is_left_alone(tmp_path, monkeypatch):
    real = os.mkdir

    def taken(path, *args, **kwargs):
        real(path, *args, **kwargs)
        (Path(path) / "theirs").write_text("x", encoding="utf-8")
        raise FileExistsError(17, "File exists", path)

    monkeypatch.setattr(scratch.os, "mkdir", taken)
    with pytest.raises(FileExistsError), scratch.scratch_folder(str(tmp_path)):
        pass
    assert [p.name for p in tmp_path.iterdir()] and list(tmp_path.glob("*/theirs"))


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
    assert not [t for t in scratch._removing if t.is_alive()]  # the thread took itself off
    with scratch.scratch_folder(str(tmp_path)):  # outside it: removed before returning
        pass
    assert list(tmp_path.iterdir()) == []


def test_a_full_folder_is_an_error_for_people(tmp_path, monkeypatch):
    """A write that found no room (the folder's file system full) says where and what to do,
    and the folder is removed; any other error passes unchanged."""
    import errno

    from slalang.errors import ScratchError

    monkeypatch.setattr(scratch.os, "statvfs", lambda p: _Vfs(0))  # a full file system
    with pytest.raises(ScratchError, match="did not fit in .*set TMPDIR"), \
            scratch.scratch_folder(str(tmp_path)) as folder:
        (Path(folder) / "segment.arrow").write_bytes(b"x" * 1000)
        raise OSError(errno.ENOSPC, "No space left on device")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(PermissionError), scratch.scratch_folder(str(tmp_path)):
        raise PermissionError(errno.EACCES, "Permission denied")
    assert list(tmp_path.iterdir()) == []


def test_numpys_short_write_on_a_full_folder_is_the_same_error(tmp_path, monkeypatch):
    """numpy's ``tofile`` on a full file system raises an OSError with no errno ("330420
    requested and 187392 written"): it passed as that sentence, and the folder's name and
    what to do were lost. It is told by the folder's free space."""
    import os
    from collections import namedtuple

    from slalang.errors import ScratchError

    Fs = namedtuple("Fs", "f_bavail f_frsize")
    monkeypatch.setattr(os, "statvfs", lambda path: Fs(10, 4096))
    with pytest.raises(ScratchError, match=r"did not fit in .*\(No space left on device\)"), \
            scratch.scratch_folder(str(tmp_path)):
        raise OSError("330420 requested and 187392 written")
    monkeypatch.setattr(os, "statvfs", lambda path: Fs(1 << 20, 4096))  # room: not ours
    with pytest.raises(OSError, match="requested and"), scratch.scratch_folder(str(tmp_path)):
        raise OSError("330420 requested and 187392 written")


def test_an_index_file_takes_its_room_before_it_is_written(tmp_path, monkeypatch):
    """The id index is a memory-mapped file, sparse as made: the first page written where
    the scratch's file system had no room killed the run with SIGBUS, nothing said. Its room
    is taken when it is made, so a full folder is an ENOSPC there, said as such."""
    import errno
    import os

    from slalang.data.stream import _lookup_array
    from slalang.errors import ScratchError

    taken = []
    real = os.posix_fallocate
    monkeypatch.setattr(os, "posix_fallocate",
                        lambda fd, at, size: (taken.append(size), real(fd, at, size)))
    array = _lookup_array(str(tmp_path), "table", 1000, "int64")
    assert taken and taken[0] >= 8000 and len(array) == 1000
    del array

    def full(fd, at, size):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "posix_fallocate", full)
    with pytest.raises(ScratchError, match="did not fit in"), \
            scratch.scratch_folder(str(tmp_path)) as folder:
        _lookup_array(folder, "table", 1000, "int64")


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
    real = scratch.os.statvfs  # the scratch's file system full, as a real ENOSPC leaves it
    monkeypatch.setattr(scratch.os, "statvfs",
                        lambda p: _Vfs(0) if str(p).startswith(f"{shm}/") else real(p))
    result = CliRunner().invoke(main, [
        "evaluate", str(ROOT / "policies" / "bench.sla"), "--tickets",
        str(BENCH300 / "tickets.csv"), "--events", str(BENCH300 / "events.csv"),
        "--engine", "chunks", "--as-of", "2030-01-01T00:00:00+00:00"])
    assert result.exit_code == 2, result.output
    assert f"did not fit in {shm}" in result.output
    assert "Traceback" not in result.output
    scratch.wait_removed()
    assert list(shm.iterdir()) == []


def test_an_output_without_room_is_not_blamed_on_the_scratch(shm, tmp_path):
    """``--csv`` on a full disk, written while the chunked run's scratch folder exists: it
    was said as "the chunked evaluation's temporary files did not fit in /dev/shm", a
    folder with 24 GB free. An error for a file elsewhere, or with the scratch's file system
    far from full, passes as it is."""
    import errno

    from slalang.errors import ScratchError

    with pytest.raises(OSError) as caught, scratch.scratch_folder(str(shm)):
        raise OSError(errno.ENOSPC, "No space left on device")  # the scratch has 8 GiB
    assert not isinstance(caught.value, ScratchError)
    named = OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "v.csv"))
    with pytest.raises(OSError) as caught, scratch.scratch_folder(str(shm)):
        raise named
    assert caught.value is named


def _gone_pid() -> int:
    """The id of a process that has exited."""
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    return int(proc.stdout)


def test_a_killed_runs_folder_is_removed_by_the_next_run(tmp_path):
    """A run killed before it could clean up (SIGKILL, a CI timeout's SIGTERM) left its folder,
    which in shared memory holds memory until the machine restarts: the next run removes it.
    A live run's folder, another pid namespace's, and a folder of another name stay."""
    from slalang.processes import namespace

    ns = namespace()
    dead = tmp_path / f"slalang-chunks-{ns}-{_gone_pid()}-abc"
    live = tmp_path / f"slalang-chunks-{ns}-{os.getppid()}-def"
    other_ns = tmp_path / f"slalang-chunks-{ns}0-{_gone_pid()}-ghi"
    old_style = tmp_path / "slalang-chunks-xyz"
    for folder in (dead, live, other_ns, old_style):
        folder.mkdir()
        (folder / "t000000.arrow").write_bytes(b"x" * 100)
    with scratch.scratch_folder(str(tmp_path)) as mine:
        assert Path(mine).name.startswith(f"slalang-chunks-{ns}-{os.getpid()}-")
        assert not dead.exists()
        assert live.exists() and other_ns.exists() and old_style.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        p.name for p in (live, other_ns, old_style))


def test_shared_memory_is_cleaned_when_the_run_uses_the_disk(shm, tmp_path):
    """A killed run's folder in shared memory goes at the next run, even when that run writes
    to the disk (its input too large for shared memory, or TMPDIR set)."""
    from slalang.processes import namespace

    dead = shm / f"slalang-chunks-{namespace()}-{_gone_pid()}-abc"
    dead.mkdir()
    disk = tmp_path / "disk"
    disk.mkdir()
    with scratch.scratch_folder(str(disk)):
        assert not dead.exists()


def _scratch_of(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if p.name.startswith("slalang-chunks-")]


def _start_long_run(tmp_path: Path, *outputs: str):
    """A command-line chunked run on an export large enough to be still running when it is
    stopped, its scratch folder in ``tmp_path``, started and seen writing there:
    ``(process, argv, env)``."""
    import subprocess
    import sys
    import time

    env = {**os.environ, "TMPDIR": str(tmp_path)}
    tickets = tmp_path / "tickets.csv"
    rows = (BENCH300 / "tickets.csv").read_text(encoding="utf-8").splitlines()
    body = rows[1:] * 400
    tickets.write_text("\n".join([rows[0], *(
        r.replace(r.split(",", 1)[0], f"T{i:07d}", 1) for i, r in enumerate(body))]) + "\n",
        encoding="utf-8")
    argv = [sys.executable, "-m", "slalang", "evaluate", str(ROOT / "policies" / "bench.sla"),
            "--tickets", str(tickets), "--engine", "chunks", "--chunk-rows", "100",
            "--as-of", "2030-01-01T00:00:00+00:00", "--workers", "1", *outputs]
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not _scratch_of(tmp_path):
        assert proc.poll() is None and time.monotonic() < deadline, "no scratch folder seen"
        time.sleep(0.01)
    return proc, argv, env


@pytest.mark.slow
def test_a_chunked_run_killed_mid_way_is_cleaned_up_by_the_next(tmp_path):
    """End to end with real processes: a command line run killed while it evaluates leaves its
    scratch folder behind; the next run removes it."""
    import signal
    import subprocess

    proc, argv, env = _start_long_run(tmp_path)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert _scratch_of(tmp_path)  # killed: nothing could clean up
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode in (0, 1), done.stderr
    assert _scratch_of(tmp_path) == []


def test_sigterm_ends_a_command_as_an_exception_does():
    """Within a command, SIGTERM raises SystemExit(143) so that the cleanup runs; a handler
    the host installed is kept, and the default comes back after the command."""
    import signal

    from slalang.signals import EXIT_TERMINATED, exit_on_signals

    before = signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        with pytest.raises(SystemExit) as stopped, exit_on_signals():
            os.kill(os.getpid(), signal.SIGTERM)
            for _ in range(1000):  # the handler runs between two bytecodes
                pass
        assert stopped.value.code == EXIT_TERMINATED == 143
        assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL

        def host(signum, frame):
            pass

        signal.signal(signal.SIGTERM, host)
        with exit_on_signals():
            assert signal.getsignal(signal.SIGTERM) is host
    finally:
        signal.signal(signal.SIGTERM, before)


@pytest.mark.slow
def test_a_chunked_run_stopped_by_sigterm_cleans_up_at_once(tmp_path):
    """A CI job's timeout sends SIGTERM: the run exits 143 with its scratch folder removed
    and no output written, half or whole."""
    import signal

    out = tmp_path / "out"
    out.mkdir()
    proc, _, _ = _start_long_run(tmp_path, "--json", str(out / "result.json"),
                                 "--csv", str(out / "verdicts.csv"))
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 143
    assert _scratch_of(tmp_path) == []
    assert list(out.iterdir()) == []


def test_any_run_removes_a_killed_runs_scratch(tmp_path, monkeypatch):
    """A chunked run killed outright left its scratch in shared memory (60 MB at 1m, 835 MB
    at 10m, memory no swap can take), and only the next *chunked* run removed it: in-memory
    runs and reports went by. Every run of the command line removes it now."""
    from click.testing import CliRunner

    from slalang import workpool
    from slalang.cli import main
    from slalang.processes import namespace

    monkeypatch.setattr(workpool, "SHM", str(tmp_path))
    dead = tmp_path / f"slalang-chunks-{namespace()}-{_gone_pid()}-abc123"
    dead.mkdir()
    (dead / "segment.arrow").write_bytes(b"x" * 1000)
    spilled = tmp_path / f"slalang-results-{namespace()}-{_gone_pid()}-def456"
    spilled.mkdir()
    running = tmp_path / f"slalang-chunks-{namespace()}-1-ghi789"  # pid 1 runs: kept
    running.mkdir()
    r = CliRunner().invoke(main, [
        "evaluate", str(ROOT / "policies" / "bench.sla"), "--tickets",
        str(BENCH300 / "tickets.csv"), "--events", str(BENCH300 / "events.csv"),
        "--engine", "memory", "--as-of", "2030-01-01T00:00:00+00:00", "-q"])
    assert r.exit_code == 0, r.output
    assert [p.name for p in tmp_path.iterdir()] == [running.name]
