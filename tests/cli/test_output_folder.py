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


def test_a_folder_where_a_file_is_written_is_said_so(tmp_path):
    """``contract -o out/`` printed "[Errno 21] Is a directory: 'out/'"."""
    folder = tmp_path / "out"
    folder.mkdir()
    for given in (str(folder), str(folder) + "/"):
        r = CliRunner().invoke(main, ["contract", str(ROOT / "policies" / "reference.sla"),
                                      "-o", given])
        assert r.exit_code == 2
        assert r.output == f"error: {given}: a folder, where a file is written: give the " \
                           "file's name\n"
    assert list(folder.iterdir()) == []


def test_list_fee_without_a_customer_is_refused(tmp_path):
    r = CliRunner().invoke(main, ["contract", str(ROOT / "policies" / "reference.sla"),
                                  "--list-fee", "-o", str(tmp_path / "a.md")])
    assert r.exit_code == 2 and "--list-fee goes with --customer" in r.output
    assert not (tmp_path / "a.md").exists()
