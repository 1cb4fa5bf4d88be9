"""The public calendar: when the clock may run, and business time between instants.

Scalar methods take aware datetimes; the ``*_array`` methods take int64 epoch seconds for many
tickets at once and never loop over tickets in Python.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

import numpy as np

from slalang.businesstime.clock import BusinessClock
from slalang.businesstime.errors import TimeError
from slalang.businesstime.hours import WEEKDAYS, DayHours, parse_day, parse_weekly
from slalang.businesstime.pauses import Pauses, as_pauses, merge_pairs, rows_of
from slalang.businesstime.zones import from_epoch, load_zone, to_epoch

if TYPE_CHECKING:
    from slalang.model import CalendarDef

#: the "no instant" marker of the engine's int64 columns
NAT = np.iinfo(np.int64).min

Pairs = Iterable[tuple[dt.datetime, dt.datetime]]


class Calendar:
    """A business calendar: working hours per weekday in a time zone, minus holidays and
    closures, with per-date overrides.

    Args:
        timezone: IANA zone whose wall clock the hours are read in.
        weekly_hours: weekday (``"mon"``..``"sun"``) → list of ``("HH:MM", "HH:MM")`` ranges;
            ``"24:00"`` may end a range; an end before the start runs past midnight. Days not
            named are closed.
        holidays: dates closed all day.
        overrides: date → its own ranges (possibly none), replacing the weekly hours and any
            holiday or closure that day.
        holiday_sources: ``(country, subdivision)`` pairs whose public holidays (from the
            ``holidays`` library, generated per year on demand) are closed.
        yearly_closures: ``(month, day)`` pairs closed every year.
        name: shown in messages.

    >>> from zoneinfo import ZoneInfo
    >>> cal = Calendar("Europe/Rome", {"mon": [("09:00", "13:00"), ("14:00", "18:00")]})
    >>> rome = ZoneInfo("Europe/Rome")
    >>> cal.elapsed(dt.datetime(2026, 6, 1, 12, 0, tzinfo=rome),
    ...             dt.datetime(2026, 6, 1, 15, 0, tzinfo=rome))
    7200
    >>> cal.due(dt.datetime(2026, 6, 1, 12, 0, tzinfo=rome), 5 * 3600).astimezone(rome)
    datetime.datetime(2026, 6, 1, 18, 0, tzinfo=zoneinfo.ZoneInfo(key='Europe/Rome'))
    """

    def __init__(
        self,
        timezone: str = "UTC",
        weekly_hours: Mapping[str, Iterable] | None = None,
        holidays: Iterable[dt.date] = (),
        overrides: Mapping[dt.date, Iterable] | None = None,
        *,
        holiday_sources: Iterable[tuple[str, str | None]] = (),
        yearly_closures: Iterable[tuple[int, int]] = (),
        name: str | None = None,
    ) -> None:
        self.name = name
        self.timezone = timezone
        self._zone = load_zone(timezone)
        self._weekly: tuple[DayHours, ...] = parse_weekly(weekly_hours or {})
        self._closed = frozenset(_as_date(d, "holiday") for d in holidays)
        self._overrides: dict[dt.date, DayHours] = {
            _as_date(d, "override"): parse_day(r, f"override {d}")
            for d, r in (overrides or {}).items()
        }
        self._yearly = frozenset(_month_day(md) for md in yearly_closures)
        self._sources = tuple(_holiday_source(src) for src in holiday_sources)
        self._source_years: dict[int, frozenset[dt.date]] = {}
        full = ((0, 1440),)
        #: True when every real second counts (24x7): B(t) = t, the fast path
        self.is_24x7 = (
            all(day == full for day in self._weekly)
            and not (self._closed or self._overrides or self._yearly or self._sources)
        )
        self._clock: BusinessClock | _Identity = (
            _Identity() if self.is_24x7 else BusinessClock(self._zone, self._day_hours)
        )

    # -- constructors ----------------------------------------------------------------------

    @classmethod
    def always(cls, timezone: str = "UTC", *, name: str | None = None) -> Calendar:
        """A 24x7 calendar: every real second counts (B(t) = t).

        >>> Calendar.always().is_24x7
        True
        """
        return cls(timezone, {day: [(0, 1440)] for day in WEEKDAYS}, name=name)

    @classmethod
    def from_def(cls, d: CalendarDef) -> Calendar:
        """The calendar a checked policy defines (:class:`slalang.model.CalendarDef`)."""
        if d.always:
            return cls.always(d.timezone, name=d.name)
        return cls(
            d.timezone,
            {WEEKDAYS[i]: [(r.start, r.end) for r in day] for i, day in enumerate(d.weekly)},
            holidays=d.closures,
            overrides={day: [(r.start, r.end) for r in ranges] for day, ranges in d.overrides},
            holiday_sources=[(h.country, h.subdivision) for h in d.holidays],
            yearly_closures=d.yearly_closures,
            name=d.name,
        )

    def __repr__(self) -> str:
        label = f" {self.name!r}" if self.name else ""
        kind = "24x7" if self.is_24x7 else "hours"
        return f"<Calendar{label} {kind} {self.timezone}>"

    # -- what a day looks like -------------------------------------------------------------

    def is_closed(self, day: dt.date) -> bool:
        """Whether ``day`` is a holiday or closure (overrides aside).

        >>> Calendar("Europe/Rome", holiday_sources=[("IT", None)]).is_closed(dt.date(2026, 6, 2))
        True
        """
        if day in self._closed or (day.month, day.day) in self._yearly:
            return True
        if not self._sources:
            return False
        year = self._source_years.get(day.year)
        if year is None:
            from slalang.holiday_data import holiday_dates

            dates: set[dt.date] = set()
            for country, subdiv in self._sources:
                dates.update(holiday_dates(country, subdiv, day.year))
            year = self._source_years[day.year] = frozenset(dates)
        return day in year

    def hours_on(self, day: dt.date) -> DayHours:
        """The working ranges of local ``day`` as minute pairs.

        >>> Calendar("UTC", {"tue": [("08:30", "12:00")]}).hours_on(dt.date(2026, 6, 2))
        ((510, 720),)
        """
        if self.is_24x7:
            return ((0, 1440),)
        return self._day_hours(day)

    def _day_hours(self, day: dt.date) -> DayHours:
        if day in self._overrides:
            return self._overrides[day]
        if self.is_closed(day):
            return ()
        return self._weekly[day.weekday()]

    # -- scalar ----------------------------------------------------------------------------

    def elapsed(self, start: dt.datetime, end: dt.datetime, pauses: Pairs = ()) -> int:
        """Business seconds in ``[start, end)`` outside ``pauses``.

        Pauses may overlap one another (counted once) and extend outside ``[start, end)``
        (clipped). A reversed interval (``end < start``) gives 0.
        """
        s, e = to_epoch(start, "start"), to_epoch(end, "end")
        if e <= s:
            return 0
        clock = self._clock
        clock.ensure(s, e)
        total = clock.at_scalar(e) - clock.at_scalar(s)
        for ps, pe in merge_pairs(_epoch_pairs(pauses)):
            ps, pe = max(ps, s), min(pe, e)
            if pe > ps:
                total -= clock.at_scalar(pe) - clock.at_scalar(ps)
        return total

    def due(self, start: dt.datetime, target_seconds: int, pauses: Pairs = ()) -> dt.datetime:
        """The earliest instant (aware, UTC) at which business time since ``start``, outside
        ``pauses``, reaches ``target_seconds``.

        A target landing on the end of a working interval is due at that end; a target of 0 is
        due at ``start`` itself, even outside working hours.
        """
        s = to_epoch(start, "start")
        target = _target(target_seconds)
        clock = self._clock
        clock.ensure(s, s)
        cur = clock.at_scalar(s) + target
        # walk the pauses in order: each one starting (in business time) before the candidate
        # due instant pushes it on by its own business length
        for ps, pe in merge_pairs(_epoch_pairs(pauses)):
            ps, pe = max(ps, s), max(pe, s)
            if pe <= ps:
                continue
            clock.ensure(s, pe)
            b_ps = clock.at_scalar(ps)
            if b_ps >= cur:
                break
            cur += clock.at_scalar(pe) - b_ps
        clock.ensure_business(cur)
        return from_epoch(max(s, clock.inverse_scalar(cur)))

    def working_intervals(
        self, start: dt.datetime, end: dt.datetime
    ) -> list[tuple[dt.datetime, dt.datetime]]:
        """The working intervals inside ``[start, end)`` as UTC datetime pairs."""
        s, e = to_epoch(start, "start"), to_epoch(end, "end")
        lo, hi = self.intervals_array(s, e)
        return [(from_epoch(a), from_epoch(b)) for a, b in zip(lo.tolist(), hi.tolist(),
                                                               strict=True)]

    # -- vectorised ------------------------------------------------------------------------

    def intervals_array(self, start: int, end: int) -> tuple[np.ndarray, np.ndarray]:
        """Working intervals inside ``[start, end)`` (epoch seconds) as two int64 arrays."""
        if end <= start:
            z = np.zeros(0, dtype=np.int64)
            return z, z
        return self._clock.intervals(int(start), int(end))

    def business_clock(self, t: np.ndarray) -> np.ndarray:
        """B(t): cumulative working seconds at each instant (int64 epoch seconds), counted from
        the calendar's origin. Only differences are meaningful; they are stable for the life of
        the calendar. A 24x7 calendar has B(t) = t. NAT in gives NAT out."""
        t = _int64(t, "instants")
        if not t.size:
            return np.zeros(t.shape, dtype=np.int64)
        lo = int(t.min())
        if lo != NAT:  # the common case: no NAT, no masking
            self._clock.ensure(lo, int(t.max()))
            return self._clock.at(t)
        valid = t != NAT
        out = np.full(t.shape, NAT, dtype=np.int64)
        if valid.any():
            tv = t[valid]
            self._clock.ensure(int(tv.min()), int(tv.max()))
            out[valid] = self._clock.at(tv)
        return out

    def business_clock_inverse(self, b: np.ndarray) -> np.ndarray:
        """The earliest instant at which B reaches each value of ``b`` (int64). Values must come
        from :meth:`business_clock` plus non-negative amounts. NAT in gives NAT out."""
        b = _int64(b, "business clock values")
        valid = b != NAT
        out = np.full(b.shape, NAT, dtype=np.int64)
        if valid.any():
            bv = b[valid]
            if self._clock.built is None:
                raise TimeError("business_clock_inverse needs business_clock() to run first")
            self._clock.ensure_business_back(int(bv.min()))
            self._clock.ensure_business(int(bv.max()))
            out[valid] = self._clock.inverse(bv)
        return out

    def elapsed_array(
        self, starts: np.ndarray, ends: np.ndarray, pauses: Pauses | None = None
    ) -> np.ndarray:
        """Business seconds in ``[starts[i], ends[i])`` outside ticket ``i``'s pauses.

        Args:
            starts, ends: int64 epoch seconds, one per ticket; NAT in either gives NAT.
            pauses: :class:`Pauses` (sorted and non-overlapping within a ticket), or None.

        Reversed intervals give 0.

        >>> cal = Calendar.always()
        >>> cal.elapsed_array(np.array([0, 100, 0]), np.array([60, 50, 60]),
        ...                   Pauses.from_lists([[(10, 20)], [], [(50, 90)]])).tolist()
        [50, 0, 50]
        """
        starts, ends = _int64(starts, "starts"), _int64(ends, "ends")
        if starts.shape != ends.shape or starts.ndim != 1:
            raise TimeError("starts and ends must be one-dimensional arrays of the same length")
        n = len(starts)
        if not n:
            return np.zeros(0, dtype=np.int64)
        p = None if pauses is None else as_pauses(pauses, n)
        # NAT is the smallest int64, so the minimum both finds it and bounds the years to build
        lo = min(int(starts.min()), int(ends.min()))
        invalid = None
        if lo == NAT:
            invalid = (starts == NAT) | (ends == NAT)
            if invalid.all():
                return np.full(n, NAT, dtype=np.int64)
            fill = int(np.where(invalid, np.iinfo(np.int64).max, starts).min())
            starts = np.where(invalid, fill, starts)
            ends = np.where(invalid, fill, ends)
            lo = min(int(starts.min()), int(ends.min()))
        clock = self._clock
        clock.ensure(lo, max(int(starts.max()), int(ends.max())))
        out = clock.at(ends)
        out -= clock.at(starts)
        np.maximum(out, 0, out=out)  # B is monotone: a reversed interval gives <= 0
        if p is not None and len(p.starts):
            rows = rows_of(p.offsets)
            s_rep = starts.take(rows)
            e_rep = ends.take(rows)
            # clip each pause to its ticket's [start, end); what is left outside counts 0
            ps = np.maximum(p.starts, s_rep)
            np.minimum(e_rep, p.ends, out=e_rep)
            np.maximum(e_rep, s_rep, out=e_rep)
            paused = clock.at(e_rep)
            paused -= clock.at(ps)
            np.maximum(paused, 0, out=paused)
            out -= _segment_sums(paused, p.offsets)
            np.maximum(out, 0, out=out)
        if invalid is not None:
            out[invalid] = NAT
        return out

    def due_array(
        self, starts: np.ndarray, targets: np.ndarray | int, pauses: Pauses | None = None
    ) -> np.ndarray:
        """The instant (int64 epoch seconds) at which each ticket's business time, outside its
        pauses, reaches its target. NAT in ``starts`` or ``targets`` gives NAT.

        >>> cal = Calendar.always()
        >>> cal.due_array(np.array([0, 0]), np.array([60, 60]),
        ...               Pauses.from_lists([[(10, 20)], [(60, 90)]])).tolist()
        [70, 60]
        """
        starts = _int64(starts, "starts")
        if starts.ndim != 1:
            raise TimeError("starts must be a one-dimensional array")
        n = len(starts)
        if not n:
            return np.zeros(0, dtype=np.int64)
        targets = np.broadcast_to(_int64(targets, "targets"), starts.shape)
        p = None if pauses is None else as_pauses(pauses, n)
        lo, t_min = int(starts.min()), int(targets.min())
        invalid = None
        if lo == NAT or t_min == NAT:
            invalid = (starts == NAT) | (targets == NAT)
            if invalid.all():
                return np.full(n, NAT, dtype=np.int64)
            fill = int(np.where(invalid, np.iinfo(np.int64).max, starts).min())
            starts = np.where(invalid, fill, starts)
            targets = np.where(invalid, 0, targets)
            lo, t_min = int(starts.min()), int(targets.min())
        if t_min < 0:
            raise TimeError("targets must be zero or more business seconds")
        clock = self._clock
        hi = int(starts.max())
        if p is not None and len(p.ends):
            hi = max(hi, int(p.ends.max()))
        clock.ensure(lo, hi)
        cur = clock.at(starts)
        cur += targets
        if p is not None and len(p.starts):
            rows = rows_of(p.offsets)
            s_rep = starts.take(rows)
            b_ps = clock.at(np.maximum(p.starts, s_rep))
            np.maximum(s_rep, p.ends, out=s_rep)
            lengths = clock.at(s_rep)
            lengths -= b_ps
            np.maximum(lengths, 0, out=lengths)  # a pause ending before it starts is empty
            _push(cur, b_ps, lengths, p.offsets, rows)
        clock.ensure_business(int(cur.max()))
        out = clock.inverse(cur)
        np.maximum(out, starts, out=out)
        if invalid is not None:
            out[invalid] = NAT
        return out


def measure(calendar: Calendar, starts: np.ndarray, ends: np.ndarray,
            targets: np.ndarray | int, pauses: Pauses | None = None,
            rows: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(calendar.elapsed_array(starts, ends, pauses), calendar.due_array(starts, targets,
    pauses))`` with each instant's business clock read once.

    B is monotone, so it commutes with the clipping both computations do
    (``B(max(a, b)) == max(B(a), B(b))``, and so for ``min``): the starts, ends and the
    pauses' own bounds are looked up once and every clipped bound is taken in business time,
    where the two functions look up seven arrays between them. Inputs with NAT or a negative
    target take the two functions themselves (their checks and messages). ``rows``, when
    the caller has it, is the ticket of each pause (``rows_of(pauses.offsets)``).

    >>> cal = Calendar.always()
    >>> e, d = measure(cal, np.array([0, 0]), np.array([60, 60]), np.array([60, 60]),
    ...                Pauses.from_lists([[(10, 20)], [(60, 90)]]))
    >>> e.tolist(), d.tolist()
    ([50, 60], [70, 60])
    """
    starts, ends = _int64(starts, "starts"), _int64(ends, "ends")
    targets = np.broadcast_to(_int64(targets, "targets"), starts.shape)
    n = len(starts) if starts.ndim == 1 else 0
    if (not n or starts.shape != ends.shape or int(starts.min()) == NAT
            or int(ends.min()) == NAT or int(targets.min()) < 0):
        return (calendar.elapsed_array(starts, ends, pauses),
                calendar.due_array(starts, targets, pauses))
    p = None if pauses is None else as_pauses(pauses, n)
    clock = calendar._clock
    hi = max(int(starts.max()), int(ends.max()))
    if p is not None and len(p.ends):
        hi = max(hi, int(p.ends.max()))
    clock.ensure(min(int(starts.min()), int(ends.min())), hi)
    b_start = clock.at(starts)
    b_end = clock.at(ends)
    elapsed = b_end - b_start
    np.maximum(elapsed, 0, out=elapsed)  # a reversed interval gives 0
    cur = b_start + targets
    if p is not None and len(p.starts):
        if rows is None:
            rows = rows_of(p.offsets)
        b_s = b_start.take(rows)
        b_ps = clock.at(p.starts)
        np.maximum(b_ps, b_s, out=b_ps)  # B(max(pause start, start))
        b_pe = clock.at(p.ends)
        # elapsed: the pause clipped to [start, end) (one ending before the start is empty
        # after the clip at 0, as is one starting after the end)
        paused = np.minimum(b_end.take(rows), b_pe)
        paused -= b_ps
        np.maximum(paused, 0, out=paused)
        elapsed -= _segment_sums(paused, p.offsets)
        np.maximum(elapsed, 0, out=elapsed)
        # due: the pause from its clipped start to its end (due_array's rule, in B)
        lengths = b_pe - b_ps
        np.maximum(lengths, 0, out=lengths)
        _push(cur, b_ps, lengths, p.offsets, rows)
    clock.ensure_business(int(cur.max()))
    due = clock.inverse(cur)
    np.maximum(due, starts, out=due)
    return elapsed, due


def _push(cur: np.ndarray, b_ps: np.ndarray, lengths: np.ndarray, offsets: np.ndarray,
          rows: np.ndarray) -> None:
    """Add to each ticket's ``cur`` (B(start) + target) the pauses that push its due instant;
    ``b_ps`` and ``lengths`` are the pauses' clipped starts and lengths in business time
    (both overwritten), ``rows`` each pause's ticket.

    Pause k pushes the due instant when the business time run by its start is short of the
    target: B(ps_k) - (pauses before k) < B(start) + target. That never decreases along a
    ticket (pauses are sorted and disjoint), so the pushing pauses form a prefix and one
    comparison per pause decides, without a loop.
    """
    csum = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=csum[1:])
    b_ps -= csum[:-1]
    reach = (cur - csum[offsets[:-1]]).take(rows)
    lengths[b_ps >= reach] = 0
    cur += _segment_sums(lengths, offsets)


class _Identity:
    """The clock of a 24x7 calendar: B(t) = t."""

    def ensure(self, lo: int, hi: int) -> None:
        pass

    built = True

    def ensure_business(self, b: int) -> None:
        pass

    ensure_business_back = ensure_business

    def at(self, t: np.ndarray) -> np.ndarray:
        return np.array(t, dtype=np.int64, copy=True)

    inverse = at

    def at_scalar(self, t: int) -> int:
        return t

    inverse_scalar = at_scalar

    def intervals(self, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
        return np.array([lo], dtype=np.int64), np.array([hi], dtype=np.int64)


def _segment_sums(values: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Exact int64 sums of ``values[offsets[i]:offsets[i+1]]`` for every i."""
    csum = np.zeros(len(values) + 1, dtype=np.int64)
    np.cumsum(values, out=csum[1:])
    return csum[offsets[1:]] - csum[offsets[:-1]]


def _int64(values: object, what: str) -> np.ndarray:
    arr = np.asarray(values)
    if arr.dtype.kind not in "iu":
        raise TimeError(f"{what} must be integer epoch seconds (int64), got dtype {arr.dtype}")
    return arr.astype(np.int64, copy=False)


def _target(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TimeError(f"a target must be a whole number of seconds, got {value!r}")
    if value < 0:
        raise TimeError(f"a target must be zero or more seconds, got {value}")
    return int(value)


def _epoch_pairs(pauses: Pairs) -> list[tuple[int, int]]:
    return [(to_epoch(a, "pause start"), to_epoch(b, "pause end")) for a, b in pauses]


def _as_date(value: object, what: str) -> dt.date:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise TimeError(f"a {what} must be a date (datetime.date), got {value!r}")
    return value


def _month_day(value: object) -> tuple[int, int]:
    try:
        month, day = value  # type: ignore[misc]
        dt.date(2024, int(month), int(day))  # a leap year accepts 29 February
    except (TypeError, ValueError):
        raise TimeError(f"a yearly closure must be a (month, day) pair, got {value!r}") from None
    return int(month), int(day)


def _holiday_source(value: object) -> tuple[str, str | None]:
    if isinstance(value, str):
        country, subdiv = value, None
    else:
        try:
            country, subdiv = value  # type: ignore[misc]
        except (TypeError, ValueError):
            raise TimeError(
                f"a holiday source must be a (country, subdivision) pair, got {value!r}"
            ) from None
    from slalang.holiday_data import registry, subdivisions

    if country not in registry() or (subdiv is not None and subdiv not in subdivisions(country)):
        where = f"{country}" + (f"/{subdiv}" if subdiv else "")
        raise TimeError(
            f"no public holidays known for {where!r}: use an ISO 3166 country code such as "
            "'IT' (and a subdivision the holidays library knows)"
        ) from None
    return country, subdiv
