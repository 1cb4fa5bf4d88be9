"""An output whose folder cannot be made (a file in the way) is said so, naming the output.
Before: "error: [Errno 17] File exists: '.../t.csv'", the input's name, not the output's."""

from __future__ import annotations

from click.testing import CliRunner
from evaluation_bytes import ROOT

from slalang.cli import main

BENCH300 = ROOT / "tests" / "evaluation" / "fixtures" / "bench300"


def test_a_file_in_the_way_of_an_outputs_folder(tmp_path):
    blocker = tmp_path / "notes.txt"
    blocker.write_text("a file", encoding="utf-8")
    out = blocker / "sub" / "x.json"
    r = CliRunner().invoke(main, ["evaluate", str(ROOT / "policies" / "bench.sla"),
                                  "--tickets", str(BENCH300 / "tickets.csv"), "--json", str(out),
                                  "--as-of", "2030-01-01T00:00:00Z", "--quiet"])
    assert r.exit_code == 2
    assert r.output == (f"error: {out}: cannot create the output's folder (a file, not a "
                        "folder, is on its way)\n")
    assert blocker.read_text(encoding="utf-8") == "a file"
