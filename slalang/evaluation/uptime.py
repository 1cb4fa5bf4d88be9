"""Uptime: counted downtime per customer, service and month.

Rules (see docs/evaluation/uptime-and-credits.md):

* a downtime record matching an ``exclude downtime where ...`` clause without ``during`` is left
  out entirely; with ``during CAL`` only the part of the record inside CAL's hours is left out
  (measured with CAL's business clock: inside = B(end) - B(start));
* overlapping records of one customer's service count once (the union is measured);
* a record spanning two months is split at the local midnight between them;
* uptime % = (seconds in the month - counted downtime) / seconds in the month x 100, over the
  month's real length (DST included).

Downtime data is small (a few records per customer and month), so this module works per record
in plain Python; the measuring is done on the union's elementary segments.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from slalang.data.downtime import DowntimeRecord, DowntimeTable
from slalang.model import Exclusion, Span
from slalang.vocabulary import sorted_unique

#: a calendar's business clock: epoch seconds -> cumulative working seconds
Clock = Callable[[np.ndarray], np.ndarray]


def downtime_records(downtime: DowntimeTable | Iterable[DowntimeRecord] | None
                     ) -> list[DowntimeRecord]:
    """The records of a downtime table (or of any iterable of records); none for None."""
    return [] if downtime is None else list(downtime)


@dataclass(frozen=True)
class Counted:
    """A record after exclusions: fully counted (window None) or counted outside ``window``."""

    start: int
    end: int
    window: str | None


def apply_exclusions(record: DowntimeRecord, exclusions: Iterable[Exclusion]) -> Counted | None:
    """None when an exclusion without ``during`` matches; else the record with the window of
    the first matching ``during`` exclusion (or no window)."""
    ex = matching_exclusion(record, exclusions)
    if ex is not None and ex.during is None:
        return None
    return Counted(record.start, record.end, ex.during if ex is not None else None)


def counted_downtime(items: list[Counted], edges: np.ndarray, clocks: dict[str, Clock]
                     ) -> np.ndarray:
    """Counted downtime seconds in each bucket ``[edges[k], edges[k+1])`` for one service.

    The union of the records is cut into elementary segments at every record bound and bucket
    edge. A segment counts in full when a record without window covers it; a segment covered
    only by windowed records counts its part outside the window (with different windows, the
    one excluding less: a point stays downtime unless every record over it is excused).

    >>> import numpy as np
    >>> e = np.array([0, 100, 200])
    >>> counted_downtime([Counted(50, 150, None), Counted(120, 160, None)], e, {}).tolist()
    [50, 60]
    """
    out = np.zeros(len(edges) - 1, dtype=np.int64)
    items = [c for c in items if c.end > c.start]
    if not items:
        return out
    starts = np.array([c.start for c in items], dtype=np.int64)
    ends = np.array([c.end for c in items], dtype=np.int64)
    bounds = sorted_unique(np.concatenate([starts, ends, edges]))
    bounds = bounds[(bounds >= edges[0]) & (bounds <= edges[-1])]
    a, b = bounds[:-1], bounds[1:]
    cover = (starts[None, :] <= a[:, None]) & (ends[None, :] >= b[:, None])
    plain = np.array([c.window is None for c in items])
    full = (cover & plain[None, :]).any(axis=1)
    length = b - a
    counted = np.where(full, length, 0)
    partial = cover.any(axis=1) & ~full
    if partial.any():
        best_excluded = np.full(a.shape, np.iinfo(np.int64).max, dtype=np.int64)
        for name in sorted({c.window for c in items if c.window is not None}):
            uses = cover & np.array([c.window == name for c in items])[None, :]
            hit = partial & uses.any(axis=1)
            if hit.any():
                clock = clocks[name]
                inside = np.asarray(clock(b[hit])) - np.asarray(clock(a[hit]))
                best_excluded[hit] = np.minimum(best_excluded[hit], inside)
        counted = np.where(partial, length - best_excluded, counted)
    bucket = np.searchsorted(edges, a, side="right") - 1
    np.add.at(out, bucket, counted)
    return out


@dataclass(frozen=True)
class UptimeResult:
    """One covered service of one customer in one bucket."""

    service: str
    #: the promised uptime in percent (None: no promise for this service)
    target: Decimal | None
    #: the bucket's real length, seconds
    seconds: int
    #: counted downtime, seconds
    downtime: int
    span: Span | None = None
    #: False when no downtime data was given at all: the uptime is unknown, not 100 %
    measured: bool = True

    @property
    def uptime(self) -> Decimal:
        """(seconds - downtime) / seconds x 100, exact to 28 digits."""
        return Decimal((self.seconds - self.downtime) * 100) / Decimal(self.seconds)

    @property
    def met(self) -> bool | None:
        if self.target is None or not self.measured:
            return None
        return Decimal((self.seconds - self.downtime) * 100) >= self.target * self.seconds


def downtime_by_service(records: list[DowntimeRecord], exclusions, edges: np.ndarray,
                        clocks: dict[str, Clock], rename=None
                        ) -> dict[tuple[str, str], np.ndarray]:
    """Counted downtime per (customer, service), one int per bucket."""
    groups: dict[tuple[str, str], list[Counted]] = {}
    for rec in records:
        customer = rename(rec.customer) if rename else rec.customer
        counted = apply_exclusions(rec, exclusions)
        items = groups.setdefault((customer, rec.service), [])
        if counted is not None:
            items.append(counted)
    return {key: counted_downtime(items, edges, clocks) for key, items in groups.items()}


def service_targets(tier, services: Iterable[str]) -> list[tuple[str, object]]:
    """(service, UptimeTarget or None) for every covered service: a service-specific promise
    wins over the tier's all-services promise."""
    uptime = tier.uptime if tier is not None else ()
    general = next((u for u in uptime if u.service is None), None)
    specific = {u.service: u for u in uptime if u.service is not None}
    names = list(dict.fromkeys([*services, *specific]))
    return [(s, specific.get(s, general)) for s in names]


@dataclass(frozen=True)
class DowntimeEntry:
    """One downtime record within one month, as a customer checks it: how long it lasted
    there, how much of it counts, and the exclusion that left the rest out (if any)."""

    customer: str
    service: str
    bucket: int
    start: int
    end: int
    kind: str
    note: str | None
    #: the record's length inside the month, seconds
    seconds: int
    #: of which counted as downtime (before merging overlapping records)
    counted: int
    #: the exclusion that applied (all of the record, or its part inside ``during``)
    exclusion: Exclusion | None


def matching_exclusion(record: DowntimeRecord, exclusions: Iterable[Exclusion]
                       ) -> Exclusion | None:
    """The exclusion :func:`apply_exclusions` applies to ``record``: the first without
    ``during`` that matches, else the first matching one with ``during``; None when none."""
    windowed = None
    for ex in exclusions:
        if ex.subject != "downtime":
            continue
        if all(c.matches(getattr(record, c.field, "")) for c in ex.conditions):
            if ex.during is None:
                return ex
            windowed = windowed or ex
    return windowed


def downtime_log(records: list[DowntimeRecord], exclusions, edges: np.ndarray,
                 clocks: dict[str, Clock], rename=None) -> tuple[DowntimeEntry, ...]:
    """Every record, month by month, with its counted seconds and the exclusion applied:
    the evidence a report lists beside the uptime it measures."""
    exclusions = tuple(exclusions)
    out = []
    for rec in records:
        customer = rename(rec.customer) if rename else rec.customer
        counted = apply_exclusions(rec, exclusions)
        per_bucket = (counted_downtime([counted], edges, clocks) if counted is not None
                      else np.zeros(len(edges) - 1, dtype=np.int64))
        ex = matching_exclusion(rec, exclusions)
        for b in range(len(edges) - 1):
            lo, hi = max(rec.start, int(edges[b])), min(rec.end, int(edges[b + 1]))
            if hi <= lo:
                continue
            out.append(DowntimeEntry(customer, rec.service, b, lo, hi, rec.kind, rec.note,
                                     hi - lo, int(per_bucket[b]), ex))
    return tuple(sorted(out, key=lambda e: (e.customer, e.bucket, e.start, e.service)))
