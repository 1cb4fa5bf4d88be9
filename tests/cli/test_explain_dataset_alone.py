"""``explain`` on a dataset says why a ticket is missing (its row was rejected while
converting) without the export it came from: the dataset keeps its rejected rows' text.
Before, it read them from the export, named as typed: from another folder, or once the
export was moved, it answered a generic "no ticket" instead."""

from __future__ import annotations

from click.testing import CliRunner
from evaluation_bytes import ROOT

from slalang.cli import main
from slalang.data import dataset
from slalang.data.dataset import convert

BENCH300 = ROOT / "tests" / "evaluation" / "fixtures" / "bench300"


def _broken_export(tmp_path):
    lines = (BENCH300 / "tickets.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    # rows 12 and 13 (T0000011, T0000012): a creation nobody can read
    for k in (11, 12):
        fields = lines[k].split(",")
        fields[4] = "not-a-date"
        lines[k] = ",".join(fields)
    export = tmp_path / "t.csv"
    export.write_text("".join(lines), encoding="utf-8")
    return export


def _explain(ds, ticket):
    return CliRunner().invoke(main, ["explain", str(ROOT / "policies" / "bench.sla"),
                                     "--tickets", str(ds), "--ticket", ticket,
                                     "--as-of", "2030-01-01T00:00:00+00:00"])


def test_explain_on_a_dataset_needs_not_the_export(tmp_path, monkeypatch):
    export = _broken_export(tmp_path)
    ds = tmp_path / "ds"
    convert(export, ds, BENCH300 / "events.csv")
    export.unlink()  # moved away, or explained from another folder
    r = _explain(ds, "T0000011")
    assert r.exit_code == 2
    assert "rejected while reading: " in r.output and ":12: bad timestamp 'not-a-date'" in r.output


def test_the_rows_kept_are_bounded(tmp_path, monkeypatch):
    """Past the bound, a row's text is read from the export while it is there."""
    monkeypatch.setattr(dataset, "MAX_REJECTED_LINES", 1)
    export = _broken_export(tmp_path)
    ds = tmp_path / "ds"
    convert(export, ds, BENCH300 / "events.csv")
    assert sorted(dataset.read_manifest(ds).rejected_lines) == [12]
    assert ":13: bad timestamp" in _explain(ds, "T0000012").output
    export.unlink()
    assert "was read from" not in _explain(ds, "T0000012").output  # only "no ticket ... in"
    assert ":12: bad timestamp" in _explain(ds, "T0000011").output
