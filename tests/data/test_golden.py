"""The rejection messages people read, compared with golden text
(``SLALANG_UPDATE_GOLDEN=1`` rewrites the golden files)."""

from __future__ import annotations

import os
from pathlib import Path

from slalang.data import read_tickets

HERE = Path(__file__).parent
GOLDEN = HERE / "golden"


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("SLALANG_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


def test_every_rejection_message(monkeypatch):
    monkeypatch.chdir(HERE)  # relative paths, so the text is the same on every machine
    t = read_tickets("fixtures/broken-tickets.csv", events="fixtures/broken-events.csv")
    lines = [f"kept: {', '.join(t.id.tolist())}",
             f"events kept: {len(t.event_at)}",
             f"rejected: {len(t.rejected)}",
             *(str(r) for r in t.rejected)]
    check_golden("broken-rejections.txt", "\n".join(lines) + "\n")
