"""The bundled example quarter (``examples/reference/tickets.jsonl``, nested events) as a
canonical CSV export: tickets and a separate events log, for the tests of the readers and
drivers that take CSV files only (the chunked engine, the chunked replay)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "reference"


def example_as_csv(folder: Path) -> tuple[Path, Path]:
    """Write ``tickets.csv`` and ``events.csv`` into ``folder`` (events sorted by time, as
    an event-log export is) and return their paths."""
    fields = ["id", "customer", "tier", "priority", "category", "service", "created_at",
              "first_response_at", "resolved_at", "closed_at", "impact", "urgency"]
    tickets, events = folder / "tickets.csv", folder / "events.csv"
    rows, evs = [], []
    for line in (EXAMPLE / "tickets.jsonl").read_text(encoding="utf-8").splitlines():
        obj = json.loads(line)
        rows.append({f: obj.get(f) or "" for f in fields})
        evs += [{"ticket_id": obj["id"], "at": e["at"], "status": e.get("status") or "",
                 "priority": e.get("priority") or ""} for e in obj.get("events") or []]
    evs.sort(key=lambda e: e["at"])  # an event log: by time, not by ticket
    for path, names, data in ((tickets, fields, rows),
                              (events, ["ticket_id", "at", "status", "priority"], evs)):
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, names)
            writer.writeheader()
            writer.writerows(data)
    return tickets, events


def gzipped(folder: Path, *paths: Path) -> list[Path]:
    """A gzipped copy of each file in ``folder`` (``name.gz``), their paths in order."""
    import gzip

    out = []
    for path in paths:
        target = folder / (path.name + ".gz")
        target.write_bytes(gzip.compress(path.read_bytes()))
        out.append(target)
    return out
