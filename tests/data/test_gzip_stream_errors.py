"""A damaged gzip export says so in the same words on every engine, naming the file.

Before: the chunked engine (a gzipped export is read as a stream there) printed pyarrow's
own "error: Truncated compressed stream" or "zlib inflate failed: incorrect header check",
without the file, where the in-memory engine named it and said what was wrong."""

from __future__ import annotations

import gzip

import pytest
from click.testing import CliRunner
from evaluation_bytes import ROOT

from slalang.cli import main

BENCH300 = ROOT / "tests" / "evaluation" / "fixtures" / "bench300"


@pytest.mark.parametrize(("damage", "said"), [
    ("truncated", "the gzip data is truncated"),
    ("trailing bytes", "trailing bytes after the gzip data"),
])
@pytest.mark.parametrize("which", ["tickets", "events"])
def test_a_damaged_gzip_is_named_alike_on_every_engine(tmp_path, damage, said, which):
    files = {"tickets": BENCH300 / "tickets.csv", "events": BENCH300 / "events.csv"}
    packed = gzip.compress(files[which].read_bytes())
    bad = tmp_path / f"{which}.csv.gz"
    bad.write_bytes(packed[:len(packed) // 2] if damage == "truncated"
                    else packed + b"not gzip at all")
    files[which] = bad
    for engine in ("memory", "chunks"):
        r = CliRunner().invoke(main, [
            "evaluate", str(ROOT / "policies" / "bench.sla"), "--tickets", str(files["tickets"]),
            "--events", str(files["events"]), "--as-of", "2030-01-01T00:00:00+00:00",
            "--engine", engine])
        assert r.exit_code == 2, (engine, r.output)
        assert r.output.strip() == f"error: {bad}: cannot decompress the file: {said}", engine
