"""What the reading did with the input, in numbers, and the refusal of a run that read nothing.

Every record of the tickets input ends in exactly one place: evaluated (a ticket), ignored on
purpose (a mapping's ``ignore`` rule, a status mapped to null, a repeated header) or rejected
(named with file, row and field). :class:`InputCounts` holds those numbers so every output
can state them first: ``read = evaluated + ignored + rejected``.

A run in which every ticket row was rejected has measured nothing; it must never look like a
perfect month. :func:`all_rejected` builds its error: the most frequent reasons, an example
row each, and what to change.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from slalang.data.table import Ignored, Rejection, TicketTable
from slalang.errors import DataError


@dataclass(frozen=True)
class InputCounts:
    """The tickets input in numbers (see the module docstring)."""

    #: the tickets file
    file: str
    #: ``ticket`` (a record per ticket) or ``event_log`` (a record per update, folded)
    shape: str
    #: records read from the tickets file (rows, lines; update rows for an event log)
    read: int
    #: tickets built and evaluated
    tickets: int
    #: records of the tickets file rejected
    rejected: int
    #: rows skipped on purpose, per file and reason (the events file's too)
    ignored: tuple[Ignored, ...] = field(default_factory=tuple)
    #: ids that carried invisible characters (stripped)
    invisible_ids: int = 0
    #: the export's time zone (a mapping's), for messages
    zone: str | None = None
    #: TicketTable.notes: what reading derived or doubted (resolved_at from the history)
    notes: dict = field(default_factory=dict)
    #: rows read from a separate events file
    events_read: int = 0

    @property
    def ignored_rows(self) -> int:
        """Rows of the tickets file ignored."""
        return sum(i.rows for i in self.ignored if i.file == self.file)

    @classmethod
    def of(cls, table: TicketTable, shape: str = "ticket") -> InputCounts:
        """The counts of a table as read (by ``read_tickets`` or a mapping)."""
        if isinstance(table.input_counts, InputCounts):  # known whole (a dataset's manifest)
            return table.input_counts
        file = table.source
        # the tickets' files: the source, or the page files / database it stands for
        files = table.source_files or (file,)
        rows = {(r.file, r.row) for r in table.rejected if r.file in files or r.file == file}
        if shape == "ticket" and rows:  # an event's problem on a ticket kept does not
            # reject the row: look only at the kept tickets on a rejected row number (building
            # the pairs of every ticket cost 0.4 s per million on each run)
            source_row = np.asarray(table.source_row, dtype=np.int64)
            on = np.flatnonzero(np.isin(source_row, np.fromiter((r for _, r in rows),
                                                                np.int64, len(rows))))
            index = (np.asarray(table.source_file_index)[on]
                     if table.source_file_index is not None else np.zeros(len(on), np.int64))
            names = [files[int(k)] for k in index] if table.source_files else [file] * len(on)
            rows -= set(zip(names, source_row[on].tolist(), strict=True))
        read = table.rows_read or (table.n + len(rows))
        return cls(file, shape, read, table.n, len(rows), tuple(table.ignored),
                   table.invisible_ids, table.zone, dict(table.notes), table.events_read)

    def line(self, invalid: int, other_rejected: int) -> str:
        """The summary's first line about the input.

        >>> c = InputCounts("t.csv", "ticket", 10, 7, 2, (Ignored("t.csv", "x", 1, 4),))
        >>> c.line(1, 3)  # doctest: +NORMALIZE_WHITESPACE
        'input: 10 ticket rows read = 7 evaluated + 1 ignored + 2 rejected; invalid 1;
         other rows rejected 3'
        """
        what = "update rows" if self.shape == "event_log" else "ticket rows"
        if self.shape == "event_log":
            head = (f"input: {self.read} {what} read, folded into {self.tickets} tickets "
                    f"evaluated; {self.ignored_rows} ignored, {self.rejected} rejected")
        else:
            head = (f"input: {self.read} {what} read = {self.tickets} evaluated + "
                    f"{self.ignored_rows} ignored + {self.rejected} rejected")
        tail = f"; invalid {invalid}"
        if other_rejected:
            tail += f"; other rows rejected {other_rejected}"
        return head + tail


def _shape_of(reason: str) -> str:
    """A reason with its values blanked, so rows failing the same way count together.

    >>> _shape_of("bad timestamp '1 July' (expected format '%d.%m.%Y')")
    "bad timestamp '…' (expected format '…')"
    """
    return re.sub(r"'[^']*'", "'…'", reason)


#: what to change, by the field a reason names (the reason's own hint comes first)
FIXES = {
    "id": "map the ticket id column (fields.id in a mapping; `id` in the canonical form)",
    "customer": "map a customer column, or give the whole export one customer with "
                "fields.customer: {constant: Name}",
    "created_at": "map the creation time (fields.created_at) and give timestamps.format "
                  "and timestamps.timezone when the times are not ISO 8601 with an offset",
}


def top_reasons(rejected: list[Rejection], limit: int = 3) -> list[str]:
    """The most frequent reasons as ``N x reason (field F), e.g. file:row``."""
    groups: Counter = Counter()
    example: dict[tuple, Rejection] = {}
    for r in rejected:
        key = (r.field, _shape_of(r.reason))
        groups[key] += 1
        example.setdefault(key, r)
    out = []
    for key, count in groups.most_common(limit):
        r = example[key]
        where = f" (field {r.field!r})" if r.field else ""
        out.append(f"{count} x {r.reason}{where}, e.g. {r.file}:{r.row}")
    return out


def all_rejected(file: str, read: int, rejected: list[Rejection]) -> DataError:
    """The error of a run in which every ticket row was rejected: nothing was measured."""
    mine = [r for r in rejected if r.file == file] or rejected
    lines = [f"every ticket row was rejected ({read} read, {len(mine)} rejected): nothing "
             "to evaluate; the most frequent reasons:"]
    lines += [f"  {text}" for text in top_reasons(mine)]
    fields = Counter(r.field for r in mine)
    top_field = fields.most_common(1)[0][0] if fields else None
    fix = FIXES.get(top_field or "", "fix the rows named above (or the mapping that reads them)")
    lines.append(f"fix: {fix}; `slalang mapping check MAPPING EXPORT` previews how a mapping "
                 "reads the export, `slalang mapping init EXPORT` writes a starting one")
    error = DataError("\n".join(lines))
    error.file = file
    return error
