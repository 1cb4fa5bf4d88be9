"""A reader that stops reading (``| head``) ends the run quietly with the shell's code for
SIGPIPE, 141. Before: "error: [Errno 32] Broken pipe" on stderr and exit 2, the code of a
bad input."""

from __future__ import annotations

import subprocess
import sys

import pytest
from evaluation_bytes import ROOT

BENCH300 = ROOT / "tests" / "evaluation" / "fixtures" / "bench300"


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX pipes")
def test_a_reader_that_stops_reading_ends_the_run_quietly():
    """The reader goes away before the CSV is written (as head does after its lines): the
    first write finds the pipe closed, whatever the pipe's buffer holds."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "slalang", "evaluate", str(ROOT / "policies" / "bench.sla"),
         "--tickets", str(BENCH300 / "tickets.csv"), "--events", str(BENCH300 / "events.csv"),
         "--as-of", "2030-01-01T00:00:00+00:00", "--csv", "-"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        proc.stdout.close()
        err = proc.stderr.read()
        assert proc.wait(timeout=60) == 141, err
        assert err == b""
    finally:
        proc.kill()
        proc.wait()
        proc.stderr.close()
