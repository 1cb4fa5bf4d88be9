"""A dataset converted from a mapped export of page files (``--tickets 'page*.csv'``) and
read whole by the in-memory engine counts its input as the export did. Before, its rejected
ticket row fell out of the balance ("3 read = 2 evaluated + 0 ignored + 0 rejected; other
rows rejected 1"): the counts were made again from rejections naming page files the dataset
does not list."""

from __future__ import annotations

from click.testing import CliRunner
from evaluation_bytes import ROOT

from slalang.cli import main

MAPPING = """mapping: 1
shape: ticket
timestamps: {format: "%Y-%m-%d %H:%M", timezone: Europe/Rome}
fields: {id: id, customer: cust, priority: prio, created_at: opened, first_response_at: resp,
         resolved_at: solved}
"""


def test_a_dataset_of_page_files_counts_alike_on_every_engine(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "map.yaml").write_text(MAPPING, encoding="utf-8")
    head = "id,cust,prio,opened,resp,solved\n"
    (tmp_path / "page1.csv").write_text(
        head + "A1,Alfa Srl,P1,2026-07-01 09:00,2026-07-01 09:10,2026-07-01 10:00\n",
        encoding="utf-8")
    (tmp_path / "page2.csv").write_text(
        head + "A2,Alfa Srl,P1,2026-07-02 09:00,2026-07-02 09:10,2026-07-02 10:00\n"
        "A3,,P1,2026-07-02 09:00,,\n", encoding="utf-8")
    base = ["evaluate", str(ROOT / "policies" / "reference.sla"), "--period", "2026-07",
            "--format", "json"]
    export = CliRunner().invoke(main, [*base, "--tickets", "page*.csv", "--mapping", "map.yaml"])
    assert export.exit_code in (0, 1), export.output
    assert CliRunner().invoke(main, ["convert", "--tickets", "page*.csv", "--mapping",
                                     "map.yaml", "--out", "ds", "-q"]).exit_code == 0
    for engine in ("chunks", "memory"):
        got = CliRunner().invoke(main, [*base, "--tickets", "ds", "--engine", engine])
        assert got.stdout == export.stdout, engine
    assert '"rejected":1,' in export.stdout  # the input's balance: one row refused
