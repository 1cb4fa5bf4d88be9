"""An output that is the run's own standard output (``/dev/stdout``, or the file standard
output goes to) is written as ``-`` is: the document alone. Before, the summary printed
after it wrote over it from its first byte: ``--csv /dev/stdout > v.csv`` gave a CSV that
began with the summary and ended with the CSV's tail, exit 0."""

from __future__ import annotations

import subprocess
import sys

import pytest
from evaluation_bytes import ROOT

BENCH300 = ROOT / "tests" / "evaluation" / "fixtures" / "bench300"


def _evaluate(out_file, *args) -> int:
    with open(out_file, "wb") as out:
        return subprocess.run(
            [sys.executable, "-m", "slalang", "evaluate", str(ROOT / "policies" / "bench.sla"),
             "--tickets", str(BENCH300 / "tickets.csv"), "--events", str(BENCH300 / "events.csv"),
             "--as-of", "2030-01-01T00:00:00+00:00", "--quiet", *args],
            stdout=out, stderr=subprocess.PIPE, check=False, cwd=ROOT).returncode


@pytest.mark.skipif(sys.platform != "linux", reason="/dev/stdout")
@pytest.mark.parametrize("option", ["--csv", "--json", "--junit"])
def test_an_output_to_standard_output_is_its_document_alone(tmp_path, option):
    want, got, same = tmp_path / "want", tmp_path / "got", tmp_path / "same"
    assert _evaluate(want, option, "-") == 0
    assert _evaluate(got, option, "/dev/stdout") == 0
    assert got.read_bytes() == want.read_bytes()
    assert _evaluate(same, option, str(same)) == 0  # the file standard output goes to
    assert same.read_bytes() == want.read_bytes()
    assert not want.read_bytes().startswith(b"Benchmark SLA")
