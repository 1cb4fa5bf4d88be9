"""A ticket segment stored narrow comes back from its file as the reader typed it."""

from __future__ import annotations

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from slalang.data.segment_types import BASE, CODES, INSTANT, narrowed, widened

# seconds near the base (they fit 32 bits), at its edges, and far outside (they do not)
seconds = st.one_of(st.none(), st.integers(BASE - (1 << 31), BASE + (1 << 31) - 1),
                    st.sampled_from([BASE - (1 << 31) - 1, BASE + (1 << 31), -2208988800,
                                     13569465600 - 1]))
labels = st.one_of(st.none(), st.text("abc", max_size=3))


@settings(max_examples=150, deadline=None)
@given(rows=st.lists(st.tuples(seconds, seconds, labels), max_size=30),
       many=st.integers(0, 40000))
def test_a_segment_written_narrow_reads_back_as_it_was(rows, many, tmp_path_factory):
    """Through an Arrow IPC file, as the split reader writes and maps it: every instant and
    label back, whatever fits 32 or 16 bits and whatever does not."""
    n_labels = max(many, 1)  # a dictionary of that many labels, a few of them used
    tier = pa.DictionaryArray.from_arrays(
        pa.array([i % n_labels for i in range(len(rows))], pa.int32()),
        pa.array([f"L{k}" for k in range(n_labels)], pa.string()))
    table = pa.table({
        "id": pa.array([f"T{i}" for i in range(len(rows))], pa.string()),
        "created_at": pa.array([r[0] for r in rows], pa.int64()).cast(INSTANT),
        "resolved_at": pa.array([r[1] for r in rows], pa.int64()).cast(INSTANT),
        "customer": pa.array([r[2] for r in rows], pa.string()).dictionary_encode(),
        "tier": tier,
    })
    assert table.schema.field("customer").type == CODES
    stored = narrowed(table)
    path = tmp_path_factory.mktemp("segment") / "t.arrow"
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, stored.schema) as writer:
        writer.write_table(stored)
    back = pa.ipc.open_file(pa.memory_map(str(path))).read_all()
    assert widened(back).equals(table)
    for cut in (0, len(rows) // 2):  # a slice, and one column of it, as the chunks read them
        assert widened(back.slice(cut)).equals(table.slice(cut))
        assert widened(back.select(["created_at"]).slice(cut)).equals(
            table.select(["created_at"]).slice(cut))
    # what fits is stored narrow: 4 bytes an instant, 2 a code
    fits = all(r[0] is None or -(1 << 31) <= r[0] - BASE < 1 << 31 for r in rows)
    assert (stored.schema.field("created_at").type == pa.int32()) == fits
    assert (stored.schema.field("tier").type.index_type == pa.int16()) == (n_labels <= 1 << 15)
