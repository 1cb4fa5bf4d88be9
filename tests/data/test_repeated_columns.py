"""A tool's export may write a column name twice: the Italian help-desk log has two
``Variant`` columns, Rabobank's incident file ends every line with a run of separators (empty
names). `mapping init` read both and every other verb refused them ("column 'Variant' appears
twice in the header"), whether or not the mapping used the column. A repeated name is now
refused only where the mapping uses it, with the way to name the one meant; the canonical
form, ours, still refuses any."""

from __future__ import annotations

import pytest

from slalang.data import load_mapping, read_tickets
from slalang.data.source import unique_header
from slalang.errors import DataError

EXPORT = ("Case;Customer;Opened;Variant;Prio;Variant;;\n"
          "C1;Alfa Srl;01/07/2026 09:00;v1;1;w1;;\n"
          "C2;Alfa Srl;02/07/2026 09:00;v2;2;w2;;\n")
MAPPING = """mapping: 1
shape: ticket
csv: {delimiter: ";", encoding: ENCODING}
timestamps: {format: "%d/%m/%Y %H:%M", timezone: Europe/Rome}
fields: {id: Case, customer: Customer, created_at: Opened, priority: Prio}
"""


def _write(tmp_path, encoding: str, fields: str = "") -> tuple:
    text = EXPORT.replace("Variant;Prio", "Variänt;Prio").replace(";Variant;", ";Variänt;") \
        if encoding == "latin-1" else EXPORT
    (tmp_path / "e.csv").write_bytes(text.encode(encoding))
    mapping = MAPPING.replace("ENCODING", encoding).replace("priority: Prio}",
                                                            f"priority: Prio{fields}}}")
    (tmp_path / "m.yaml").write_text(mapping, encoding="utf-8")
    return tmp_path / "e.csv", load_mapping(tmp_path / "m.yaml")


@pytest.mark.parametrize("encoding", ["utf-8", "latin-1"])
def test_a_repeated_column_the_mapping_does_not_use_is_read(tmp_path, encoding):
    export, m = _write(tmp_path, encoding)
    t = read_tickets(export, mapping=m)
    assert t.id.tolist() == ["C1", "C2"] and not t.rejected


@pytest.mark.parametrize("encoding", ["utf-8", "latin-1"])
def test_a_repeated_column_the_mapping_uses_is_named_by_position(tmp_path, encoding):
    name = "Variänt" if encoding == "latin-1" else "Variant"
    export, m = _write(tmp_path, encoding, f", service: {name}")
    with pytest.raises(DataError) as caught:
        read_tickets(export, mapping=m)
    assert str(caught.value) == (
        f"{export}:1: the mapping's column '{name}' for service appears 2 times in the header "
        f"(columns 4 and 6): name the one meant, '{name} [column 4]' or '{name} [column 6]' "
        f"(field '{name}')")
    export, m = _write(tmp_path, encoding, f", service: '{name} [column 6]'")
    t = read_tickets(export, mapping=m)
    assert t.service.values().tolist() == ["w1", "w2"]


def test_an_ignore_rule_on_a_repeated_column_is_refused_the_same_way(tmp_path):
    export, _ = _write(tmp_path, "utf-8")
    text = (tmp_path / "m.yaml").read_text() + "ignore: [{column: Variant, equals: v1}]\n"
    (tmp_path / "m.yaml").write_text(text)
    with pytest.raises(DataError, match=r"column 'Variant' for an ignore rule appears 2 times"):
        read_tickets(export, mapping=load_mapping(tmp_path / "m.yaml"))


def test_a_repeated_column_in_a_sheet(tmp_path):
    openpyxl = pytest.importorskip("openpyxl", reason="the xlsx extra is not installed")
    book = openpyxl.Workbook()
    for row in EXPORT.splitlines():
        book.active.append(row.split(";"))
    book.save(tmp_path / "e.xlsx")
    (tmp_path / "m.yaml").write_text(
        "mapping: 1\nshape: ticket\nsource: {format: xlsx}\n"
        + MAPPING.split("\n", 3)[3].replace("priority: Prio}", "priority: Prio, "
                                            "service: 'Variant [column 4]'}"))
    t = read_tickets(tmp_path / "e.xlsx", mapping=load_mapping(tmp_path / "m.yaml"))
    assert t.service.values().tolist() == ["v1", "v2"]


def test_the_canonical_form_still_refuses_any_repeated_name(tmp_path):
    (tmp_path / "t.csv").write_text("id,customer,created_at,x,x\n"
                                    "T1,A,2026-07-01T09:00:00+02:00,1,2\n")
    with pytest.raises(DataError, match=r"column 'x' appears twice in the header"):
        read_tickets(tmp_path / "t.csv")


def test_labels_are_unique_and_leave_single_names_alone():
    assert unique_header(["a", "b", "a", "", "", "c"]) == [
        "a [column 1]", "b", "a [column 3]", "[column 4]", "[column 5]", "c"]
    assert unique_header(["a", ""]) == ["a", ""]


def test_mapping_init_names_a_repeated_column_as_the_reader_finds_it(tmp_path):
    """`mapping init` labelled a repeated name ``Prio (2)``, a name no reader knew: the
    draft it wrote could not be read."""
    import yaml
    from click.testing import CliRunner

    from slalang.cli import main

    (tmp_path / "e.csv").write_text("Case;Customer;Opened;Prio;Prio\n"
                                    "C1;Alfa Srl;01/07/2026 09:00;1;x\n"
                                    "C2;Alfa Srl;02/07/2026 09:00;2;y\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["mapping", "init", str(tmp_path / "e.csv")])
    assert r.exit_code == 0, r.output
    assert yaml.safe_load(r.output)["fields"]["priority"] == "Prio [column 4]"
    (tmp_path / "m.yaml").write_text(r.output, encoding="utf-8")
    r = CliRunner().invoke(main, ["mapping", "check", str(tmp_path / "m.yaml"),
                                  str(tmp_path / "e.csv")])
    assert "2 evaluated + 0 ignored + 0 rejected" in r.output.splitlines()[0], r.output
