"""An ``--as-of`` before the period begins is refused on every engine (exit 2, the instant
and the period said): nothing in the period had happened yet. Before: every ticket counted
as open, every verdict n/a, a green report with exit 0 even under ``--fail-on any``."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from evaluation_bytes import ROOT

from slalang.cli import main
from slalang.data.dataset import convert

BENCH300 = ROOT / "tests" / "evaluation" / "fixtures" / "bench300"


def _run(tickets, *extra):
    events = ["--events", str(BENCH300 / "events.csv")] if str(tickets).endswith(".csv") else []
    return CliRunner().invoke(main, ["evaluate", str(ROOT / "policies" / "bench.sla"),
                                     "--tickets", str(tickets), *events, "--fail-on", "any",
                                     *extra])


@pytest.mark.parametrize("engine", ["memory", "chunks", "dataset"])
def test_an_as_of_before_the_period_is_refused(tmp_path, engine):
    tickets = BENCH300 / "tickets.csv"
    extra = ["--engine", engine]
    if engine == "dataset":
        tickets = tmp_path / "ds"
        convert(BENCH300 / "tickets.csv", tickets, BENCH300 / "events.csv")
        extra = []
    # the bench sample's tickets are of 2024-01: the default period, in Rome
    r = _run(tickets, "--as-of", "2023-01-01T00:00:00Z", *extra)
    assert r.exit_code == 2, r.output
    assert ("error: --as-of 2023-01-01T01:00:00+01:00 is before the period 2024-01 begins "
            "(2024-01-01T00:00:00+01:00)") in r.output
    assert "nothing can be measured" in r.output
    # the instant the period begins is the first that measures anything: accepted
    r = _run(tickets, "--period", "2024-01", "--as-of", "2024-01-01T00:00:00+01:00", *extra)
    assert r.exit_code in (0, 1), r.output
    r = _run(tickets, "--period", "2024-01", "--as-of", "2023-12-31T23:59:59+01:00", *extra)
    assert r.exit_code == 2 and "is before the period 2024-01 begins" in r.output
