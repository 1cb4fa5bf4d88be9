"""A running sum of many batches' verdict counts, kept in place.

The chunked driver adds a hundred chunks' :class:`~slalang.evaluation.compliance.Aggregate`
at 10m tickets. Summing them with :func:`~slalang.evaluation.kernel.add_counts` every few
chunks builds the whole total again each time: a new cells array of every customer-month so
far (38 MB at 10m), zeroed, then scattered into, a dozen times per run, in the process that
also feeds the workers (0.6 s of its CPU on the 10m bench set). :class:`CountSum` keeps one
row per customer-month and adds each chunk's groups into their rows: the work per chunk is
that chunk's groups, and the rows grow only as new customer-months appear. The labels are
sorted and the rows put in the order of ``add_counts`` once, at the end.
"""

from __future__ import annotations

import numpy as np

from slalang.evaluation.compliance import Aggregate

#: customer-tier pairs x buckets above which the index of rows is not a dense table (a
#: decade of months for a million customers would be 480 MB of it); the sum then merges
#: the aggregates as they come, with :func:`~slalang.evaluation.kernel.add_counts`
DENSE_LIMIT = 50_000_000
#: aggregates kept beyond that limit before they are folded into one
LOOSE_FOLD = 8


class CountSum:
    """The sum of the aggregates added, as ``add_counts(parts)`` gives it (labels matched by
    name, groups sorted by customer, tier and bucket), built in place.

    >>> import numpy as np
    >>> def agg(customers, codes, buckets, n):
    ...     k = len(codes)
    ...     return Aggregate(customers, ("Gold",), ("response",), ("P1",),
    ...                      np.array(codes), np.zeros(k, np.int64), np.array(buckets),
    ...                      np.full((k, 4), n), np.full((k, 1, 1, 5), n))
    >>> total = CountSum()
    >>> total.add(agg(("b",), [0], [1], 1))
    >>> total.add(agg(("a", "b"), [1, 0], [1, 0], 2))
    >>> s = total.result()
    >>> s.customers, s.g_customer.tolist(), s.g_bucket.tolist(), s.g_counts[:, 0].tolist()
    (('a', 'b'), [0, 1], [0, 1], [2, 3])
    """

    def __init__(self) -> None:
        self._customers: set[str] = set()
        self._tiers: set[str] = set()
        #: (customer, tier) -> pair number, in order of appearance
        self._pairs: dict[tuple[str, str], int] = {}
        #: [pair, bucket] -> row (-1: none yet)
        self._index = np.full((0, 0), -1, dtype=np.int64)
        self._rows = 0
        self._row_pair = np.zeros(0, dtype=np.int64)
        self._row_bucket = np.zeros(0, dtype=np.int64)
        self._counts: np.ndarray | None = None
        self._cells: np.ndarray | None = None
        self._first: Aggregate | None = None
        #: the aggregates added since the last fold, when the index would be too large
        self._loose: list[Aggregate] = []

    def add(self, part: Aggregate) -> None:
        """Add one aggregate (its groups are unique, as every aggregate's are)."""
        if self._first is None:
            self._first = part
        self._customers.update(part.customers)
        self._tiers.update(part.tiers)
        if self._loose:
            self._hold(part)
            return
        if not len(part):
            return
        nt = len(part.tiers)
        pair_code = np.asarray(part.g_customer, dtype=np.int64) * nt + part.g_tier
        present = np.flatnonzero(np.bincount(pair_code, minlength=len(part.customers) * nt))
        pairs = self._pairs
        number = np.zeros(len(part.customers) * nt, dtype=np.int64)
        for code in present.tolist():
            key = (part.customers[code // nt], part.tiers[code % nt])
            found = pairs.get(key)
            if found is None:
                found = pairs[key] = len(pairs)
            number[code] = found
        buckets = int(part.g_bucket.max()) + 1
        if not self._fits(len(pairs), buckets):
            self._hold(part)
            return
        pair = number[pair_code]
        rows = self._index[pair, part.g_bucket]
        new = np.flatnonzero(rows < 0)
        if len(new):
            rows[new] = self._new_rows(pair[new], np.asarray(part.g_bucket)[new])
            self._index[pair[new], part.g_bucket[new]] = rows[new]
        self._counts[rows] += part.g_counts  # type: ignore[index]
        self._cells[rows] += part.cells  # type: ignore[index]

    def _hold(self, part: Aggregate) -> None:
        """Keep an aggregate the index has no room for; fold the kept ones into one every
        :data:`LOOSE_FOLD` (so that they never take more memory than the total)."""
        from slalang.evaluation.kernel import add_counts

        self._loose.append(part)
        if len(self._loose) >= LOOSE_FOLD:
            self._loose = [add_counts(self._loose)]

    def _fits(self, pairs: int, buckets: int) -> bool:
        """Grow the index to ``pairs`` x ``buckets`` (doubling the pairs); False when that
        is beyond :data:`DENSE_LIMIT`."""
        have_pairs, have_buckets = self._index.shape
        if pairs <= have_pairs and buckets <= have_buckets:
            return True
        want_pairs = max(pairs, 2 * have_pairs) if pairs > have_pairs else have_pairs
        want_buckets = max(buckets, have_buckets)
        if want_pairs * want_buckets > DENSE_LIMIT:
            want_pairs = pairs
            if want_pairs * want_buckets > DENSE_LIMIT:
                return False
        index = np.full((want_pairs, want_buckets), -1, dtype=np.int64)
        index[:have_pairs, :have_buckets] = self._index
        self._index = index
        return True

    def _new_rows(self, pair: np.ndarray, bucket: np.ndarray) -> np.ndarray:
        first = self._first
        assert first is not None
        start, end = self._rows, self._rows + len(pair)
        if self._counts is None or end > len(self._counts):
            size = max(end, 2 * self._rows, 1024)
            counts = np.zeros((size, 4), dtype=np.int64)
            cells = np.zeros((size, *first.cells.shape[1:]), dtype=np.int64)
            row_pair = np.zeros(size, dtype=np.int64)
            row_bucket = np.zeros(size, dtype=np.int64)
            if self._counts is not None:
                counts[:start] = self._counts[:start]
                cells[:start] = self._cells[:start]  # type: ignore[index]
                row_pair[:start] = self._row_pair[:start]
                row_bucket[:start] = self._row_bucket[:start]
            self._counts, self._cells = counts, cells
            self._row_pair, self._row_bucket = row_pair, row_bucket
        self._row_pair[start:end] = pair
        self._row_bucket[start:end] = bucket
        self._rows = end
        return np.arange(start, end, dtype=np.int64)

    def result(self) -> Aggregate:
        """The sum, labels sorted, groups in order (the aggregates added stay as they are)."""
        from slalang.evaluation.kernel import add_counts

        first = self._first
        if first is None:
            raise ValueError("nothing to sum")
        customers, tiers = tuple(sorted(self._customers)), tuple(sorted(self._tiers))
        c_pos = {x: i for i, x in enumerate(customers)}
        t_pos = {x: i for i, x in enumerate(tiers)}
        pair_customer = np.array([c_pos[c] for c, _ in self._pairs] or [0], dtype=np.int64)
        pair_tier = np.array([t_pos[t] for _, t in self._pairs] or [0], dtype=np.int64)
        n = self._rows
        g_customer = pair_customer[self._row_pair[:n]]
        g_tier = pair_tier[self._row_pair[:n]]
        g_bucket = self._row_bucket[:n]
        nb = max(self._index.shape[1], 1)
        order = np.argsort((g_customer * len(tiers) + g_tier) * nb + g_bucket, kind="stable")
        cells_shape = first.cells.shape[1:]
        counts = self._counts[:n][order] if self._counts is not None else \
            np.zeros((0, 4), dtype=np.int64)
        cells = self._cells[:n][order] if self._cells is not None else \
            np.zeros((0, *cells_shape), dtype=np.int64)
        total = Aggregate(customers, tiers, first.metrics, first.priorities, g_customer[order],
                          g_tier[order], g_bucket[order], counts, cells)
        if not self._loose:
            return total
        return add_counts([total, *self._loose])

