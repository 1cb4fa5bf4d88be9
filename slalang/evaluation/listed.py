"""The tickets worth listing: breached, open at risk, and excluded, per customer-month.

Candidates are kept per (kind, customer label, tier, month) as a pyarrow table, at most
:data:`MAX_TICKETS_LISTED` each, with how many there are: :meth:`ListedTickets.of` takes them
from one batch's verdicts, :meth:`ListedTickets.merge` combines batches (associative: the rows
kept are the worst under one total order, worst first then id then metric, and the counts
add up), so any reduction of the batches gives the same list. The writers then map them onto
the aggregate's groups (customer names from the roster) and keep the worst of each group.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from slalang.evaluation.result import Verdicts

#: breached (and at-risk) tickets listed per customer-month, worst first (all are counted):
#: enough for a report, bounded so that a million tickets keep the document small
MAX_TICKETS_LISTED = 10
#: an open ticket is at risk once its clock has used this percentage of its target at as_of
AT_RISK_PERCENT = 75

BREACHES, AT_RISK, EXCLUDED_TICKETS = 0, 1, 2
KINDS = ("breaches", "at_risk", "excluded")


def _rank_within(key: np.ndarray) -> np.ndarray:
    """0, 1, 2, ... within each run of equal ``key`` (sorted)."""
    if len(key) == 0:
        return np.zeros(0, dtype=np.int64)
    start = np.ones(len(key), dtype=bool)
    start[1:] = key[1:] != key[:-1]
    first = np.maximum.accumulate(np.where(start, np.arange(len(key)), 0))
    return np.arange(len(key)) - first


def _codes(column) -> tuple[np.ndarray, list]:
    """Integer codes of a pyarrow column (nulls share one code) and the labels."""
    import pyarrow.compute as pc

    encoded = pc.dictionary_encode(column).combine_chunks()
    codes = encoded.indices.fill_null(len(encoded.dictionary)).to_numpy(zero_copy_only=False)
    return np.asarray(codes, dtype=np.int64), encoded.dictionary.to_pylist() + [None]


def _worst_order(table, key: np.ndarray) -> np.ndarray:
    """The order of ``table``'s rows by ``key``, worst first inside a key (``worse``
    descending, then id and metric)."""
    import pyarrow.compute as pc

    worse = table["worse"].to_numpy()
    order = _by_key_then_worst(key, worse)
    # ids (ranked as strings, a slow sort) and metrics only matter among rows of equal key
    # and worse: sort those runs again, with them
    run = (key[order][1:] == key[order][:-1]) & (worse[order][1:] == worse[order][:-1])
    tied = np.zeros(len(order), dtype=bool)
    tied[1:] |= run
    tied[:-1] |= run
    if tied.any():
        rows = order[tied]
        ids = pc.rank(table["id"].take(rows), sort_keys="ascending",
                      tiebreaker="dense").to_numpy()
        # by name: codes in order of first appearance differ from one batch to the next,
        # and a merge in another order listed a ticket's tied metrics the other way round
        metric = pc.rank(table["metric"].take(rows), sort_keys="ascending",
                         tiebreaker="dense").to_numpy()
        order[tied] = rows[np.lexsort((metric, ids, -worse[rows], key[rows]))]
    return order


def _worst_first(table, key: np.ndarray, limit: int):
    """Rows of ``table`` sorted by ``key``, worst first inside a key (``worse`` descending,
    then id and metric), at most ``limit`` per key; returns (table, key)."""
    order = _worst_order(table, key)
    key = key[order]
    keep = _rank_within(key) < limit
    return table.take(order[keep]), key[keep]


def _by_key_then_worst(key: np.ndarray, worse: np.ndarray) -> np.ndarray:
    """The stable order by ``key``, then ``worse`` descending: one integer sort when both
    pack into an int64."""
    if len(key) == 0:
        return np.zeros(0, dtype=np.int64)
    lo, hi = int(worse.min()), int(worse.max())
    span = hi - lo + 1
    if int(key.min()) >= 0 and (int(key.max()) + 1) * span < 1 << 62:
        return np.argsort(key * span + (hi - worse), kind="stable")
    return np.lexsort((-worse, key))


class ListedTickets:
    """Breached and at-risk verdict rows worth listing, with how many there are, per
    (kind, customer label, tier, month index). Build with :meth:`of`, combine with
    :meth:`merge`."""

    def __init__(self, table, counts) -> None:
        #: pyarrow table: kind, customer, tier, bucket, worse, id, metric, priority,
        #: due_at, stopped_at, elapsed, target, exclusion (index into the plan's)
        self.table = table
        #: pyarrow table: kind, customer, tier, bucket, count
        self.counts = counts

    @classmethod
    def of(cls, ev: Verdicts) -> ListedTickets:
        """From one batch's per-ticket verdicts."""
        import pyarrow as pa

        from slalang.vocabulary import BREACHED, EXCLUDED, OPEN
        from slalang.vocabulary import codes_labels as all_codes_labels

        o, t = ev.outcomes, ev.tickets
        # every per-row column is indexed by the listed rows first, converted after: the
        # outcomes have millions of rows, the listed ones are a fraction
        row_ticket = np.asarray(o.ticket)
        status = np.asarray(o.status)
        elapsed, target = np.asarray(o.elapsed), np.asarray(o.target)
        bucket = np.asarray(ev.ticket_bucket)[row_ticket]
        valid = bucket >= 0
        late = (status == BREACHED) & valid
        # at risk: elapsed / target >= 75 %, compared in integers
        cand = np.flatnonzero((status == OPEN) & valid)
        e, g = elapsed[cand].astype(np.int64), target[cand].astype(np.int64)
        listed = late.copy()
        listed[cand[(g > 0) & (e * 100 >= AT_RISK_PERCENT * g)]] = True
        # tickets left out by an exclusion clause (not those a tier promises nothing for):
        # one row per ticket, its first metric's, listed by id (the evidence of exclusions)
        exclusion = np.asarray(o.exclusion)
        out = np.flatnonzero((status == EXCLUDED) & (exclusion >= 0) & valid)
        out = out[np.unique(row_ticket[out], return_index=True)[1]]
        rows = np.flatnonzero(listed)
        kind = np.where(late[rows], BREACHES, AT_RISK).astype(np.int8)
        rows = np.concatenate([rows, out])
        kind = np.concatenate([kind, np.full(len(out), EXCLUDED_TICKETS, dtype=np.int8)])
        el, ta = elapsed[rows].astype(np.int64), target[rows].astype(np.int64)
        # worst first: the longest delay; the largest share of the target (millionths);
        # excluded tickets all alike (then by id)
        worse = np.where(kind == BREACHES, el - np.maximum(ta, 0),
                         el * 1_000_000 // np.maximum(ta, 1))
        worse = np.where(kind == EXCLUDED_TICKETS, 0, worse)
        tix = row_ticket[rows].astype(np.int64)

        def codes_labels(column) -> tuple[np.ndarray, tuple]:
            if hasattr(column, "codes"):  # a Categorical: its codes as they are, no copy
                return np.asarray(column.codes), tuple(column.labels)
            return all_codes_labels(column)

        c_codes, c_labels = codes_labels(t.customer)
        t_codes, t_labels = codes_labels(o.tier)
        p_codes, p_labels = codes_labels(o.priority)
        ids = _id_strings(t.id, tix)

        def labels(codes: np.ndarray, names: tuple) -> object:
            table = pa.array([*names, None], type=pa.string())
            codes = np.asarray(codes, dtype=np.int64)
            return table.take(pa.array(np.where(codes < 0, len(names), codes)))

        table = pa.table({
            "kind": pa.array(kind), "customer": labels(c_codes[tix], c_labels),
            "tier": labels(t_codes[rows], t_labels),
            "bucket": pa.array(bucket[rows].astype(np.int64)), "worse": pa.array(worse),
            "id": ids,
            "metric": pa.array([*ev.plan.metrics], type=pa.string()).take(
                pa.array(np.asarray(o.metric)[rows].astype(np.int64))),
            "priority": labels(p_codes[rows], p_labels),
            "due_at": pa.array(np.asarray(o.due_at)[rows].astype(np.int64)),
            "stopped_at": pa.array(np.asarray(o.stopped_at)[rows].astype(np.int64)),
            "elapsed": pa.array(el), "target": pa.array(ta),
            "exclusion": pa.array(exclusion[rows].astype(np.int64)),
        })
        return cls._cut(table, None)

    @classmethod
    def empty(cls) -> ListedTickets:
        """No ticket listed (the partial of no batch): merged with others, it adds nothing,
        and an evaluation finished from it lists none, as an empty batch's does."""
        import pyarrow as pa

        keys = [("kind", pa.int8()), ("customer", pa.string()), ("tier", pa.string()),
                ("bucket", pa.int64())]
        rows = [*keys, ("worse", pa.int64()), ("id", pa.string()), ("metric", pa.string()),
                ("priority", pa.string()),
                *[(name, pa.int64()) for name in ("due_at", "stopped_at", "elapsed", "target",
                                                  "exclusion")]]
        return cls(pa.schema(rows).empty_table(),
                   pa.schema([*keys, ("count", pa.int64())]).empty_table())

    @classmethod
    def merge(cls, parts: list[ListedTickets]) -> ListedTickets:
        """One list from several (e.g. one per batch of tickets), in their order."""
        import pyarrow as pa

        parts = list(parts)
        if not parts:
            raise ValueError("nothing to merge")
        return cls._cut(pa.concat_tables([x.table for x in parts]),
                        pa.concat_tables([x.counts for x in parts]))

    @classmethod
    def _cut(cls, table, counts) -> ListedTickets:
        """The worst ``MAX_TICKETS_LISTED`` per key; counts summed per key (from ``table``'s
        rows when ``counts`` is None)."""
        import pyarrow as pa

        keys = ["kind", "customer", "tier", "bucket"]
        key = _key(table)
        order = _worst_order(table, key)
        ordered = key[order]
        if counts is None:  # one row per key: the runs of the sorted keys, no hashing
            first = np.flatnonzero(np.append(True, ordered[1:] != ordered[:-1])) if len(
                ordered) else np.zeros(0, dtype=np.int64)
            counts = table.select(keys).take(order[first]).append_column(
                "count", pa.array(np.diff(np.append(first, len(ordered))).astype(np.int64)))
        else:
            summed = counts.group_by(keys).aggregate([("count", "sum")])
            counts = pa.table({**{k: summed[k] for k in keys}, "count": summed["count_sum"]})
        keep = _rank_within(ordered) < MAX_TICKETS_LISTED
        return cls(table.take(order[keep]), counts)


def _id_strings(ids, tix: np.ndarray):
    """The ids at ``tix`` as an Arrow string array: taken from the Arrow ids of a read
    table, not through Python strings (27 ms of the 0.12 s listing a 1m set took)."""
    import pyarrow as pa

    arrow = getattr(ids, "arrow", None)
    if arrow is not None and (pa.types.is_string(arrow.type)
                              or pa.types.is_large_string(arrow.type)):
        return arrow.take(pa.array(np.asarray(tix, dtype=np.int64))).cast(pa.string())
    raw = np.asarray(ids[tix], dtype=object)
    try:
        return pa.array(raw, type=pa.string())
    except (pa.ArrowTypeError, pa.ArrowInvalid):  # ids that are not strings
        return pa.array(raw.astype(str), type=pa.string())


def _key(table) -> np.ndarray:
    """One int per (kind, customer, tier, bucket) of ``table``'s rows."""
    c, c_names = _codes(table["customer"])
    t, t_names = _codes(table["tier"])
    b = table["bucket"].to_numpy()
    nb = int(b.max()) + 1 if len(b) else 1
    kind = table["kind"].to_numpy().astype(np.int64)
    return ((kind * len(c_names) + c) * len(t_names) + t) * nb + b
