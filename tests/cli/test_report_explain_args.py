"""Arguments of `report` and `explain` refused before they do harm or mislead:
`report --record` inside the dataset read as --tickets (every other output there is refused;
the history database was written among the partitions), `explain --ticket ''` (every
rejected row was reported as about that ticket), and `report --customer` of a customer not
there said every customer's name on one line (11.8 kB for 1,473 customers)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from slalang.cli import main
from slalang.data.dataset import convert

ROOT = Path(__file__).resolve().parents[2]
BENCH300 = ROOT / "tests" / "evaluation" / "fixtures" / "bench300"
BROKEN = ROOT / "tests" / "evaluation" / "fixtures" / "explain"
POLICY = str(ROOT / "policies" / "bench.sla")
AS_OF = ["--as-of", "2030-01-01T00:00:00+00:00"]
EXPORT = ["--tickets", str(BENCH300 / "tickets.csv"), "--events", str(BENCH300 / "events.csv")]


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("converted") / "bench300"
    convert(BENCH300 / "tickets.csv", out, BENCH300 / "events.csv")
    return out


def invoke(args: list[str]):
    r = CliRunner().invoke(main, args)
    assert "internal error" not in r.output and "Traceback" not in r.output, r.output
    return r


def test_report_record_inside_the_dataset_is_refused(dataset, tmp_path):
    before = sorted(os.listdir(dataset))
    r = invoke(["report", POLICY, "--tickets", str(dataset), *AS_OF, "--portfolio",
                "-o", str(tmp_path / "r.md"), "--record", str(dataset / "history.db"), "-q"])
    assert r.exit_code == 2, r.output
    assert "--record" in r.output and "inside the dataset" in r.output, r.output
    assert sorted(os.listdir(dataset)) == before
    assert not (tmp_path / "r.md").exists()


def test_report_record_and_output_in_one_file_are_refused(tmp_path):
    same = str(tmp_path / "r.md")
    r = invoke(["report", POLICY, *EXPORT, *AS_OF, "--portfolio", "-o", same,
                "--record", same, "-q"])
    assert r.exit_code == 2, r.output
    assert "--output and --record both name" in r.output, r.output


def test_report_record_may_extend_its_history(tmp_path):
    """--record and --history naming one database (recording a quarter, with the trend of
    those recorded before: docs/render/history.md) is not an output replacing an input."""
    db = str(tmp_path / "history.sqlite")
    base = ["report", POLICY, *EXPORT, *AS_OF, "--portfolio", "-q"]
    first = invoke([*base, "-o", str(tmp_path / "a.md"), "--record", db])
    assert first.exit_code == 0, first.output
    again = invoke([*base, "-o", str(tmp_path / "b.md"), "--record", db, "--history", db])
    assert again.exit_code == 0, again.output
    assert "recorded" in again.output


@pytest.mark.parametrize("ticket", ["", "   ", "\t"])
def test_explain_refuses_a_blank_ticket_id(ticket):
    """On an export with rejected rows, a blank id was 'not read: rejected while reading'
    followed by every rejected row, none of them about it."""
    r = invoke(["explain", str(ROOT / "policies" / "reference.sla"), "--tickets",
                str(BROKEN / "broken.csv"), "--events", str(BROKEN / "broken-events.csv"),
                "--ticket", ticket, *AS_OF])
    assert r.exit_code == 2, r.output
    assert "--ticket" in r.output and "is no ticket id" in r.output, r.output
    assert "rejected" not in r.output, r.output


@pytest.mark.parametrize("source", ["export", "json"])
def test_report_unknown_customer_is_said_briefly(dataset, tmp_path, source):
    """271 customers: their count, the closest names and how to list them, not every
    name."""
    if source == "json":
        saved = tmp_path / "ev.json"
        r = invoke(["evaluate", POLICY, *EXPORT, *AS_OF, "--json", str(saved), "-q"])
        assert r.exit_code in (0, 1), r.output
        data = ["--from-json", str(saved)]
    else:
        data = [POLICY, "--tickets", str(dataset), *AS_OF, "-q"]
    r = invoke(["report", *data, "--customer", "C0769", "-o", str(tmp_path / "r.md")])
    assert r.exit_code == 2, r.output
    assert "no customer 'C0769'" in r.output, r.output
    assert "did you mean 'C00769'" in r.output, r.output
    assert "271 customers" in r.output and "--portfolio" in r.output, r.output
    assert len(r.output) < 400, r.output
    assert not (tmp_path / "r.md").exists()
    r = invoke(["report", *data, "--customer", "NOPE", "-o", str(tmp_path / "r.md")])
    assert r.exit_code == 2 and "did you mean" not in r.output, r.output
    assert len(r.output) < 400, r.output


def test_report_unknown_customer_among_few_names_them_all(tmp_path):
    r = invoke(["report", str(ROOT / "policies" / "reference.sla"), "--tickets",
                str(BROKEN / "broken.csv"), "--events", str(BROKEN / "broken-events.csv"),
                "--period", "2026-07", "--customer", "Alfa", "-o", str(tmp_path / "r.md")])
    assert r.exit_code == 2, r.output
    assert "did you mean 'Alfa Srl'" in r.output and "(customers: " in r.output, r.output


def test_a_report_that_fails_to_write_records_no_month(tmp_path, monkeypatch):
    """`report --record` wrote the months into the history, then failed to write the report
    (a full disk): exit 2 and a history holding a report nobody received. The months are now
    recorded once the files are written, before they are put in place; after a failed
    write, nothing is recorded."""
    import errno

    from slalang.cli import common

    real_open = common.OutputSet.open

    def full(self, path, *args, **kwargs):
        if str(path).endswith(".html"):
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real_open(self, path, *args, **kwargs)

    monkeypatch.setattr(common.OutputSet, "open", full)
    history = tmp_path / "h.db"
    r = CliRunner().invoke(main, [
        "report", str(ROOT / "policies" / "reference.sla"), "--tickets",
        str(ROOT / "examples" / "reference" / "tickets.jsonl"), "--downtime",
        str(ROOT / "examples" / "reference" / "downtime.csv"), "--period", "2026-Q3",
        "--customer", "Alfa Srl", "--record", str(history), "-o", str(tmp_path / "a.html")])
    assert r.exit_code == 2, r.output
    assert "No space left on device" in r.output and "recorded" not in r.output
    assert not history.exists()
