"""The business clock: B(t), the working seconds up to instant t, and its inverse.

A calendar's working time is a sorted array of disjoint UTC intervals ``[s_i, e_i)`` with the
cumulative working seconds before each one. B is monotone and piecewise linear:

    B(t) = cum_start[i] + clip(t - s[i], 0, e[i] - s[i]),  i = the last interval with s_i <= t

so business time between two instants is ``B(end) - B(start)`` and the instant at which a
target falls due is ``B⁻¹(B(start) + target)``, both a ``searchsorted`` away. Intervals are
built one local year at a time, lazily, for the years the data spans; B is anchored at the
first year ever built so its values never change when more years are added.
"""

from __future__ import annotations

import bisect
import datetime as dt
import threading
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from slalang.businesstime.errors import TimeError
from slalang.businesstime.hours import DayHours
from slalang.businesstime.zones import from_epoch, local_to_epoch, local_year, year_start

#: years the engine agrees to build (the holidays library and zoneinfo are sound here)
MIN_YEAR, MAX_YEAR = 1900, 2399
#: empty years in a row after which a target is declared never due
_EMPTY_YEARS_LIMIT = 5
#: largest lookup grid (cells) before falling back to binary search
_MAX_GRID_CELLS = 4_000_000
_DAY = dt.timedelta(days=1)


class _Lookup(NamedTuple):
    """What the vectorised B and its inverse read, replaced whole when years are added."""

    lo: int
    hi: int
    starts: np.ndarray
    lengths: np.ndarray
    cum_start: np.ndarray
    cum_end: np.ndarray
    #: the grid step (0: no grid, binary search) and the grid's tables (see :func:`_gridded`)
    grid: int = 0
    b_edges: np.ndarray | None = None
    working: np.ndarray | None = None
    #: per grid cell, 1 when it is working time (uint8)
    open: np.ndarray | None = None


def _search(lk: _Lookup, t: np.ndarray) -> np.ndarray:
    """B(t) by binary search in the working intervals."""
    i = np.searchsorted(lk.starts, t, "right")
    i -= 1
    np.maximum(i, 0, out=i)
    off = t - lk.starts[i]
    np.clip(off, 0, lk.lengths[i], out=off)
    off += lk.cum_start[i]
    return off


def _gridded(lk: _Lookup, ends: np.ndarray) -> _Lookup:
    """``lk`` with a uniform grid over its years, fine enough that every boundary falls on it
    (unchanged when the boundaries are odd: offsets in seconds keep the binary search).

    Office hours put every boundary on a half hour (08:30, 13:00, ...), so a 1800 s grid
    over three years has ~50,000 cells: B(t) becomes a division and two lookups in a table
    that stays in cache, about three times faster than a binary search per instant.
    """
    rel = np.concatenate([lk.starts, ends]) - lk.lo
    step = int(np.gcd.reduce(np.append(rel, lk.hi - lk.lo)))
    cells = (lk.hi - lk.lo) // step if step > 0 else 0
    if not 0 < cells <= _MAX_GRID_CELLS:
        return lk
    b_edges = _search(lk, lk.lo + step * np.arange(cells + 1, dtype=np.int64))
    # one more edge so that t == hi (cell = cells) reads B(hi) too
    b_edges = np.append(b_edges, b_edges[-1])
    is_open = np.diff(b_edges) > 0  # the last edge is a closed cell of its own
    # cell index of the k-th working cell, with -1 in front for a target of zero
    working = np.concatenate([[-1], np.flatnonzero(is_open)]).astype(np.int64)
    return lk._replace(grid=step, b_edges=b_edges, working=working,
                       open=is_open.astype(np.uint8))


class BusinessClock:
    """Working intervals of one calendar on the UTC timeline, built lazily per local year.

    ``day_hours(date)`` gives a local date's working ranges as minute pairs (an end at or
    before the start runs into the next day).
    """

    def __init__(self, zone: dt.tzinfo, day_hours: Callable[[dt.date], DayHours]) -> None:
        self.zone = zone
        self._day_hours = day_hours
        self._blocks: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._years: tuple[int, int] | None = None
        self._anchor: int | None = None
        self._lists: tuple[list[int], list[int], list[int]] | None = None
        # the evaluation measures metrics on threads sharing one clock: building years is
        # done by one thread at a time, and the vectorised lookups read ``_lookup``, replaced
        # whole when years are added (values never change, so an older table stays right
        # for the instants it covers)
        self._lock = threading.RLock()
        self._lookup: _Lookup | None = None

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        del state["_lock"]
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._lock = threading.RLock()

    # -- building --------------------------------------------------------------------------

    def _block(self, year: int) -> tuple[np.ndarray, np.ndarray]:
        """Merged working intervals of local ``year``, clipped to that year on the UTC line.

        The last day of the previous year is included so a night shift crossing New Year's
        midnight is counted in the year it reaches.
        """
        lo, hi = year_start(self.zone, year), year_start(self.zone, year + 1)
        pairs: list[tuple[int, int]] = []
        day = dt.date(year, 1, 1) - _DAY if year > dt.MINYEAR else dt.date(year, 1, 1)
        last = dt.date(year, 12, 31)
        while day <= last:
            for s_min, e_min in self._day_hours(day):
                s = local_to_epoch(self.zone, day, s_min)
                e = local_to_epoch(self.zone, day + _DAY if e_min <= s_min else day, e_min)
                s, e = max(s, lo), min(e, hi)
                if e > s:
                    pairs.append((s, e))
            day += _DAY
        pairs.sort()
        merged: list[list[int]] = []
        for s, e in pairs:
            if merged and s <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], e)
            else:
                merged.append([s, e])
        starts = np.array([p[0] for p in merged], dtype=np.int64)
        ends = np.array([p[1] for p in merged], dtype=np.int64)
        return starts, ends

    def ensure_years(self, first: int, last: int) -> None:
        """Build the local years ``first..last`` (and any between them and those built)."""
        with self._lock:
            self._ensure_years(first, last)

    def _ensure_years(self, first: int, last: int) -> None:
        if first < MIN_YEAR or last > MAX_YEAR:
            year = first if first < MIN_YEAR else last
            raise TimeError(
                f"year {year} is outside the years business time supports "
                f"({MIN_YEAR}-{MAX_YEAR})"
            )
        if self._years is not None:
            if self._years[0] <= first and last <= self._years[1]:
                return
            first, last = min(first, self._years[0]), max(last, self._years[1])
        for year in range(first, last + 1):
            if year not in self._blocks:
                self._blocks[year] = self._block(year)
        lo, hi = year_start(self.zone, first), year_start(self.zone, last + 1)
        # zero-length sentinels at both ends keep searchsorted in range and cope with years
        # that have no working time at all
        starts = np.concatenate(
            [[lo], *(self._blocks[y][0] for y in range(first, last + 1)), [hi]]
        ).astype(np.int64)
        ends = np.concatenate(
            [[lo], *(self._blocks[y][1] for y in range(first, last + 1)), [hi]]
        ).astype(np.int64)
        lengths = ends - starts
        cum_end = np.cumsum(lengths)
        cum_start = cum_end - lengths
        if self._anchor is None:
            self._anchor = lo
        # shift so that B(anchor) == 0 whatever years are built
        i = int(np.searchsorted(starts, self._anchor, "right")) - 1
        base = int(cum_start[i] + min(max(self._anchor - starts[i], 0), lengths[i]))
        self._starts, self._ends, self._lengths = starts, ends, lengths
        self._cum_start, self._cum_end = cum_start - base, cum_end - base
        self._lo, self._hi = lo, hi
        self._lists = None
        self._lookup = _gridded(_Lookup(lo, hi, starts, lengths, self._cum_start,
                                        self._cum_end), ends)
        self._years = (first, last)  # last: a reader that sees the years sees their table

    def ensure(self, lo: int, hi: int) -> None:
        """Build every year needed for instants in ``[lo, hi]`` (epoch seconds)."""
        for t in (lo, hi):
            if not -2208988800 <= t <= 13569465600:  # 1900-01-01 .. 2400-01-01 UTC
                raise TimeError(
                    f"instant {t} (epoch seconds) is outside the years business time supports "
                    f"({MIN_YEAR}-{MAX_YEAR})"
                )
        first, last = local_year(self.zone, lo), local_year(self.zone, hi)
        if self._years is None or first < self._years[0] or last > self._years[1]:
            self.ensure_years(first, last)

    def ensure_business(self, b: int) -> None:
        """Build years forward until B reaches ``b`` at the end of the built range."""
        with self._lock:
            self._ensure_business(b)

    def _ensure_business(self, b: int) -> None:
        empty = 0
        while self.b_hi < b:
            assert self._years is not None
            first, last = self._years
            per_year = (self.b_hi - self.b_lo) // (last - first + 1)
            more = 1 if per_year <= 0 else max(1, -(-(b - self.b_hi) // per_year))
            if last + more > MAX_YEAR:
                raise TimeError(
                    f"a target of {b - self.b_hi} more business seconds falls due after year "
                    f"{MAX_YEAR}: is the calendar ever open?"
                )
            before = self.b_hi
            self.ensure_years(first, last + more)
            empty = empty + more if self.b_hi == before else 0
            if empty >= _EMPTY_YEARS_LIMIT:
                raise TimeError(
                    f"the calendar has no working time from {from_epoch(self._lo).year + 1} "
                    f"to {last + more}: the target can never fall due"
                )

    def ensure_business_back(self, b: int) -> None:
        """Build years backward until B at the start of the built range is at most ``b``."""
        with self._lock:
            self._ensure_business_back(b)

    def _ensure_business_back(self, b: int) -> None:
        while self.b_lo > b:
            assert self._years is not None
            first, last = self._years
            per_year = (self.b_hi - self.b_lo) // (last - first + 1)
            more = 1 if per_year <= 0 else max(1, -(-(self.b_lo - b) // per_year))
            if first - more < MIN_YEAR:
                raise TimeError(
                    f"business clock value {b} lies before year {MIN_YEAR}: values must come "
                    "from business_clock() plus non-negative amounts"
                )
            self.ensure_years(first - more, last)

    @property
    def built(self) -> tuple[int, int] | None:
        """The local years built so far (first, last), or None."""
        return self._years

    @property
    def b_lo(self) -> int:
        return int(self._cum_start[0])

    @property
    def b_hi(self) -> int:
        return int(self._cum_end[-1])

    # -- vectorised ------------------------------------------------------------------------

    def at(self, t: np.ndarray) -> np.ndarray:
        """B(t) for an int64 array of instants already inside the built years."""
        lk = self._lookup
        if not lk.grid:
            return _search(lk, t)
        rel = t - lk.lo
        np.clip(rel, 0, lk.hi - lk.lo, out=rel)  # B is flat outside the built years
        cell = rel // lk.grid
        # every boundary lies on the grid, so a cell is all working time or none: B grows by
        # the time into the cell, or not at all
        rel -= cell * lk.grid
        rel *= lk.open.take(cell)
        rel += lk.b_edges.take(cell)
        return rel

    def inverse(self, b: np.ndarray) -> np.ndarray:
        """The earliest instant at which B reaches ``b`` (values within the built years)."""
        lk = self._lookup
        if lk.grid:
            # the k-th working cell holds business values (b0 + k*step, b0 + (k+1)*step]
            rel = b - int(lk.cum_start[0])
            k = rel - 1
            k //= lk.grid
            rel -= k * lk.grid  # the business time into the working cell
            k += 1
            out = lk.working.take(k)
            out *= lk.grid
            out += lk.lo
            out += rel
            return out
        i = np.searchsorted(lk.cum_end, b, "left")
        return lk.starts[i] + (b - lk.cum_start[i])

    # -- scalar (pure Python, an independent path the tests compare against) --------------

    def _py(self) -> tuple[list[int], list[int], list[int]]:
        if self._lists is None:
            self._lists = (self._starts.tolist(), self._ends.tolist(), self._cum_start.tolist())
        return self._lists

    def at_scalar(self, t: int) -> int:
        starts, ends, cum = self._py()
        i = max(bisect.bisect_right(starts, t) - 1, 0)
        return cum[i] + min(max(t - starts[i], 0), ends[i] - starts[i])

    def inverse_scalar(self, b: int) -> int:
        starts, ends, cum = self._py()
        # the first interval whose end reaches b
        i = bisect.bisect_left(cum, b) - 1
        i = max(i, 0)
        while cum[i] + ends[i] - starts[i] < b:
            i += 1
        return starts[i] + (b - cum[i])

    def intervals(self, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
        """Working intervals intersecting ``[lo, hi)``, clipped to it."""
        self.ensure(lo, max(lo, hi))
        a = int(np.searchsorted(self._ends, lo, "right"))
        b = int(np.searchsorted(self._starts, hi, "left"))
        s = np.maximum(self._starts[a:b], lo)
        e = np.minimum(self._ends[a:b], hi)
        keep = e > s
        return s[keep], e[keep]
