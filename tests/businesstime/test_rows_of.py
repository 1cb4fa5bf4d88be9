"""``rows_of``: the row of each element of a CSR layout, as ``np.repeat`` would give it."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from slalang.businesstime.pauses import rows_of


@given(st.lists(st.integers(0, 4), max_size=40))
def test_rows_of_is_the_repeat_of_the_row_numbers(counts):
    offsets = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    want = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    got = rows_of(offsets)
    assert got.dtype == np.int64
    assert got.tolist() == want.tolist()
