"""A line break inside a quoted value (RFC 4180: a multi-line description) is part of its
row wherever it falls. pyarrow cuts its input into blocks at line breaks; told that values
hold none, it cut inside a quoted value whenever a block ended there, and a valid export of
more than 16 MiB was refused as malformed, or not, by where its bytes fell."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slalang.data import read_tickets, source, stream
from slalang.data.stream import csv_chunks

HEADER = "id,customer,tier,priority,created_at,first_response_at,resolved_at,description\n"


def _export(descriptions: list[str]) -> str:
    out = io.StringIO()
    out.write(HEADER)
    writer = csv.writer(out, lineterminator="\n")
    for i, text in enumerate(descriptions):
        writer.writerow([f"T{i:05d}", f"C{i % 7}", "Gold", "P3", "2024-01-02T09:00:00+01:00",
                         "2024-01-02T09:10:00+01:00", "2024-01-02T12:00:00+01:00", text])
    return out.getvalue()


TEXT = st.text(st.sampled_from("ab ,\n\""), min_size=1, max_size=40)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(descriptions=st.lists(TEXT, min_size=1, max_size=40),
       block=st.integers(min_value=300, max_value=1200))
def test_a_quoted_line_break_is_read_wherever_a_block_ends(tmp_path, monkeypatch,
                                                           descriptions, block):
    """Blocks of a few hundred bytes stand for pyarrow's 16 MiB (whole read) and 4 MiB
    (stream): every row is read, each description whole, by both readers."""
    monkeypatch.setattr(source, "BLOCK_BYTES", block)
    monkeypatch.setattr(stream, "BLOCK_SIZE", block)
    path = tmp_path / "t.csv"
    path.write_text(_export(descriptions), encoding="utf-8", newline="")
    table = read_tickets(path)
    assert (table.n, table.rejected) == (len(descriptions), [])
    assert list(table.extra["description"]) == descriptions
    read = [t for _, t in csv_chunks(path, {}, 10**6)]
    assert [v for t in read for v in t.column("description").to_pylist()] == descriptions


def test_a_line_break_at_the_block_end_of_a_real_size(tmp_path):
    """The case found: the quoted line break as the last byte of pyarrow's first 16 MiB
    block; the same rows read by the evaluation's engines."""
    from click.testing import CliRunner
    from evaluation_bytes import ROOT

    from slalang.cli import main

    head = HEADER.encode()
    row = (b"T%07d,C%05d,Gold,P3,2024-01-02T09:00:00+01:00,2024-01-02T09:10:00+01:00,"
           b"2024-01-02T12:00:00+01:00,x\n")
    body = bytearray(head)
    i = 0
    while len(body) + 300 < source.BLOCK_BYTES:
        body += row % (i, i % 500)
        i += 1
    start = b"T%07d,C00000,Gold,P3,2024-01-02T09:00:00+01:00,2024-01-02T09:10:00+01:00," \
            b"2024-01-02T12:00:00+01:00,\"first line" % i
    pad = source.BLOCK_BYTES - len(body) - len(start) - 1
    body += start + b"." * pad + b"\nsecond line\"\n"  # the break: the block's last byte
    for k in range(i + 1, i + 100):
        body += row % (k, k % 500)
    path = tmp_path / "t.csv"
    path.write_bytes(bytes(body))
    assert read_tickets(path).n == i + 100
    for engine in ("memory", "chunks"):
        r = CliRunner().invoke(main, ["evaluate", str(ROOT / "policies" / "bench.sla"),
                                      "--tickets", str(path), "--period", "2024-01",
                                      "--as-of", "2030-01-01T00:00:00Z", "--engine", engine,
                                      "--quiet"])
        assert r.exit_code == 0, r.output
        assert f"tickets {i + 100}," in r.output


@pytest.mark.parametrize("quoted", [False, True])
def test_quote_aware_cutting_only_where_a_quote_is(quoted):
    data = b'id,description\nT1,"a\nb"\n' if quoted else b"id,description\nT1,ab\n"
    assert source.parse_options(data).newlines_in_values is quoted
