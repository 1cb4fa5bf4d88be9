"""What the drivers' identity tests compare: a bundled policy's plan, and an evaluation as
the bytes of its JSON document and its verdict CSV."""

from __future__ import annotations

import io
from pathlib import Path

from slalang.evaluation.output.csv import write_verdicts
from slalang.evaluation.output.json import write_json
from slalang.language import load_policy
from slalang.plan import compile_plan

ROOT = Path(__file__).resolve().parents[2]


def bundled_plan(name: str):
    """The compiled plan of ``policies/<name>``."""
    return compile_plan(load_policy(ROOT / "policies" / name))


def output_bytes(ev, rows: bytes | None = None) -> tuple[bytes, bytes]:
    """(the JSON document, the verdict CSV); ``rows``: the CSV as a driver wrote it."""
    doc = io.BytesIO()
    write_json(ev, doc)
    if rows is None:
        out = io.BytesIO()
        write_verdicts(ev, out)
        rows = out.getvalue()
    return doc.getvalue(), rows
