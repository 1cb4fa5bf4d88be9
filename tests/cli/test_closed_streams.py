"""A caller that closes standard output or error (a CI step's ``>&-``, a daemonised runner):
the run went through and then failed with a traceback on the flush, exit 1, the code of a
missed objective. And the first file opened took the closed descriptor, so what went to
standard output could land in an output file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "tests" / "evaluation" / "fixtures" / "bench300"


def _slalang(args: list[str], tmp_path: Path, closed: str) -> subprocess.CompletedProcess:
    shell = ('exec "$@" >&- 2>err.txt' if closed == "stdout" else
             'exec "$@" >out.txt 2>&-' if closed == "stderr" else 'exec "$@" <&- >out.txt')
    return subprocess.run(["sh", "-c", shell, "sh", sys.executable, "-m", "slalang", *args],
                          cwd=tmp_path, timeout=120)


@pytest.mark.parametrize("closed", ["stdout", "stderr", "stdin"])
def test_a_closed_standard_stream_is_as_the_null_device(tmp_path, closed):
    policy = str(ROOT / "policies" / "bench.sla")
    run = _slalang(["evaluate", policy, "--tickets", str(BENCH / "tickets.csv"), "--events",
                    str(BENCH / "events.csv"), "--as-of", "2030-01-01T00:00:00+00:00",
                    "--json", "ev.json"], tmp_path, closed)
    assert run.returncode == 0
    doc = json.loads((tmp_path / "ev.json").read_text())  # whole, nothing else in it
    assert doc["counts"]["tickets"] > 0
    if closed == "stdout":
        assert (tmp_path / "err.txt").read_text() == ""
    else:
        assert "objectives missed: 88" in (tmp_path / "out.txt").read_text()
    run = _slalang(["check", policy], tmp_path, closed)
    assert run.returncode == 0
