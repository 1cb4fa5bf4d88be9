"""A reviewed policy change as text, JSON, or Markdown for a pull-request comment.

Every form leads with the same summary (promises changed, credits before -> after, objectives
and ticket verdicts that flip); Markdown folds the details into ``<details>`` blocks so a
comment stays short until a reviewer opens it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from slalang.model import Money, Policy
from slalang.plan.text import format_duration, format_percent
from slalang.review.impact import Impact, MonthImpact, ObjectiveChange, TicketFlip

#: ticket flips listed in text and Markdown (JSON lists them all)
MAX_FLIPS = 200


@dataclass(frozen=True)
class Review:
    """What ``slalang diff`` reports: the two versions, their plan diff, the replay if any."""

    old: Policy
    new: Policy
    #: one line per promise added (+), removed (-) or changed (~)
    changes: tuple[str, ...]
    impact: Impact | None = None


def _version(p: Policy) -> str:
    return f"{p.source_path} (version {p.header.version}, sha256 {p.source_hash[:12]})"


def _money(m: Money | None) -> str:
    return f"{m.amount:.2f} {m.currency}" if m is not None else "no fee"


def _credit(percent: Decimal, amount: Money | None) -> str:
    return f"{format_percent(percent)} ({_money(amount)})" if amount is not None \
        else format_percent(percent)


def _compliance(value: Decimal | None) -> str:
    return "n/a" if value is None else format_percent(value.quantize(Decimal("0.1")))


def _achieved(value: bool | None) -> str:
    return {True: "met", False: "missed", None: "n/a"}[value]


def _delta(before: Decimal, after: Decimal) -> str:
    d = after - before
    return f"{'+' if d >= 0 else '-'}{abs(d):.2f}"


def credit_totals(impact: Impact) -> list[str]:
    """``975.00 EUR -> 1775.00 EUR (+800.00)`` per currency."""
    out = []
    for cur, (a, b) in impact.totals().items():
        if cur == "%":
            out.append(f"{format_percent(a)} -> {format_percent(b)} of fees (no fee known)")
        else:
            out.append(f"{a:.2f} {cur} -> {b:.2f} {cur} ({_delta(a, b)} {cur})")
    return out or ["none before or after"]


def summary(review: Review) -> list[str]:
    """The short summary every form starts with."""
    n = len(review.changes)
    out = [f"{n} promise{'s' if n != 1 else ''} changed" if n else "no promise changed"]
    imp = review.impact
    if imp is not None:
        out.append(f"replayed on {imp.tickets} tickets, {imp.period}")
        out.append("credits " + "; ".join(credit_totals(imp)))
        flips = len(imp.objective_flips)
        out.append(f"{flips} objective{'s' if flips != 1 else ''} flip, "
                   f"{len(imp.flips)} ticket verdict{'s' if len(imp.flips) != 1 else ''} flip")
    return out


def _objective_line(o: ObjectiveChange) -> str:
    objective = (format_percent(o.objective_after) if o.objective_before == o.objective_after
                 and o.objective_after is not None else
                 f"{_percent_or_none(o.objective_before)} -> {_percent_or_none(o.objective_after)}")
    flip = " (flips)" if o.flipped else ""
    return (f"{o.metric} {o.priority}: {_compliance(o.compliance_before)} -> "
            f"{_compliance(o.compliance_after)} against {objective}: "
            f"{_achieved(o.achieved_before)} -> {_achieved(o.achieved_after)}{flip}")


def _percent_or_none(v: Decimal | None) -> str:
    return format_percent(v) if v is not None else "none"


def _duration(v: int | None) -> str:
    return format_duration(v) if v is not None else "none"


def _flip_line(f: TicketFlip) -> str:
    target = _duration(f.target_after) if f.target_before == f.target_after else \
        f"{_duration(f.target_before)} -> {_duration(f.target_after)}"
    elapsed = _duration(f.elapsed_after) if f.elapsed_before == f.elapsed_after else \
        f"{_duration(f.elapsed_before)} -> {_duration(f.elapsed_after)}"
    return (f"{f.ticket} {f.customer} {f.metric}: {f.before} -> {f.after} "
            f"(why: {', '.join(f.reasons)}; elapsed {elapsed}, target {target})")


def _month_head(m: MonthImpact) -> str:
    tier = m.tier_after if m.tier_before == m.tier_after else f"{m.tier_before} -> {m.tier_after}"
    return (f"{m.customer} {m.month} ({tier or 'no tier'}): credit "
            f"{_credit(m.credit_before, m.amount_before)} -> "
            f"{_credit(m.credit_after, m.amount_after)}")


def review_to_text(review: Review) -> str:
    """The plain-text report of ``slalang diff``."""
    out = [f"old: {_version(review.old)}", f"new: {_version(review.new)}", ""]
    out += [f"{line}" for line in summary(review)]
    out += ["", "Promises changed:" if review.changes else "Promises changed: none"]
    out += [f"  {c}" for c in review.changes]
    imp = review.impact
    if imp is not None:
        changed = [m for m in imp.months if m.changed]
        out += ["", "Customer-months that change:" if changed
                else "Customer-months that change: none"]
        for m in changed:
            out.append(f"  {_month_head(m)}")
            out += [f"    {_objective_line(o)}" for o in m.objectives]
        out += ["", "Ticket verdicts that flip:" if imp.flips
                else "Ticket verdicts that flip: none"]
        out += [f"  {_flip_line(f)}" for f in imp.flips[:MAX_FLIPS]]
        if len(imp.flips) > MAX_FLIPS:
            out.append(f"  ... and {len(imp.flips) - MAX_FLIPS} more (--format json lists all)")
    return "\n".join(out) + "\n"


def _dec(v: Decimal | None) -> str | None:
    return None if v is None else format(v.normalize() if v == v.to_integral() else v, "f")


def _money_json(m: Money | None) -> dict | None:
    return None if m is None else {"amount": f"{m.amount:.2f}", "currency": m.currency}


def review_to_json(review: Review) -> dict:
    """The JSON document of ``slalang diff --format json`` (numbers as exact strings)."""

    def version(p: Policy) -> dict:
        return {"source": p.source_path, "version": p.header.version,
                "effective": p.header.effective.isoformat(), "policy_hash": p.source_hash}

    doc: dict = {"old": version(review.old), "new": version(review.new),
                 "changes": list(review.changes), "impact": None}
    imp = review.impact
    if imp is None:
        return doc
    doc["impact"] = {
        "period": imp.period,
        "tickets": imp.tickets,
        "credit_increase": imp.credit_increase,
        "totals": {cur: {"before": f"{a:.2f}", "after": f"{b:.2f}"}
                   for cur, (a, b) in imp.totals().items()},
        "objective_flips": len(imp.objective_flips),
        "ticket_flips": len(imp.flips),
        "months": [{
            "customer": m.customer, "month": m.month,
            "tier_before": m.tier_before, "tier_after": m.tier_after,
            "credit_percent_before": _dec(m.credit_before),
            "credit_percent_after": _dec(m.credit_after),
            "credit_amount_before": _money_json(m.amount_before),
            "credit_amount_after": _money_json(m.amount_after),
            "objectives": [{
                "metric": o.metric, "priority": o.priority,
                "objective_before": _dec(o.objective_before),
                "objective_after": _dec(o.objective_after),
                "compliance_before": _dec(o.compliance_before),
                "compliance_after": _dec(o.compliance_after),
                "achieved_before": o.achieved_before, "achieved_after": o.achieved_after,
                "flipped": o.flipped} for o in m.objectives],
        } for m in imp.months if m.changed],
        "flips": [{
            "ticket": f.ticket, "customer": f.customer, "metric": f.metric,
            "before": f.before, "after": f.after, "reasons": list(f.reasons),
            "elapsed_before": f.elapsed_before, "elapsed_after": f.elapsed_after,
            "target_before": f.target_before, "target_after": f.target_after,
        } for f in imp.flips],
    }
    return doc


def _md(text: str) -> str:
    """Table-cell text: pipes escaped so a customer name cannot break the table."""
    return text.replace("|", "\\|").replace("\n", " ")


def review_to_markdown(review: Review) -> str:
    """Markdown for a pull-request comment: the summary, then the details folded."""
    out = [f"### slalang diff: `{review.old.source_path}` → `{review.new.source_path}`", ""]
    out += [f"**{' · '.join(summary(review))}**", ""]
    imp = review.impact
    if imp is not None:
        changed = [m for m in imp.months if m.changed]
        if changed:
            out += ["| customer | month | credit before | credit after | objectives that flip |",
                    "|---|---|---:|---:|---|"]
            for m in changed:
                flips = ", ".join(f"{o.metric} {o.priority} {_achieved(o.achieved_before)} → "
                                  f"{_achieved(o.achieved_after)}"
                                  for o in m.objectives if o.flipped)
                out.append(f"| {_md(m.customer)} | {m.month} | "
                           f"{_md(_credit(m.credit_before, m.amount_before))} | "
                           f"{_md(_credit(m.credit_after, m.amount_after))} | {_md(flips)} |")
            out.append("")
    out += [f"<details><summary>Promises changed ({len(review.changes)})</summary>", ""]
    out += ["```diff", *review.changes, "```"] if review.changes else ["No promise changed."]
    out += ["", "</details>", ""]
    if imp is not None:
        objectives = [(m, o) for m in imp.months for o in m.objectives]
        out += [f"<details><summary>Compliance per customer-month ({len(objectives)} "
                "objectives change)</summary>", ""]
        if objectives:
            out += ["| customer | month | objective | compliance before | compliance after "
                    "| objective | outcome |", "|---|---|---|---:|---:|---:|---|"]
            for m, o in objectives:
                out.append(f"| {_md(m.customer)} | {m.month} | {o.metric} {o.priority} | "
                           f"{_compliance(o.compliance_before)} | "
                           f"{_compliance(o.compliance_after)} | "
                           f"{_percent_or_none(o.objective_after)} | "
                           f"{_achieved(o.achieved_before)} → {_achieved(o.achieved_after)} |")
        else:
            out.append("No compliance changes.")
        out += ["", "</details>", "",
                f"<details><summary>Ticket verdicts that flip ({len(imp.flips)})</summary>", ""]
        if imp.flips:
            out += ["| ticket | customer | metric | before | after | why | elapsed | target |",
                    "|---|---|---|---|---|---|---:|---:|"]
            for f in imp.flips[:MAX_FLIPS]:
                target = _duration(f.target_after) if f.target_before == f.target_after else \
                    f"{_duration(f.target_before)} → {_duration(f.target_after)}"
                out.append(f"| {_md(f.ticket)} | {_md(f.customer)} | {f.metric} | {f.before} | "
                           f"{f.after} | {', '.join(f.reasons)} | "
                           f"{_duration(f.elapsed_after)} | {target} |")
            if len(imp.flips) > MAX_FLIPS:
                out.append(f"\n… and {len(imp.flips) - MAX_FLIPS} more.")
        else:
            out.append("No ticket verdict flips.")
        out += ["", "</details>", ""]
    return "\n".join(out)
