"""The contract appendix: the policy as the text a customer signs.

:func:`contract_context` builds the view model (plain dicts, lists and finished strings) that
the templates read; :func:`render_contract` renders it through ``contract/contract.<fmt>.j2``.
Every number in the text is taken from the policy (or the compiled plan, or the roster) here:
templates and catalogues hold words only. docs/render/templates.md documents every variable.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any

from slalang.diagnostics import did_you_mean
from slalang.model import CalendarDef, Customer, Money, Policy, Roster, Tier
from slalang.render import wording as say
from slalang.render.environment import make_environment, render_template
from slalang.render.errors import RenderError
from slalang.render.i18n import Wording

#: output format -> template name (a user's template folder may override either)
TEMPLATES = {"md": "contract/contract.md.j2", "html": "contract/contract.html.j2"}
#: how the content hash is named in the footer (``Policy.source_hash`` is a sha256)
HASH_ALGORITHM = "SHA-256"

_CENT = Decimal("0.01")


@dataclass(frozen=True)
class _Row:
    """One target as the table needs it, from the plan or from the flattened tier."""

    metric: str
    priority: str
    seconds: int
    calendar: str
    objective: Decimal


def render_contract(policy: Policy, *, tier: str | None = None, customer: str | None = None,
                    roster: Roster | None = None, lang: str = "en", fmt: str = "md",
                    templates_dir: str | os.PathLike | None = None, plan: Any = None) -> str:
    """The contract appendix of ``policy`` as Markdown (``fmt="md"``) or HTML (``"html"``).

    ``tier`` limits it to one tier, ``customer`` (which needs ``roster``) to a customer's tier,
    fee and services; neither renders every tier. ``plan`` (a compiled
    :class:`slalang.plan.Plan`) is the source of the service-level table when given.
    """
    if fmt not in TEMPLATES:
        raise RenderError(f"unknown format {fmt!r}; choose one of {', '.join(TEMPLATES)}")
    env = make_environment(lang, templates_dir)
    context = contract_context(policy, roster, tier=tier, customer=customer, lang=lang,
                               plan=plan)
    context["format"] = fmt
    text = render_template(env, TEMPLATES[fmt], context)
    return text if text.endswith("\n") else text + "\n"


def contract_context(policy: Policy, roster: Roster | None = None, *, tier: str | None = None,
                     customer: str | None = None, lang: str = "en", plan: Any = None
                     ) -> dict[str, Any]:
    """The view model of the contract appendix: every variable the templates read."""
    w = Wording(lang)
    who = _customer(policy, roster, customer) if customer else None
    if who is not None:
        tier = who.tier
    tiers = [_tier(policy, tier)] if tier else list(policy.tiers)
    rows = {t.name: _rows(policy, t, plan) for t in tiers}
    used = [policy.calendar(n) for n in dict.fromkeys(r.calendar for rs in rows.values()
                                                     for r in rs)]
    business = [c for c in used if not c.always]
    # with one business calendar a cell just says "business hours"; with several, every cell
    # names its calendar, so no reader takes one calendar's hours for another's
    main = business[0].name if len(business) == 1 else None
    clocks = [c for c in policy.clocks if any(r.metric == c.name for rs in rows.values()
                                              for r in rs)]
    any_uptime = any(t.uptime for t in tiers)

    if who is not None:
        scope = "customer"
        heading = w.t("contract.scope_customer", customer=who.name, tier=who.tier)
    elif tier:
        scope, heading = "tier", w.t("contract.scope_tier", tier=tier)
    else:
        scope = "all"
        heading = w.t("contract.scope_all", tiers=w.join(t.name for t in tiers))

    h = policy.header
    return {
        "lang": lang,
        "format": "md",
        "scope": scope,
        "heading": heading,
        "policy": {
            "name": h.name,
            "version": h.version,
            "effective": w.date(h.effective),
            "provider": h.provider,
            "currency": h.currency,
            "timezone": h.timezone,
            "hash": policy.source_hash,
            "hash_algorithm": HASH_ALGORITHM,
        },
        "customer": _customer_view(w, who, policy) if who else None,
        "definitions": _definitions(w, policy, clocks, bool(business),
                                    any(c.always for c in used), any_uptime),
        "calendars": {
            "business": [{"name": c.name, "text": say.calendar_words(w, c)} for c in business],
            "main": main,
            "always_note": _always_note(w, used),
        },
        "priority_matrix": _priority_matrix(w, policy),
        "tiers": [_tier_view(w, policy, t, rows[t.name], main, who) for t in tiers],
        "exclusions": _exclusions(w, policy, clocks),
        "footer": _footer(w, policy),
    }


# -- lookups -----------------------------------------------------------------------------

def _tier(policy: Policy, name: str) -> Tier:
    try:
        return policy.tier(name)
    except KeyError:
        hint = did_you_mean(name, [t.name for t in policy.tiers])
        raise RenderError(f"the policy has no tier {name!r}" + (f"; {hint}" if hint else "")
                          ) from None


def _customer(policy: Policy, roster: Roster | None, key: str) -> Customer:
    if roster is None:
        raise RenderError("--customer needs the customer roster (the policy names none)")
    found = roster.get(key)
    if found is None:
        hint = did_you_mean(key, [c.name for c in roster.customers])
        raise RenderError(f"no customer {key!r} in the roster"
                          + (f"; {hint}" if hint else ""))
    _tier(policy, found.tier)
    return found


def _rows(policy: Policy, tier: Tier, plan: Any) -> list[_Row]:
    """The tier's targets: from the compiled plan when given, else the flattened tier."""
    if plan is not None:
        return [_Row(r.metric, r.priority, int(r.target_seconds),
                     getattr(r.calendar, "name", r.calendar), Decimal(r.objective))
                for r in plan.rows if r.tier == tier.name and r.metric in policy.metrics]
    return [_Row(t.metric, t.priority, t.seconds, t.calendar, t.objective)
            for t in tier.targets]


# -- sections ----------------------------------------------------------------------------

def _definitions(w: Wording, policy: Policy, clocks: list, business: bool, always: bool,
                 uptime: bool) -> list[dict[str, Any]]:
    tz = say.timezone_words(w, policy.header.timezone)
    out = [{"term": say.metric_words(w, c.name),
             "text": " ".join(say.clock_sentences(w, c, subject=False)),
            "note": c.description} for c in clocks]
    if business:
        text = w.t("contract.definition.business_hours_text")
        if always:
            text += " " + w.t("contract.definition.business_hours_always")
        out.append({"term": w.t("contract.definition.business_hours"), "text": text,
                    "note": None})
    out.append({"term": w.t("contract.definition.target"),
                "text": w.t("contract.definition.target_text"), "note": None})
    out.append({"term": w.t("contract.definition.objective"),
                "text": w.t("contract.definition.objective_text", tz=tz), "note": None})
    if uptime:
        out.append({"term": w.t("contract.definition.uptime"),
                    "text": w.t("contract.definition.uptime_text", tz=tz), "note": None})
    return out


def _priority_matrix(w: Wording, policy: Policy) -> dict[str, Any] | None:
    """How a ticket's priority follows from its fields (impact x urgency), as a table."""
    derivation = policy.priority_derivation
    if derivation is None:
        return None
    labels = [w.label("field", f, "{code}") for f in derivation.fields]
    codes = {p.code: p for p in policy.priorities}
    return {
        "intro": w.t("contract.priority_rule", fields=w.join(labels)),
        "columns": [label.capitalize() for label in labels] + [w.t("contract.table.priority")],
        "rows": [[*rule.values, say.priority_words(w, codes[rule.priority])
                  if rule.priority in codes else rule.priority] for rule in derivation.rules],
    }


def _always_note(w: Wording, used: list[CalendarDef]) -> str | None:
    always = next((c for c in used if c.always), None)
    if always is None:
        return None
    return w.t("contract.calendar_always_note", short=say.always_words(w, always, short=True),
               calendar=say.always_words(w, always))


def _customer_view(w: Wording, who: Customer, policy: Policy) -> dict[str, Any]:
    list_fee = policy.tier(who.tier).fee
    fee = who.fee or list_fee
    return {
        "name": who.name,
        "id": who.id,
        "tier": who.tier,
        "fee": w.money(fee) if fee else None,
        "list_fee": w.money(list_fee) if list_fee else None,
        "negotiated": bool(who.fee and list_fee and who.fee != list_fee),
        "services": list(who.services),
    }


def _fee_line(w: Wording, tier: Tier, who: Customer | None) -> tuple[Money | None, str | None]:
    if who is None:
        return tier.fee, (w.t("contract.tier_fee", fee=w.money(tier.fee)) if tier.fee else None)
    fee = who.fee or tier.fee
    if fee is None:
        return None, None
    if who.fee and tier.fee and who.fee != tier.fee:
        return fee, w.t("contract.customer_fee_negotiated", fee=w.money(fee),
                        list_fee=w.money(tier.fee))
    return fee, w.t("contract.customer_fee", fee=w.money(fee))


def _tier_view(w: Wording, policy: Policy, tier: Tier, rows: list[_Row], main: str | None,
               who: Customer | None) -> dict[str, Any]:
    fee, fee_line = _fee_line(w, tier, who)
    metrics = [m for m in policy.metrics if any(r.metric == m for r in rows)]
    by_key = {(r.metric, r.priority): r for r in rows}
    uniform = {m: len({r.objective for r in rows if r.metric == m}) == 1 for m in metrics}
    table = []
    for p in sorted(policy.priorities, key=lambda p: p.rank):
        if not any((m, p.code) in by_key for m in metrics):
            continue
        cells = []
        for m in metrics:
            row = by_key.get((m, p.code))
            if row is None:
                cells.append(w.t("contract.table.none"))
                continue
            cell = _cell(w, policy.calendar(row.calendar), row.seconds, main)
            if not uniform[m]:
                cell = w.t("contract.cell_objective", cell=cell, objective=w.t(
                    "contract.objective", percent=w.percent(row.objective)))
            cells.append(cell)
        table.append({"code": p.code, "priority": say.priority_words(w, p), "cells": cells})
    objectives = [w.t("contract.objective", percent=w.percent(
        next(r.objective for r in rows if r.metric == m))) if uniform[m]
        else w.t("contract.table.none") for m in metrics]
    return {
        "name": tier.name,
        "heading": w.t("contract.tier_heading", tier=tier.name),
        "fee": w.money(fee) if fee else None,
        "fee_line": fee_line,
        "services_line": (w.t("contract.services", services=w.join(who.services))
                          if who and who.services else None),
        "columns": [say.metric_words(w, m) for m in metrics],
        "rows": table,
        "objectives": objectives,
        "uptime": [_uptime(w, u, who.services if who else ()) for u in tier.uptime],
        "credits": _credits(w, policy, tier, fee),
    }


def _cell(w: Wording, cal: CalendarDef, seconds: int, main: str | None) -> str:
    duration = w.duration(seconds, business=not cal.always)
    if cal.always:
        return w.t("contract.cell_always", duration=duration,
                   always=say.always_words(w, cal, short=True))
    if cal.name == main:
        return w.t("contract.cell", duration=duration)
    return w.t("contract.cell_calendar", duration=duration, calendar=w.quote(cal.name))


def _uptime(w: Wording, target, services: tuple[str, ...]) -> str:
    forms = w.forms("percent", w.percent(target.percent))
    if target.service is None and services:  # a customer's contract names its services
        return w.t("contract.uptime_listed", services=w.join(services), **forms)
    if target.service is None:
        return w.t("contract.uptime_all", **forms)
    return w.t("contract.uptime_service", service=w.quote(target.service), **forms)


def _money(fee: Money | None, percent: Decimal) -> Money | None:
    if fee is None:
        return None
    amount = (fee.amount * percent / 100).quantize(_CENT, rounding=ROUND_HALF_UP)
    return Money(amount, fee.currency)


def _credit_text(w: Wording, fee: Money | None, percent: Decimal) -> str:
    money = _money(fee, percent)
    if money is None:
        return w.t("contract.credit.credit_percent", percent=w.percent(percent))
    return w.t("contract.credit.credit_money", percent=w.percent(percent), money=w.money(money))


def _credits(w: Wording, policy: Policy, tier: Tier, fee: Money | None) -> dict[str, Any]:
    steps = sorted(tier.uptime_credit.steps, key=lambda s: s.below, reverse=True) \
        if tier.uptime_credit else []
    rows = [{"clause": w.t("contract.credit.uptime_below",
                           **w.forms("below", w.percent(s.below))),
             "credit": _credit_text(w, fee, s.percent)} for s in steps]
    codes = {p.code: p for p in policy.priorities}
    for oc in tier.objective_credits:
        rows.append({"clause": w.t("contract.credit.objective_missed",
                                   **_metric_forms(w, oc.metric),
                                   priority=codes[oc.priority].code
                                   if oc.priority in codes else oc.priority),
                     "credit": _credit_text(w, fee, oc.percent)})
    if not rows:
        return {"rows": [], "rules": [], "example": None, "none": w.t("contract.credit.none")}
    rules = []
    if steps:
        rules.append(w.t("contract.credit.rules_steps"))
    if len(tier.objective_credits) + (1 if steps else 0) > 1:
        rules.append(w.t("contract.credit.rules_add"))
    if tier.cap is not None:
        cap_money = _money(fee, tier.cap)
        forms = w.forms("cap", w.percent(tier.cap))
        rules.append(w.t("contract.credit.cap_money", money=w.money(cap_money), **forms)
                     if cap_money else w.t("contract.credit.cap", **forms))
    return {"rows": rows, "rules": rules, "example": _example(w, tier, steps, fee),
            "none": None}


def example_uptime(steps: list) -> Decimal:
    """An uptime that falls in the first step's band, for the worked example.

    Halfway between the first threshold and the next (or, with one step, half the
    threshold's distance from 100 below it), rounded down to one decimal when that stays
    inside the band.

    >>> from slalang.model import CreditStep
    >>> example_uptime([CreditStep(Decimal(5), Decimal("99.5")),
    ...                 CreditStep(Decimal(10), Decimal(99))])
    Decimal('99.2')
    >>> example_uptime([CreditStep(Decimal(5), Decimal(99))])
    Decimal('98.7')
    """
    top = steps[0].below
    lower = steps[1].below if len(steps) > 1 else top - (100 - top) / 2
    middle = (lower + top) / 2
    rounded = middle.quantize(Decimal("0.1"), rounding=ROUND_DOWN)
    return rounded if lower < rounded < top else middle


def _example(w: Wording, tier: Tier, steps: list, fee: Money | None) -> dict[str, Any]:
    """A worked example in numbers: an uptime in the first step, every objective missed."""
    suffix = "" if fee else "_pct"
    lines, total = [], Decimal(0)
    if steps:
        uptime = example_uptime(steps)
        applied = max((s for s in steps if uptime < s.below), key=lambda s: s.percent)
        total += applied.percent
        lines.append(w.t("contract.credit.example_uptime" + suffix,
                         **w.forms("uptime", w.percent(uptime)),
                         **w.forms("below", w.percent(applied.below)),
                         **w.forms("credit", w.percent(applied.percent)),
                         money=_fmt_money(w, _money(fee, applied.percent))))
    for oc in tier.objective_credits:
        total += oc.percent
        first = "_first" if not lines else ""
        lines.append(w.t("contract.credit.example_objective" + first + suffix,
                         **_metric_forms(w, oc.metric),
                         priority=oc.priority, **w.forms("credit", w.percent(oc.percent)),
                         money=_fmt_money(w, _money(fee, oc.percent))))
    total_forms = w.forms("total", w.percent(total))
    if tier.cap is None:
        lines.append(w.t("contract.credit.example_total_nocap" + suffix, **total_forms,
                         money=_fmt_money(w, _money(fee, total))))
    elif total > tier.cap:
        lines.append(w.t("contract.credit.example_capped" + suffix, **total_forms,
                         **w.forms("cap", w.percent(tier.cap)),
                         money=_fmt_money(w, _money(fee, tier.cap))))
    else:
        lines.append(w.t("contract.credit.example_total" + suffix, **total_forms,
                         **w.forms("cap", w.percent(tier.cap)),
                         money=_fmt_money(w, _money(fee, total))))
    return {"intro": w.t("contract.credit.example_fee", fee=w.money(fee)) if fee else None,
            "lines": lines, "total_percent": w.percent(min(total, tier.cap or total))}


def _metric_forms(w: Wording, metric: str) -> dict[str, str]:
    """Every form of a metric's name, so each language's message picks the one it needs."""
    return {f"metric_{form}": say.metric_words(w, metric, form)
            for form in ("title", "subject", "noun", "of", "clock")}


def _fmt_money(w: Wording, money: Money | None) -> str:
    return w.money(money) if money else ""


def _exclusions(w: Wording, policy: Policy, clocks: list) -> dict[str, Any]:
    # clocks that wait on the same statuses share one sentence
    waiting: dict[tuple[str, ...], list[str]] = {}
    for clock in clocks:
        statuses = say.delay_statuses(clock)
        if statuses:
            waiting.setdefault(statuses, []).append(say.metric_words(w, clock.name, "clock"))
    delays = [w.t("contract.delay", len(names), clocks=w.join(names),
                  statuses=w.join((say.status_words(w, s) for s in statuses), "or"))
              for statuses, names in waiting.items()]
    items = [{"text": say.exclusion_words(w, policy, e), "subject": e.subject,
              "reason": e.reason} for e in policy.exclusions]
    return {"delays": delays, "items": items,
            "none": None if delays or items else w.t("contract.no_exclusions")}


def _footer(w: Wording, policy: Policy) -> str:
    h = policy.header
    return w.t("contract.footer", name=w.quote(h.name), version=h.version,
               **w.forms("effective", w.date(h.effective)), algorithm=HASH_ALGORITHM,
               hash=policy.source_hash or "—")
