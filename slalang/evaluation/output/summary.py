"""The terminal summary of an evaluation: per customer and month, compliance per metric and
priority against the objective, uptime per service, the credit with its clauses; then the
period totals. Objectives without any ticket in the month are left out of the month's lines
(they are not applicable); the JSON output lists them all.

Then the input rows not evaluated (``rejected``) and the tickets evaluated as ``invalid``, the
first :data:`ROWS_LISTED` of each as ``file:row: field: reason`` (docs/evaluation/outputs.md).
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from slalang.data.table import Rejection
from slalang.evaluation.compliance import ObjectiveResult, TicketCounts
from slalang.evaluation.credits import fmt_percent
from slalang.evaluation.output.common import clause, iso_local
from slalang.evaluation.result import Evaluation


def _objective_line(o: ObjectiveResult) -> str | None:
    if not (o.decided or o.open or o.excluded):
        return None
    objective = f"objective {fmt_percent(o.objective)}%" if o.objective is not None else "no target"
    if o.compliance is None:
        value, verdict = "     n/a", "not applicable"
    else:
        value = f"{o.compliance:7.2f}%"
        verdict = {True: "ok", False: "MISSED", None: ""}[o.achieved]
        if o.small_sample:  # judged by the minimum-sample rule, and the line says so
            verdict = (f"not judged (fewer than {o.min_tickets} tickets)"
                       if o.allowed_misses is None else
                       f"{verdict} ({o.breached} missed, at most {o.allowed_misses} allowed "
                       f"below {o.min_tickets} tickets)")
    extra = f", {o.open} open" if o.open else ""
    extra += f", {o.excluded} excluded" if o.excluded else ""
    where = clause(o.span) or ""
    return (f"    {o.metric:<12} {o.priority:<4} {value} ({o.met}/{o.decided}{extra})  "
            f"{objective}  {verdict}  {where}").rstrip()


def _counts(c: TicketCounts) -> str:
    return (f"tickets {c.tickets}, excluded {c.excluded}, open {c.open}, "
            f"invalid {c.invalid}")


#: how many rejected rows (and invalid tickets) the summary names
ROWS_LISTED = 20


def describe_row(r: Rejection) -> str:
    """A rejection as ``file:row: field: reason`` (no field: ``file:row: reason``).

    >>> describe_row(Rejection("t.csv", 3, "created_at", "missing created_at"))
    't.csv:3: created_at: missing created_at'
    """
    where = ":".join(str(p) for p in (r.file, r.row) if p not in (None, ""))
    return f"{where}: {r.field + ': ' if r.field else ''}{r.reason}"


def row_lines(title: str, rows: tuple | list, limit: int = ROWS_LISTED) -> list[str]:
    """A titled list of rejections, the first ``limit`` then "... and N more"."""
    if not rows:
        return []
    out = ["", f"{title} ({len(rows)}):"]
    out += [f"  {describe_row(r)}" for r in rows[:limit]]
    if len(rows) > limit:
        out.append(f"  ... and {len(rows) - limit} more")
    return out


#: above this many customer-months the summary shows totals instead of every customer
DETAIL_LIMIT = 200
#: how many customer-months with a credit due or an objective missed the totals view names
LISTED = 20


def evaluation_to_text(ev: Evaluation, detail_limit: int = DETAIL_LIMIT) -> str:
    """The terminal summary: every customer-month when there are at most ``detail_limit``,
    else totals per month, metric and priority over all customers plus the customer-months
    that owe a credit or missed an objective."""
    tz = ev.policy.header.timezone
    h = ev.policy.header
    a = ev.agg
    total = TicketCounts(*(int(x) for x in a.g_counts.sum(axis=0))) if len(a) else TicketCounts()
    out = [
        f"{h.name} {h.version}: {ev.policy.source_path}",
        *input_lines(ev, total.invalid),
        f"period {ev.period.label} ({tz}), as of {iso_local(ev.as_of, tz)}",
        f"policy sha256 {ev.policy_hash[:12]}, data sha256 {ev.data_hash[:12]}, "
        f"slalang {ev.version}",
        f"{_counts(total)}, rejected {len(ev.rejected)}",
        *warning_lines(ev.warnings),
    ]
    if len(a) > detail_limit:
        out.extend(_totals(ev))
    else:
        out.extend(_details(ev))
    out.extend(row_lines("rejected rows, not evaluated", ev.rejected))
    out.extend(row_lines("reasons tickets are invalid (evaluated, not judged)", ev.invalid))
    ignored = ev.input.ignored if ev.input is not None else ()
    if ignored:
        out += ["", f"rows ignored on purpose ({sum(i.rows for i in ignored)}):"]
        out += [f"  {i}" for i in ignored]
    out.append("")
    out.append(f"objectives missed: {ev.objectives_missed}, credits due: {ev.credits_due} "
               "customer-month(s)")
    out.append(owed_line(ev, per_customer=len(a) <= detail_limit))
    return "\n".join(out) + "\n"


def input_lines(ev: Evaluation, invalid: int) -> list[str]:
    """The input in numbers, first: rows read = evaluated + ignored + rejected (the tickets
    file), then invalid tickets and the rows rejected in the other files."""
    counts = ev.input
    if counts is None:
        return []
    other = len(ev.rejected) - counts.rejected
    return [counts.line(invalid, max(other, 0))]


def warning_lines(warnings: tuple) -> list[str]:
    """``warning [code]: message; hint`` per warning (nothing when there is none)."""
    return [f"warning [{w.code}]: {w}" for w in warnings]


def owed_line(ev: Evaluation, per_customer: bool = True) -> str:
    """The last line: the money owed over the period per currency, then per customer (when the
    customers are few enough to name), and the credits no fee turns into money."""
    owed = ev.credits_owed
    text = "credits owed: " + (" + ".join(str(m) for m in owed) if owed else "none")
    if per_customer and owed:
        names = [f"{c.customer} {c.credit_amount}" for c in ev.customers
                 if c.credit_amount is not None and c.credit_amount.amount > 0]
        text += f" ({', '.join(names)})"
    if ev.credits_without_fee:
        text += (f"; {ev.credits_without_fee} customer-month(s) owe a percentage of a fee "
                 "the roster does not give")
    return text


def _totals(ev: Evaluation) -> list[str]:
    """Compliance per month, metric and priority over all customers (vectorised)."""

    a = ev.agg
    customers = int(np.count_nonzero(np.bincount(a.g_customer))) if len(a) else 0
    out = ["", f"{customers} customers, {len(a)} customer-months: totals over all customers "
           "below (--json or --csv for each one)"]
    nb = len(ev.period.buckets)
    cells, missed = _sum_by(a.g_bucket, (a.cells, ev.missed_cells), nb)
    for b, bucket in enumerate(ev.period.buckets):
        tickets = int(a.g_counts[a.g_bucket == b, 0].sum())
        out.append(f"  {bucket.label}: tickets {tickets}")
        for m, metric in enumerate(a.metrics):
            for p, prio in enumerate(a.priorities):
                c = cells[b, m, p]
                decided = int(c[0] + c[1])
                if not (decided or c[2] or c[3]):
                    continue
                value = f"{Decimal(int(c[0]) * 100) / decided:7.2f}%" if decided else "     n/a"
                out.append(f"    {metric:<12} {prio:<4} {value} ({int(c[0])}/{decided}"
                           f"{f', {int(c[2])} open' if c[2] else ''}"
                           f"{f', {int(c[3])} excluded' if c[3] else ''})  objective missed "
                           f"by {int(missed[b, m, p])} customer(s)")
    due = np.flatnonzero(ev.due).tolist()
    if due:
        out.append("")
        out.append(f"credits due ({len(due)}; first {min(len(due), LISTED)}):")
        for g in due[:LISTED]:
            c = ev.credit[g]
            amount = f" = {c.amount}" if c.amount is not None else ""
            key = a.key(g)
            out.append(f"  {key.customer} {ev.period.buckets[key.bucket].label}: "
                       f"{fmt_percent(c.percent)}%{amount}")
    return out


#: the rows :func:`_sum_by` gathers at a time: a block's copy (2.6 MB of cells at this size)
#: comes from the heap again and again, where the whole gather (38 MB for 119,441
#: customer-months) was mapped afresh and faulted in (31 ms of the summary's 60; now 10)
SUM_ROWS = 1 << 13


def _sum_by(keys: np.ndarray, columns: tuple[np.ndarray, ...], n: int
            ) -> tuple[np.ndarray, ...]:
    """For each of ``columns``: ``out[k] = column[keys == k].sum(axis=0)`` for k in
    ``range(n)``, exactly (int64), each block of :data:`SUM_ROWS` rows sorted by key and
    summed per run of equal keys (``np.add.at`` is unbuffered: a second for 100,000
    customer-months).

    >>> _sum_by(np.array([2, 0, 2]), (np.array([[1, 2], [3, 4], [5, 6]]),), 3)[0].tolist()
    [[3, 4], [0, 0], [6, 8]]
    """
    outs = tuple(np.zeros((n, *c.shape[1:]), dtype=np.int64) for c in columns)
    for lo in range(0, len(keys), SUM_ROWS):
        block = keys[lo:lo + SUM_ROWS]
        order = np.argsort(block, kind="stable")
        ordered = block[order]
        starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
        for out, column in zip(outs, columns, strict=True):
            part = column[lo:lo + SUM_ROWS][order].astype(np.int64, copy=False)
            out[ordered[starts]] += np.add.reduceat(part, starts, axis=0)
    return outs


def _details(ev: Evaluation) -> list[str]:
    out = []
    for c in ev.customers:
        out.append("")
        owes = (f": credit owed {c.credit_amount}"
                if c.credit_amount is not None and c.credit_amount.amount > 0 else "")
        out.append(f"{c.customer} ({c.tier or 'no tier'}){owes}")
        for m in c.months:
            out.append(f"  {m.bucket.label}: {_counts(m.counts)}")
            out.extend(line for o in m.objectives if (line := _objective_line(o)))
            for u in m.uptime:
                if u.target is None and not u.downtime:
                    continue  # a covered service with no promise and no outage: nothing to say
                if not u.measured:
                    out.append(f"    uptime {u.service}: not measured (no downtime data)  "
                               f"target {fmt_percent(u.target)}%")
                    continue
                target = (f"target {fmt_percent(u.target)}%  {'ok' if u.met else 'MISSED'}"
                          if u.target is not None else "no target")
                out.append(f"    uptime {u.service}: {fmt_percent(u.uptime)}% "
                           f"(downtime {u.downtime // 60} min {u.downtime % 60} s)  {target}")
            cr = m.credit
            if cr.due:
                amount = f" = {cr.amount}" if cr.amount is not None else ""
                capped = f" (capped from {fmt_percent(cr.uncapped)}%)" if cr.capped else ""
                out.append(f"    credit {fmt_percent(cr.percent)}%{amount}{capped}")
                for ln in cr.lines:
                    out.append(f"      {fmt_percent(ln.percent)}% {ln.reason}  "
                               f"{clause(ln.span) or ''}".rstrip())
            else:
                out.append("    credit none")
        if len(c.months) > 1:
            amount = f" = {c.credit_amount}" if c.credit_amount is not None else ""
            out.append(f"  {ev.period.label} total: {_counts(c.counts)}; "
                       f"credit {fmt_percent(c.credit_percent)}%{amount}")
            out.extend(line for o in c.objectives if (line := _objective_line(o)))
    return out
