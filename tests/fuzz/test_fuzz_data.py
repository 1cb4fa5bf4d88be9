"""Fuzzing the data readers (issue 9): corrupted CSV and JSON Lines tickets through
``read_tickets`` and ``slalang evaluate``.

Each example is a small export, some of whose rows are corrupted the ways real exports are
(a field missing or extra, an unbalanced quote, a bad or far-off timestamp, a NUL, a value of
the wrong JSON kind, deep nesting, broken JSON). Asserted: no traceback or internal error,
exit code in {0, 1, 2}, no run over its budget, every ticket row either kept or rejected
(never both, never neither), and the run's output files all complete or all absent.
"""

from __future__ import annotations

import json
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

from hypothesis import strategies as st

from slalang.data import read_tickets
from slalang.errors import DataError

ROOT = Path(__file__).resolve().parents[2]
POLICY = str(ROOT / "policies" / "reference.sla")
CUSTOMERS = ["Alfa Srl", "Beta SpA", "Gamma Snc", "Unknown Ltd"]
STAMPS = ["2026-07-01T09:00:00+02:00", "2026-07-15T17:59:59Z", "2026-08-03T08:30:00+02:00",
          "2026-09-30T23:59:00+02:00", "0000-01-01T00:00:00Z", "9999-12-31T23:59:59-02:00",
          "1899-12-31T23:00:00Z", "2400-01-01T00:00:00Z", "2026-07-01T09:00:00", "yesterday",
          "", "2026-02-30T10:00:00Z", "2026-07-01T09:00:00.123456+02:00"]
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)


@st.composite
def ticket(draw) -> dict:
    created = draw(st.sampled_from(STAMPS[:4]) | st.sampled_from(STAMPS))
    rec = {"id": draw(st.sampled_from(["T-1", "T-2", "T-3", "", "T-1 "]) | TEXT),
           "customer": draw(st.sampled_from(CUSTOMERS) | TEXT),
           "priority": draw(st.sampled_from(["P1", "P2", "P3", "P4", "", "P1\x00"])),
           "created_at": created}
    if draw(st.booleans()):
        rec["resolved_at"] = draw(st.sampled_from(STAMPS))
    return rec


def _csv_line(rec: dict, corruption: str) -> str:
    fields = [rec["id"], rec["customer"], rec["priority"], rec["created_at"],
              rec.get("resolved_at", "")]
    cells = ['"' + f.replace('"', '""') + '"' if any(c in f for c in ',"\r\n') else f
             for f in fields]
    if corruption == "missing field":
        cells = cells[:-1]
    elif corruption == "extra field":
        cells.append("extra")
    elif corruption == "unbalanced quote":
        cells[1] = '"' + fields[1].replace('"', "")
    elif corruption == "nul":
        cells[0] += "\x00"
    return ",".join(cells)


CORRUPTIONS = ["none", "none", "none", "missing field", "extra field", "unbalanced quote",
               "nul"]


@st.composite
def csv_export(draw) -> tuple[str, int]:
    """(file text, number of ticket rows): every row is one line (a newline in a value
    would make the count ambiguous), some of them corrupted."""
    rows = draw(st.lists(st.tuples(ticket(), st.sampled_from(CORRUPTIONS)), min_size=1,
                         max_size=12))
    lines = ["id,customer,priority,created_at,resolved_at"]
    quoted = False
    for rec, corruption in rows:
        rec = {k: v.replace("\n", " ").replace("\r", " ") for k, v in rec.items()}
        # an unbalanced quote pairs up with any later quote into one valid record spanning
        # lines (RFC 4180): no reader can tell that from a value with a line break, so no
        # quote may follow one (the reader then rejects just its line)
        if quoted:
            corruption = "none" if corruption == "unbalanced quote" else corruption
            rec = {k: v.replace('"', "").replace(",", " ") for k, v in rec.items()}
        quoted = quoted or corruption == "unbalanced quote"
        lines.append(_csv_line(rec, corruption))
    kept = [line for line in lines[1:] if line.strip()]
    return "\n".join(lines) + "\n", len(kept)


def _json_line(rec: dict, corruption: str) -> str:
    if corruption == "broken json":
        return json.dumps(rec)[:-3]
    if corruption == "id is a list":
        rec = {**rec, "id": [rec["id"]]}
    elif corruption == "customer is an object":
        rec = {**rec, "customer": {"name": rec["customer"]}}
    elif corruption == "events is an object":
        rec = {**rec, "events": {}}
    elif corruption == "bad event":
        rec = {**rec, "events": [{"at": "2026-07-01T10:00:00+02:00", "status": "in_progress"},
                                 {"at": "2026-07-01T11:00:00+02:00"}]}
    elif corruption == "deep":
        return json.dumps(rec)[:-1] + ', "x": ' + "[" * 5000 + "]" * 5000 + "}"
    elif corruption == "not an object":
        return json.dumps([rec])
    return json.dumps(rec)


JSON_CORRUPTIONS = ["none", "none", "none", "broken json", "id is a list",
                    "customer is an object", "events is an object", "bad event", "deep",
                    "not an object"]


@st.composite
def jsonl_export(draw) -> tuple[str, int]:
    rows = draw(st.lists(st.tuples(ticket(), st.sampled_from(JSON_CORRUPTIONS)), min_size=1,
                         max_size=12))
    lines = [_json_line(rec, corruption) for rec, corruption in rows]
    return "\n".join(lines) + "\n", len(lines)


def _check_rows_accounted(path: Path, rows: int) -> None:
    try:
        table = read_tickets(path)
    except DataError:
        return  # the whole file refused (e.g. every row broken): nothing half-counted
    rejected = {r.row for r in table.rejected if r.file == str(path)}
    kept = set(table.source_row.tolist())
    assert not kept & rejected, f"rows both kept and rejected: {sorted(kept & rejected)}"
    assert len(kept) + len(rejected) == rows, (
        f"{rows} rows read, {len(kept)} kept, {len(rejected)} rejected: {table.rejected}")


def _check_outputs(fuzz, tickets: Path, out: Path) -> None:
    files = [out / "ev.json", out / "verdicts.csv", out / "ci.xml"]
    result = fuzz.invoke(["evaluate", POLICY, "--tickets", str(tickets), "--period", "2026-Q3",
                          "--json", str(files[0]), "--csv", str(files[1]),
                          "--junit", str(files[2])])
    present = [f.exists() for f in files]
    if result.exit_code == 2:
        assert not any(present), "a failed run left output files behind"
        return
    assert all(present), "a finished run is missing output files"
    json.loads(files[0].read_text(encoding="utf-8"))
    ET.parse(files[2])
    assert sorted(p.name for p in out.iterdir()) == sorted(f.name for f in files)


def test_corrupted_csv_tickets(fuzz):
    def check(example: tuple[str, int]) -> None:
        text, rows = example
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "t.csv"
            path.write_text(text, encoding="utf-8")
            _check_rows_accounted(path, rows)
            (Path(tmp) / "out").mkdir()
            _check_outputs(fuzz, path, Path(tmp) / "out")

    fuzz.run(csv_export(), check, batch=8)


def test_corrupted_jsonl_tickets(fuzz):
    def check(example: tuple[str, int]) -> None:
        text, rows = example
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "t.jsonl"
            path.write_text(text, encoding="utf-8")
            _check_rows_accounted(path, rows)
            (Path(tmp) / "out").mkdir()
            _check_outputs(fuzz, path, Path(tmp) / "out")

    fuzz.run(jsonl_export(), check, batch=8)
