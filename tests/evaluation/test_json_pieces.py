"""The JSON writer's building blocks: pieces interleaved per unit, and the worst-first cut of
listed tickets (ties on the delay broken by id, then metric, as a plain sort would)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from slalang.evaluation.output.json import _worst_first
from slalang.evaluation.output.pieces import Pool, interleave


def test_interleave_orders_pieces_unit_by_unit_then_slot_by_slot() -> None:
    pool = Pool()
    open_, close = pool.literal("["), pool.literal("]")
    items = pool.add(["a", "b", "c"])
    pairs = pool.add(["x", "y"])
    seq, size = interleave(3, [
        (None, open_),
        (np.array([0, 2, 2]), items + np.arange(3)),
        (np.array([1]), np.array([[pairs, pairs + 1]])),
        (None, close),
    ])
    out: list = []
    pool.write(seq, out.append)
    assert b"".join(bytes(x) for x in out) == b"[a][xy][bc]"
    assert size.tolist() == [3, 4, 4]


def test_nothing_to_interleave_writes_nothing() -> None:
    pool = Pool()
    seq, size = interleave(0, [(None, pool.literal("x")), (np.zeros(0, np.int64),
                                                          np.zeros(0, np.int64))])
    out: list = []
    pool.write(seq, out.append)
    assert out == [] and len(size) == 0


rows = st.lists(st.tuples(st.integers(0, 3), st.integers(0, 4), st.sampled_from("abcd"),
                          st.sampled_from(["resolution", "response"])), max_size=60)


@settings(max_examples=150, deadline=None)
@given(rows, st.integers(1, 4))
def test_worst_first_is_a_plain_sort_cut_per_key(data, limit) -> None:
    table = pa.table({
        "worse": pa.array([w for _, w, _, _ in data], pa.int64()),
        "id": pa.array([i for _, _, i, _ in data], pa.string()),
        "metric": pa.array([m for _, _, _, m in data], pa.string()),
    })
    key = np.array([k for k, _, _, _ in data], dtype=np.int64)
    got, got_key = _worst_first(table, key, limit)
    # metrics by name: by first appearance, a merge in another order listed a ticket's tied
    # metrics the other way round
    order = sorted(range(len(data)), key=lambda r: (key[r], -data[r][1], data[r][2],
                                                    data[r][3], r))
    kept, seen = [], {}
    for r in order:
        seen[key[r]] = seen.get(key[r], 0) + 1
        if seen[key[r]] <= limit:
            kept.append(r)
    assert got_key.tolist() == [int(key[r]) for r in kept]
    assert got.to_pylist() == table.take(pa.array(kept, pa.int64())).to_pylist()


def test_a_failing_write_is_raised_not_lost() -> None:
    import pytest

    from slalang.evaluation.output.pieces import BackgroundWriter

    pool = Pool()
    x = pool.literal("x")

    def broken(data) -> None:
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"), BackgroundWriter(broken) as writer:
        writer.put(pool.table(), np.array([x, x]))


def _listing_evaluation():
    """Three customers over three months, with breaches and tickets at risk in several
    months, so that chunks of a few months cut customers and ticket lists anywhere."""
    from hand_built import (
        HandPlan,
        HandTickets,
        hand_outcomes,
        reference_policy,
        reference_roster,
    )

    from slalang.evaluation.evaluate import evaluate

    policy = reference_policy()
    tickets, rows = [], []
    for c, customer in enumerate(["Alfa Srl", "Beta SpA", "Gamma Snc"]):
        for month in (7, 8, 9):
            for k in range(3 + c):
                tickets.append((f"{customer[0]}-{month}-{k}", customer,
                                f"2026-{month:02d}-0{k + 1}T10:00:00+02:00"))
                rows.append(("Gold", "P2", ("breached", "open", "met")[k % 3],
                             ("met", "breached", "open")[(k + c) % 3]))
    o = hand_outcomes(policy, rows)
    o.target[:] = 3600
    o.elapsed[:] = [3600 + 60 * (k % 7) if k % 2 else 2000 + 300 * (k % 5)
                    for k in range(len(o.elapsed))]
    return evaluate(HandPlan(policy), HandTickets.of(tickets), None, reference_roster(),
                    period="2026-Q3", outcomes=o)


def test_chunks_of_any_size_write_the_same_document(monkeypatch) -> None:
    import io
    import json

    import slalang.evaluation.output.json as json_output

    ev = _listing_evaluation()
    whole = io.BytesIO()
    json_output.write_json(ev, whole)
    doc = json.loads(whole.getvalue())
    assert doc == json_output.evaluation_to_json(ev)
    months = [m for c in doc["customers"] for m in c["months"]]
    assert len(months) >= 9
    assert any(m["breaches"]["tickets"] for m in months)
    assert any(m["at_risk"]["tickets"] for m in months)
    for groups in (1, 2, 4):
        monkeypatch.setattr(json_output, "CHUNK_GROUPS", groups)
        monkeypatch.setattr("slalang.evaluation.output.pieces.CHUNK_PIECES", 7)
        part = io.StringIO()
        json_output.write_json(ev, part)
        assert part.getvalue().encode() == whole.getvalue()
