"""A run that runs out of memory (a capped CI container, ``ulimit -v``) says so and what to
do, exit 2: it said "internal error: ArrowMemoryError: malloc of size 24696832 failed ...
This is a bug in slalang", or "Memory mapping file failed: Cannot allocate memory", naming
nothing."""

from __future__ import annotations

import errno

import pyarrow as pa
import pytest
from click.testing import CliRunner
from evaluation_bytes import ROOT

from slalang.cli import main

BENCH = ROOT / "tests" / "evaluation" / "fixtures" / "bench300"


@pytest.mark.parametrize("error", [
    pa.ArrowMemoryError("malloc of size 24696832 failed"),
    MemoryError(),
    OSError(errno.ENOMEM, "Memory mapping file failed: Cannot allocate memory"),
], ids=["arrow", "python", "mmap"])
def test_out_of_memory_is_said_with_what_to_do(monkeypatch, error):
    import importlib

    memory_engine = importlib.import_module("slalang.evaluation.evaluate")

    def no_memory(*args, **kwargs):
        raise error

    monkeypatch.setattr(memory_engine, "evaluate", no_memory)
    r = CliRunner().invoke(main, [
        "evaluate", str(ROOT / "policies" / "bench.sla"), "--tickets",
        str(BENCH / "tickets.csv"), "--events", str(BENCH / "events.csv"),
        "--engine", "memory", "--as-of", "2030-01-01T00:00:00+00:00"])
    assert r.exit_code == 2
    assert r.output.startswith("error: out of memory: the run needed more memory than the "
                               "system gave it"), r.output
    assert "bug" not in r.output
