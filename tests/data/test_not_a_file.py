"""An input that is not a file: a named pipe (or ``<(zcat export.csv.gz)``) is refused at
once, before anything opens it, and a mistyped path is said not to exist.

Before: the default and chunked engines opened a pipe given as tickets or events and hung
for good (the hash's thread waited in ``open()``, and SIGTERM could not end the run); the
in-memory engine said "lseek failed". A dataset path with a typo ("tickets.dataset") was an
"unrecognised file type"."""

from __future__ import annotations

import os
import sys
import threading

import pytest
from click.testing import CliRunner
from evaluation_bytes import ROOT

from slalang.cli import main

BENCH300 = ROOT / "tests" / "evaluation" / "fixtures" / "bench300"
POLICY = str(ROOT / "policies" / "bench.sla")


def _invoke(args: list[str], seconds: float = 60):
    """The command, in a thread: a run that hangs fails the test instead of hanging it."""
    out = []
    worker = threading.Thread(target=lambda: out.append(CliRunner().invoke(main, args)),
                              daemon=True)
    worker.start()
    worker.join(seconds)
    assert out, f"hung: {args}"
    return out[0]


@pytest.mark.skipif(sys.platform == "win32", reason="named pipes of POSIX")
@pytest.mark.parametrize("which", ["tickets", "events"])
@pytest.mark.parametrize("verb", [
    ["evaluate", POLICY], ["evaluate", POLICY, "--engine", "chunks"],
    ["evaluate", POLICY, "--engine", "memory"], ["calibrate", "--policy", POLICY],
    ["convert", "--out", "OUT"],
])
def test_a_named_pipe_is_refused_before_it_is_opened(tmp_path, which, verb):
    """No process writes to the pipe: opening it would block, so a refusal that comes back
    at all proves that it was never opened."""
    fifo = tmp_path / "fifo.csv"
    os.mkfifo(fifo)
    files = {"tickets": BENCH300 / "tickets.csv", "events": BENCH300 / "events.csv"}
    files[which] = fifo
    args = [str(tmp_path / "ds") if a == "OUT" else a for a in verb]
    r = _invoke([*args, "--tickets", str(files["tickets"]), "--events", str(files["events"])])
    assert r.exit_code == 2, r.output
    assert f"error: {fifo}: a named pipe, not a regular file" in r.output
    assert "save the stream to a file" in r.output
    assert not (tmp_path / "ds").exists()


@pytest.mark.parametrize("verb", [
    ["evaluate", POLICY], ["evaluate", POLICY, "--engine", "chunks"],
    ["calibrate", "--policy", POLICY], ["report", POLICY, "--period", "2024-01"],
])
def test_a_mistyped_dataset_path_does_not_exist(tmp_path, verb):
    missing = tmp_path / "tickets.dataset"
    r = _invoke([*verb, "--tickets", str(missing)])
    assert r.exit_code == 2, r.output
    assert f"error: {missing}: no such file or directory" in r.output
    assert "unrecognised file type" not in r.output
