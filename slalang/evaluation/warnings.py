"""Warnings: what an evaluation could measure only in part, said instead of passing silently.

A run can be "green" for the wrong reason: a pause status misspelt in the policy never pauses,
a response clock nothing stops breaches everything, a ticket whose history ends resolved but
has no ``resolved_at`` stays open, a promised service without downtime data looks perfect.
None of these is an error (the data may be right), so each becomes a :class:`DataWarning` in
the text summary, the JSON ``warnings`` list and a JUnit test case.

The facts the warnings need are gathered per batch of tickets (:class:`DataFacts`) and add
up, so the chunked evaluation gathers them chunk by chunk and warns exactly as the in-memory
one does; what the reading itself found (invisible characters, resolutions derived from the
history) comes with the input's counts (:class:`slalang.data.counts.InputCounts`).
"""

from __future__ import annotations

import difflib
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from slalang.vocabulary import DONE_STATUSES, N_STATUS

#: up to this many status labels are counted a label at a time (else by one bincount)
_FEW_LABELS = 8
#: outcome statuses of a measured clock (met, breached, open)
_MEASURED = (0, 1, 2)


@dataclass(frozen=True)
class DataWarning:
    """One warning: a stable ``code``, the ``message`` and what to do (``hint``)."""

    code: str
    message: str
    hint: str = ""

    def __str__(self) -> str:
        return f"{self.message}; {self.hint}" if self.hint else self.message


@dataclass
class DataFacts:
    """What the warnings need to know about the tickets, additive over chunks."""

    #: status label -> number of status events with it
    statuses: Counter = field(default_factory=Counter)
    #: per metric: tickets whose clock was measured, and of those whose clock stopped
    measured: np.ndarray | None = None
    stopped: np.ndarray | None = None

    @classmethod
    def of(cls, tickets, outcomes) -> DataFacts:
        """The facts of one table of tickets and its outcomes."""
        statuses: Counter = Counter()
        status = getattr(tickets, "event_status", None)  # absent from hand-built inputs
        codes = np.asarray(status.codes) if status is not None else np.zeros(0, np.int32)
        if len(codes) and len(status.labels) <= _FEW_LABELS:
            # a pass per label, no copy: the selection and the bincount's cast to int64
            # took 6 ms of two million events
            counts = [int(np.count_nonzero(codes == k)) for k in range(len(status.labels))]
            statuses.update({lab: c for lab, c in zip(status.labels, counts, strict=True)
                             if c})
        elif len(codes):
            counts = np.bincount(codes[codes >= 0], minlength=len(status.labels))
            statuses.update({lab: int(c) for lab, c in zip(status.labels, counts, strict=True)
                             if c})
        n_metrics = len(outcomes.metrics)
        status = np.asarray(outcomes.status)
        # a table of the measured codes, not np.isin (which sorts: 20 ms at 1m tickets)
        table = np.zeros(max(N_STATUS, int(status.max(initial=0)) + 1), dtype=bool)
        table[list(_MEASURED)] = True
        measured = table[status]
        stopped = measured & (np.asarray(outcomes.stopped_at) != np.iinfo(np.int64).min)
        metric = np.asarray(outcomes.metric)
        if n_metrics <= _FEW_LABELS:  # a pass per metric over the narrow codes
            on = [metric == m for m in range(n_metrics)]
            return cls(statuses, np.array([np.count_nonzero(measured & x) for x in on],
                                          dtype=np.int64),
                       np.array([np.count_nonzero(stopped & x) for x in on], dtype=np.int64))
        # (metric, flag) pairs counted in one pass each, no gathered copy of the rows
        metric = metric.astype(np.int64) * 2
        return cls(statuses, _per_metric(metric, measured, n_metrics),
                   _per_metric(metric, stopped, n_metrics))

    def add(self, other: DataFacts) -> None:
        """``other``'s facts added (facts of no ticket, as an empty partial's, add nothing:
        they were an error once two of them had been merged)."""
        self.statuses.update(other.statuses)
        if other.measured is not None:
            self.measured = other.measured if self.measured is None else (
                self.measured + other.measured)
        if other.stopped is not None:
            self.stopped = other.stopped if self.stopped is None else (
                self.stopped + other.stopped)


_STOP_HINTS = {
    "first_response": "is first_response_at mapped? (fields.first_response_at, or "
                      "first_response in the mapping to derive it from the status history)",
    "resolved": "is resolved_at mapped, or does the status history reach 'resolved'?",
    "closed": "is closed_at mapped, or does the status history reach 'closed'?",
}


def _per_metric(twice_metric: np.ndarray, flag: np.ndarray, n_metrics: int) -> np.ndarray:
    """Rows flagged per metric (``twice_metric``: each row's metric index times two).

    >>> _per_metric(np.array([0, 2, 0, 2]), np.array([True, True, False, True]), 2).tolist()
    [1, 2]
    """
    pairs = np.bincount(twice_metric + flag, minlength=2 * n_metrics)
    return pairs[1::2].copy()


def _clock_warnings(policy, facts: DataFacts) -> list[DataWarning]:
    out = []
    if facts.measured is None:
        return out
    for m, clock in enumerate(policy.clocks):
        if m >= len(facts.measured) or not facts.measured[m] or facts.stopped[m]:
            continue
        stop = clock.stop
        hint = (_STOP_HINTS.get(stop.kind, "") if stop.kind != "status" else
                f"does any ticket's status history enter {stop.status!r}?")
        out.append(DataWarning(
            "clock-never-stopped",
            f"no ticket stopped the clock {clock.name!r} ({int(facts.measured[m])} tickets "
            f"measured; it stops at {stop}): every verdict is open or breached", hint))
    return out


def _status_warnings(policy, facts: DataFacts) -> list[DataWarning]:
    seen = sorted(facts.statuses)
    named: dict[str, list[str]] = {}  # clock -> statuses it names, in policy order
    for clock in policy.clocks:
        names = list(clock.pause_statuses)
        for event in (clock.start, clock.stop):
            if event.kind == "status" and event.status:
                names.append(event.status)
        if names:
            named[clock.name] = list(dict.fromkeys(names))
    if not named:
        return []
    if not seen:  # no status history at all: one warning, not one per status
        listed = "; ".join(f"{c}: {', '.join(names)}" for c, names in named.items())
        return [DataWarning(
            "status-not-in-data",
            f"the clocks name statuses ({listed}) but the data has no status history",
            "give the status events (an events file, or each ticket's events), or these "
            "clocks never pause nor stop on a status")]
    out = []
    for clock, names in named.items():
        for status in names:
            # resolved/closed are the canonical vocabulary: the resolved_at/closed_at instants
            # say them even when no event does, so their absence is no sign of a misspelling
            if status in facts.statuses or status in DONE_STATUSES:
                continue
            # a stricter cutoff than for policy names: waiting_on_vendor is no misspelling of
            # waiting_on_customer, waiting_on_custmer is
            close = difflib.get_close_matches(status, seen, n=1, cutoff=0.85)
            mean = f"did you mean {close[0]!r}?" if close else None
            hint = (f"{mean} (the policy or the mapping's values.status must use the data's "
                    "word)" if mean else
                    f"the data's statuses: {', '.join(seen[:12])}"
                    f"{' ...' if len(seen) > 12 else ''}")
            out.append(DataWarning(
                "status-not-in-data",
                f"clock {clock!r} names status {status!r}, which no event in the data has",
                hint))
    return out


#: the warnings of what reading noted (``counts.notes``: how many, and the first ids or rows):
#: (note, code, message with {count} and {examples}, hint)
_NOTED = (
    ("resolved_at_derived", "resolved-from-history",
     "{count} ticket(s) end resolved or closed in their status history but have no "
     "resolved_at (e.g. {examples}): resolved_at was taken from the history (the last entry "
     "into resolved/closed)",
     "map the export's resolution time as fields.resolved_at to use its own"),
    ("resolved_at_from_closed", "resolved-from-closed",
     "{count} ticket(s) were closed without a resolution time, in the export or their status "
     "history (e.g. {examples}): each was taken as resolved when it was closed",
     "map the export's resolution time as fields.resolved_at (a list of columns falls back "
     "from one to the next) if it has one"),
    ("instants_ambiguous", "ambiguous-local-times",
     "{count} local time(s) fall in the hour a clock change repeats (e.g. {examples}): each "
     "read as the earlier of its two instants",
     "export the times with their UTC offset (or in UTC) to tell the two apart"),
    ("instants_nonexistent", "nonexistent-local-times",
     "{count} local time(s) fall in the hour a clock change skips (e.g. {examples}): each "
     "read as the first instant after the change",
     "check the export's time zone (timestamps.timezone in the mapping)"),
    ("resolved_at_contradicted", "resolved-contradicted",
     "{count} ticket(s) have a resolved_at but their status history goes on to end in an open "
     "status (e.g. {examples}): evaluated as resolved, as resolved_at says",
     "check whether these tickets were reopened after the export's resolution time"),
)


def _note_warnings(counts) -> list[DataWarning]:
    """Warnings about the reading (the input's counts and notes)."""
    out: list[DataWarning] = []
    if counts is None:
        return out
    if counts.invisible_ids:
        out.append(DataWarning(
            "invisible-characters-in-ids",
            f"{counts.invisible_ids} id value(s) of the tickets and their events carried "
            "invisible characters (byte-order mark, zero-width or no-break space), stripped "
            "before matching",
            "exports concatenated with cat, or ids pasted from a spreadsheet: clean the export "
            "if other tools read it"))
    for key, code, said, hint in _NOTED:  # in this order
        noted = counts.notes.get(key)
        if noted:
            count, examples = noted
            out.append(DataWarning(code, said.format(count=count,
                                                     examples=", ".join(examples)), hint))
    return out


def _uptime_warnings(ev, downtime_given: bool) -> list[DataWarning]:
    # any(): in C, where the set below walks every customer-month in Python (11 ms of
    # 119,441 of them, each without a service when the policy promises no uptime)
    if downtime_given or not any(ev.uptime):
        return []
    promised = sorted({u.service for results in ev.uptime for u in results
                       if u.target is not None})
    if not promised:
        return []
    return [DataWarning(
        "uptime-not-measured",
        f"uptime is promised for {', '.join(promised)} but no downtime data was given: "
        "uptime is not measured (no outage known is not 100 %)",
        "pass --downtime FILE (an empty file with its header says there was no outage)")]


def find_warnings(ev, facts: DataFacts, downtime_given: bool) -> tuple[DataWarning, ...]:
    """Every warning about an evaluation, in a stable order."""
    policy = ev.policy
    return tuple(_clock_warnings(policy, facts) + _status_warnings(policy, facts)
                 + _note_warnings(ev.input) + _uptime_warnings(ev, downtime_given))
