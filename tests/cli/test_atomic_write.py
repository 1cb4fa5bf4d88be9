import os
import stat

import pytest

from slalang.cli.common import atomic_write


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
