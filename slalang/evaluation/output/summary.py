"""The terminal summary of an evaluation: per customer and month, compliance per metric and
priority against the objective, uptime per service, the credit with its clauses; then the
period totals. Objectives without any ticket in the month are left out of the month's lines
(they are not applicable); the JSON output lists them all.
"""

from __future__ import annotations

from slalang.evaluation.compliance import ObjectiveResult, TicketCounts
from slalang.evaluation.credits import fmt_percent
from slalang.evaluation.evaluate import Evaluation
from slalang.evaluation.output.common import clause, iso_local


def _objective_line(o: ObjectiveResult) -> str | None:
    if not (o.decided or o.open or o.excluded):
        return None
    objective = f"objective {fmt_percent(o.objective)}%" if o.objective is not None else "no target"
    if o.compliance is None:
        value, verdict = "     n/a", "not applicable"
    else:
        value = f"{o.compliance:7.2f}%"
        verdict = {True: "ok", False: "MISSED", None: ""}[o.achieved]
    extra = f", {o.open} open" if o.open else ""
    extra += f", {o.excluded} excluded" if o.excluded else ""
    where = clause(o.span) or ""
    return (f"    {o.metric:<12} {o.priority:<4} {value} ({o.met}/{o.decided}{extra})  "
            f"{objective}  {verdict}  {where}").rstrip()


def _counts(c: TicketCounts) -> str:
    return (f"tickets {c.tickets}, excluded {c.excluded}, open {c.open}, "
            f"invalid {c.invalid}")


def evaluation_to_text(ev: Evaluation) -> str:
    tz = ev.policy.header.timezone
    h = ev.policy.header
    total = TicketCounts()
    for m in ev.months:
        total = total + m.counts
    out = [
        f"{h.name} {h.version}: {ev.policy.source_path}",
        f"period {ev.period.label} ({tz}), as of {iso_local(ev.as_of, tz)}",
        f"policy sha256 {ev.policy_hash[:12]}, data sha256 {ev.data_hash[:12]}, "
        f"slalang {ev.version}",
        f"{_counts(total)}, rejected {len(ev.rejected)}",
    ]
    for c in ev.customers:
        out.append("")
        out.append(f"{c.customer} ({c.tier or 'no tier'})")
        for m in c.months:
            out.append(f"  {m.bucket.label}: {_counts(m.counts)}")
            out.extend(line for o in m.objectives if (line := _objective_line(o)))
            for u in m.uptime:
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
    out.append("")
    out.append(f"objectives missed: {ev.objectives_missed}, credits due: {ev.credits_due}")
    return "\n".join(out) + "\n"
