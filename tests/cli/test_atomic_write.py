import os
import stat
import subprocess
import sys
import threading

import pytest

from slalang.cli.common import atomic_write, output_set, writes_in_place


def test_written_file_has_default_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        with atomic_write(tmp_path / "out.txt") as fh:
            fh.write("ok\n")
    finally:
        os.umask(old)
    mode = stat.S_IMODE((tmp_path / "out.txt").stat().st_mode)
    assert mode == 0o644
    assert (tmp_path / "out.txt").read_text() == "ok\n"


def test_failure_leaves_no_file_and_no_temp(tmp_path):
    target = tmp_path / "report.html"
    target.write_text("previous\n")
    with pytest.raises(RuntimeError), atomic_write(target) as fh:
        fh.write("half")
        raise RuntimeError("boom")
    assert target.read_text() == "previous\n"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


# -- issue 9: special files, several outputs, leftovers of killed runs -----------------------

def test_a_device_is_written_not_replaced():
    # as root, the temp-then-rename write used to turn /dev/null into a regular file
    with atomic_write("/dev/null") as fh:
        fh.write("discarded\n")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_a_fifo_is_written_in_place(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    with atomic_write(fifo) as fh:
        fh.write("through the pipe\n")
    reader.join(10)
    assert got == [b"through the pipe\n"]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_a_symlink_is_kept_and_its_target_replaced(tmp_path):
    (tmp_path / "real.json").write_text("old\n")
    (tmp_path / "link.json").symlink_to("real.json")
    with atomic_write(tmp_path / "link.json") as fh:
        fh.write("new\n")
    assert (tmp_path / "link.json").is_symlink()
    assert (tmp_path / "real.json").read_text() == "new\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.json", "real.json"]


def test_dash_is_standard_output(capsys):
    with atomic_write("-") as fh:
        fh.write("to stdout\n")
    assert capsys.readouterr().out == "to stdout\n"


def test_special_paths_are_written_in_place():
    assert writes_in_place("/dev/stdout") and writes_in_place("/dev/fd/1")
    assert not writes_in_place("/nonexistent-dir/out.json")


def test_an_output_set_writes_all_or_none(tmp_path):
    (tmp_path / "b.csv").write_text("previous\n")
    with pytest.raises(OSError), output_set() as outputs:
        with outputs.open(tmp_path / "a.json") as fh:
            fh.write("{}\n")
        with outputs.open(tmp_path / "b.csv") as fh:
            fh.write("new\n")
        with outputs.open("/dev/full") as fh:
            fh.write("x" * 100_000)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.csv"]
    assert (tmp_path / "b.csv").read_text() == "previous\n"


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_leftovers_of_a_killed_run_are_removed_by_the_next(tmp_path):
    dead = tmp_path / f".out.json.slalang-{_dead_pid()}-k1ll3d.tmp"
    dead.write_text("half a file")
    alive = tmp_path / ".out.json.slalang-1-running.tmp"  # pid 1 is alive: another run's
    alive.write_text("being written")
    other = tmp_path / f".other.json.slalang-{_dead_pid()}-x.tmp"  # another output's: gone
    other.write_text("")
    kept = tmp_path / ".notes.slalang-x.tmp"  # not named as a run's temporary file: kept
    kept.write_text("")
    with atomic_write(tmp_path / "out.json") as fh:
        fh.write("{}\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["out.json", alive.name, kept.name])


def test_a_folder_is_cleaned_once_for_all_its_outputs(tmp_path, monkeypatch):
    """A report of 5,000 customers listed its folder once per file to clean it, 4.6 s
    spent after the last report was rendered. Once per folder per run now."""
    from slalang.cli import common

    listed = []
    real = os.listdir
    monkeypatch.setattr(common.os, "listdir", lambda p: (listed.append(p), real(p))[1])
    with output_set() as outputs:
        for k in range(50):
            with outputs.open(tmp_path / f"c{k}.html") as fh:
                fh.write("x")
    assert listed == [tmp_path]
    assert len(list(tmp_path.iterdir())) == 50


def test_a_discarded_run_leaves_no_folder_it_made(tmp_path):
    """A failed `report -o qbr/` left the new, empty qbr/ behind."""
    with pytest.raises(RuntimeError), output_set() as outputs:
        with outputs.open(tmp_path / "qbr" / "q3" / "alfa.html") as fh:
            fh.write("x")
        raise RuntimeError("the disk filled up")
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "kept").mkdir()
    with output_set() as outputs, outputs.open(tmp_path / "kept" / "a.html") as fh:
        fh.write("x")
    assert (tmp_path / "kept" / "a.html").read_text() == "x"


def test_an_error_names_the_output_not_its_temporary_file(tmp_path, monkeypatch):
    """A read-only folder: "Read-only file system: '.../.ev.json.slalang-2457-y9gl2xur.tmp'"
    named a file the user never asked for."""
    import errno
    import tempfile

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system", str(tmp_path / ".ev.json.x.tmp"))

    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    with pytest.raises(OSError) as caught, atomic_write(tmp_path / "ev.json"):
        pass
    assert caught.value.filename == str(tmp_path / "ev.json")


def test_temporary_files_name_their_run(tmp_path):
    with atomic_write(tmp_path / "out.json") as fh:
        names = [p.name for p in tmp_path.iterdir()]
        fh.write("{}\n")
    assert len(names) == 1 and names[0].startswith(f".out.json.slalang-{os.getpid()}-")
