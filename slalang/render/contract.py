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
from slalang.model import CalendarDef, Channel, Customer, Money, Policy, Roster, Text, Tier
from slalang.render import wording as say
from slalang.render.clauses import Outline, credit_rows, outline
from slalang.render.environment import make_environment, render_template
from slalang.render.errors import RenderError
from slalang.render.i18n import Wording

#: output format -> template name (a user's template folder may override either)
TEMPLATES = {"md": "contract/contract.md.j2", "html": "contract/contract.html.j2"}
#: how the content hash is named in the footer (``Policy.source_hash`` is a sha256)
HASH_ALGORITHM = "SHA-256"

#: the articles of the Italian Civil Code the appendix cites: specific approval of onerous
#: clauses in standard terms (1341-1342), and no exclusion of liability for wilful misconduct
#: or gross negligence (1229)
SPECIFIC_APPROVAL = ("1341", "1342")
GROSS_NEGLIGENCE = "1229"

_CENT = Decimal("0.01")


@dataclass(frozen=True)
class _Row:
    """One target as the table needs it, from the plan or from the flattened tier."""

    metric: str
    priority: str
    seconds: int
    calendar: str
    objective: Decimal
    #: the objective's minimum-sample rule, when it has one
    min_tickets: int | None = None
    allowed_misses: int | None = None


def render_contract(policy: Policy, *, tier: str | None = None, customer: str | None = None,
                    roster: Roster | None = None, lang: str = "en", fmt: str = "md",
                    templates_dir: str | os.PathLike | None = None, plan: Any = None,
                    list_fee: bool = False) -> str:
    """The contract appendix of ``policy`` as Markdown (``fmt="md"``) or HTML (``"html"``).

    ``tier`` limits it to one tier, ``customer`` (which needs ``roster``) to a customer's tier,
    fee and services; neither renders every tier. ``plan`` (a compiled
    :class:`slalang.plan.Plan`) is the source of the service-level table when given.
    ``list_fee`` shows a customer's negotiated fee beside the tier's list price (an internal
    copy); a customer's appendix shows only the fee they pay.
    """
    if fmt not in TEMPLATES:
        raise RenderError(f"unknown format {fmt!r}; choose one of {', '.join(TEMPLATES)}")
    env = make_environment(lang, templates_dir)
    context = contract_context(policy, roster, tier=tier, customer=customer, lang=lang,
                               plan=plan, list_fee=list_fee)
    context["format"] = fmt
    text = render_template(env, TEMPLATES[fmt], context)
    return text if text.endswith("\n") else text + "\n"


def policy_labels(policy: Policy, lang: str) -> dict[str, str]:
    """The policy's labels of its codes in ``lang`` (English where it gives no ``lang`` text)."""
    out = {}
    for label in policy.labels:
        text = label.text.get(lang) or label.text.get("en")
        if text:
            out[label.code] = text
    return out


def contract_context(policy: Policy, roster: Roster | None = None, *, tier: str | None = None,
                     customer: str | None = None, lang: str = "en", plan: Any = None,
                     list_fee: bool = False) -> dict[str, Any]:
    """The view model of the contract appendix: every variable the templates read.

    The appendix is a list of numbered articles (:mod:`slalang.render.clauses` numbers
    them, and the reports cite the same numbers), each a list of numbered clauses.
    """
    w = Wording(lang, labels=policy_labels(policy, lang))
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

    if who is not None:
        scope = "customer"
        heading = w.t("contract.scope_customer", customer=who.name, tier=who.tier)
    elif tier:
        scope, heading = "tier", w.t("contract.scope_tier", tier=tier)
    else:
        scope = "all"
        heading = w.t("contract.scope_all", tiers=w.join(t.name for t in tiers))

    delays = _delays(w, clocks)
    layout = outline(policy, tiers, [("delay", i) for i in range(len(delays))]
                     + [("exclusion", i) for i in range(len(policy.exclusions))])
    doc = _Doc(w, policy, layout, tiers, rows, main, used, business, clocks, who, list_fee,
               delays)
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
        "customer": _customer_view(w, who, policy, list_fee) if who else None,
        "articles": doc.articles(),
        "signatures": _signatures(w, policy, layout, tiers, who),
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
                     getattr(r.calendar, "name", r.calendar), Decimal(r.objective),
                     getattr(r, "min_tickets", None), getattr(r, "allowed_misses", None))
                for r in plan.rows if r.tier == tier.name and r.metric in policy.metrics]
    return [_Row(t.metric, t.priority, t.seconds, t.calendar, t.objective, t.min_tickets,
                 t.allowed_misses) for t in tier.targets]


def _objective_words(w: Wording, row: _Row) -> str:
    """``at least 95% of tickets``, with the minimum-sample rule when the objective has one."""
    text = w.t("contract.objective", **w.forms("percent", w.percent(row.objective)))
    if row.min_tickets is None:
        return text
    if row.allowed_misses is None:
        return w.t("contract.sample_not_judged", objective=text, least=row.min_tickets)
    return w.t("contract.sample_allowed", row.allowed_misses, objective=text,
               least=row.min_tickets)


def _text(w: Wording, text: Text | None) -> str | None:
    """A policy text in the document's language, English when the policy gives no other."""
    if text is None:
        return None
    return text.get(w.lang) or text.get("en")


def clause(number: str | None = None, text: str | None = None, *, term: str | None = None,
           items: list[str] | None = None, table: dict | None = None,
           heading: str | None = None, example: dict | None = None) -> dict[str, Any]:
    """One clause of an article, as the templates read it (every key always present)."""
    return {"number": number, "term": term, "text": text, "items": items or [],
            "table": table, "heading": heading, "example": example}


class _Doc:
    """Builds the articles; one method per article, named as in :data:`clauses.ARTICLES`."""

    def __init__(self, w: Wording, policy: Policy, layout: Outline, tiers: list[Tier],
                 rows: dict[str, list[_Row]], main: str | None, used: list[CalendarDef],
                 business: list[CalendarDef], clocks: list, who: Customer | None,
                 list_fee: bool, delays: list[str]) -> None:
        self.w, self.policy, self.layout, self.tiers, self.rows = w, policy, layout, tiers, rows
        self.main, self.used, self.business, self.clocks = main, used, business, clocks
        self.who, self.list_fee, self.delays = who, list_fee, delays

    def articles(self) -> list[dict[str, Any]]:
        out = []
        for name in self.layout.articles:
            number = self.layout.article(name)
            self._n = 0
            clauses = getattr(self, name)(number)
            out.append({"name": name, "number": number,
                        "title": self.w.t(f"contract.articles.{name}"), "clauses": clauses})
        return out

    def _next(self, number: str) -> str:
        self._n += 1
        return f"{number}.{self._n}"

    # -- 1 definitions -----------------------------------------------------------------
    def definitions(self, number: str) -> list[dict]:
        w, policy = self.w, self.policy
        tz = say.timezone_words(w, policy.header.timezone)
        out = []
        if self.business:
            text = w.t("contract.definition.business_hours_text",
                       article=self.layout.article("business_hours"))
            always = next((c for c in self.used if c.always), None)
            if always is not None:
                text += " " + w.t("contract.definition.business_hours_always",
                                  short=say.always_words(w, always, short=True))
            out.append(clause(self._next(number), text,
                              term=w.t("contract.definition.business_hours")))
        for c in self.clocks:
            out.append(clause(self._next(number),
                              " ".join(say.clock_sentences(w, c, subject=False)),
                              term=say.metric_words(w, c.name)))
        out.append(clause(self._next(number), w.t(
            "contract.definition.maximum_time_text",
            article=self.layout.article("service_levels")),
            term=w.t("contract.definition.maximum_time")))
        out.append(clause(self._next(number), w.t("contract.definition.objective_text", tz=tz),
                          term=w.t("contract.definition.objective")))
        if any(t.uptime for t in self.tiers):
            out.append(clause(self._next(number), w.t("contract.definition.uptime_text", tz=tz),
                              term=w.t("contract.definition.uptime")))
        return out

    # -- 2 scope -----------------------------------------------------------------------
    def scope(self, number: str) -> list[dict]:
        w, terms = self.w, self.policy.terms
        out = []
        if not (terms.covers or terms.not_covered or (self.who and self.who.services)):
            return [clause(self._next(number), w.t("contract.scope.default"))]
        if terms.covers:
            out.append(clause(self._next(number), w.t("contract.scope.covers"),
                              items=[_text(w, t) for t in terms.covers]))
        if self.who is not None and self.who.services:
            out.append(clause(self._next(number), w.t(
                "contract.scope.services", services=w.join(w.code(s) for s in self.who.services))))
        if terms.not_covered:
            out.append(clause(self._next(number), w.t("contract.scope.not_covered"),
                              items=[_text(w, t) for t in terms.not_covered]))
        return out

    # -- 3 priorities ------------------------------------------------------------------
    def priorities(self, number: str) -> list[dict]:
        w, policy = self.w, self.policy
        out = []
        ranked = sorted(policy.priorities, key=lambda p: p.rank)
        defined = [p for p in ranked if p.meaning]
        table_number = None
        if not defined:
            table_number = self._next(number)
            out.append(clause(table_number, w.t("contract.priorities.intro"),
                              items=[say.priority_words(w, p) for p in ranked]))
        else:
            table_number = self._next(number)
            out.append(clause(table_number, w.t("contract.priorities.intro"), table={
                "columns": [w.t("contract.table.priority"), w.t("contract.priorities.meaning")],
                "rows": [[say.priority_words(w, p), _text(w, p.meaning)] for p in defined],
                "foot": None}))
        matrix = _priority_matrix(w, policy)
        if matrix is not None:
            out.append(clause(self._next(number), matrix["intro"], table={
                "columns": matrix["columns"], "rows": matrix["rows"], "foot": None}))
        who = policy.terms.classified_by
        if who:
            out.append(clause(self._next(number), w.t(
                f"contract.priorities.classified_{who}", clause=table_number or number)))
        return out

    # -- 4 support ---------------------------------------------------------------------
    def support(self, number: str) -> list[dict]:
        w, policy = self.w, self.policy
        codes = {p.code: p for p in policy.priorities}
        if not policy.terms.channels:
            return [clause(self._next(number), w.t("contract.support.default"))]
        items = []
        for ch in policy.terms.channels:
            items.append(self._channel(ch, codes))
        out = [clause(self._next(number), w.t("contract.support.intro"), items=items)]
        # a channel staffed around the clock for some priorities only: how to raise those
        # priorities out of hours
        for ch in policy.terms.channels:
            cal = policy.calendar(ch.calendar) if ch.calendar else None
            if ch.priorities and cal is not None and cal.always and self.business:
                out.append(clause(self._next(number), w.t(
                    "contract.support.out_of_hours",
                    priorities=w.join((p for p in ch.priorities), "or"),
                    channel=w.code(ch.name, "channel"), address=ch.address,
                    always=say.always_words(w, cal))))
        return out

    def _channel(self, ch: Channel, codes: dict) -> str:
        w = self.w
        cal = self.policy.calendar(ch.calendar) if ch.calendar else None
        if cal is None or (not cal.always and cal.name == self.main):
            when = w.t("contract.support.when_calendar")
        elif cal.always:
            when = w.t("contract.support.when_always", always=say.always_words(w, cal))
        else:
            when = w.t("contract.support.when_named", calendar=w.quote(w.code(cal.name)))
        name = w.code(ch.name, "channel")
        name = name[:1].upper() + name[1:]
        if ch.priorities:
            return w.t("contract.support.channel_for", channel=name, address=ch.address,
                       when=when, priorities=w.join(ch.priorities, "or"))
        return w.t("contract.support.channel", channel=name, address=ch.address, when=when)

    # -- 5 business hours --------------------------------------------------------------
    def business_hours(self, number: str) -> list[dict]:
        w = self.w
        out = []
        if not self.business:
            always = next((c for c in self.used if c.always), None)
            return [clause(self._next(number), w.t(
                "contract.business_hours_none",
                always=say.always_words(w, always) if always else ""))]
        if len(self.business) == 1:
            out.append(clause(self._next(number), w.t(
                "contract.business_hours_one",
                calendar=say.calendar_words(w, self.business[0]))))
        else:
            out.append(clause(self._next(number), None, items=[
                w.t("contract.calendar_item", name=w.code(c.name),
                    calendar=say.calendar_words(w, c)) for c in self.business]))
        note = _always_note(w, self.used)
        if note:
            out.append(clause(self._next(number), note))
        return out

    # -- 6 service levels --------------------------------------------------------------
    def service_levels(self, number: str) -> list[dict]:
        w, policy, layout = self.w, self.policy, self.layout
        out = []
        many = len(self.tiers) > 1
        for tier in self.tiers:
            view = _tier_view(w, policy, tier, self.rows[tier.name], self.main, self.who,
                              self.list_fee)
            first = layout.target(tier.name, tier.targets[0].metric, tier.targets[0].priority) \
                if tier.targets else None
            lead = [x for x in (view["fee_line"], view["services_line"]) if x]
            if lead:
                out.append(clause(None, " ".join(lead), heading=view["heading"] if many
                                  else None))
            out.append(clause(first, w.t("contract.service_levels_intro"),
                              heading=view["heading"] if many and not lead else None,
                              table={"columns": [w.t("contract.table.priority"),
                                                 *view["columns"]],
                                     "rows": [[r["priority"], *r["cells"]]
                                              for r in view["rows"]],
                                     "foot": [w.t("contract.table.objective"),
                                              *view["objectives"]]}))
            for u in tier.uptime:
                out.append(clause(layout.uptime(tier.name, u.service),
                                  _uptime(w, u, self.who.services if self.who else ())))
        return out

    # -- 7 exclusions ------------------------------------------------------------------
    def exclusions(self, number: str) -> list[dict]:
        w, policy = self.w, self.policy
        texts = self.delays + [say.exclusion_words(w, policy, e) for e in policy.exclusions]
        if not texts:
            return [clause(self._next(number), w.t("contract.no_exclusions"))]
        return [clause(self._next(number), text) for text in texts]

    # -- 8 credits ---------------------------------------------------------------------
    def credits(self, number: str) -> list[dict]:
        w, policy, layout = self.w, self.policy, self.layout
        out = []
        many = len(self.tiers) > 1
        views = []
        for tier in self.tiers:
            fee = _fee(tier, self.who)
            views.append((tier, fee, _credits(w, policy, tier, fee, layout)))
        paying = [v for v in views if v[2]["rows"]]
        if paying:
            out.append(clause(None, w.t("contract.credit.intro")))
        for tier, _money_fee, view in views:
            heading = w.t("contract.tier_heading", tier=tier.name) if many else None
            if not view["rows"]:
                out.append(clause(None, view["none"], heading=heading))
                continue
            out.append(clause(None, None, heading=heading, table={
                "columns": [w.t("contract.credit.number"), w.t("contract.credit.clause"),
                            w.t("contract.credit.amount")],
                "rows": [[r["number"], r["clause"], r["credit"]] for r in view["rows"]],
                "foot": None}))
        for tier, _money_fee, view in views:
            if view["rows"]:
                heading = w.t("contract.tier_heading", tier=tier.name) if many else None
                out.append(clause(layout.number(("rules", tier.name)),
                                  " ".join(view["rules"]), heading=heading,
                                  example=view["example"]))
        terms = policy.terms
        if paying:
            if terms.claim:
                days = w.t("unit.day", terms.claim_days) if terms.claim_days else ""
                out.append(clause(layout.number(("claim",)),
                                  w.t(f"contract.credit.claim_{terms.claim}", days=days)))
            if terms.paid_by:
                automatic = "_automatic" if terms.claim == "automatic" else ""
                out.append(clause(layout.number(("payment",)),
                                  w.t(f"contract.credit.paid_{terms.paid_by}{automatic}")))
            if terms.sole_remedy is not None:
                key = "sole_remedy" if terms.sole_remedy else "not_sole_remedy"
                out.append(clause(layout.number(("remedy",)),
                                  w.t(f"contract.credit.{key}", article=GROSS_NEGLIGENCE)))
        return out

    # -- 9 reporting -------------------------------------------------------------------
    def reporting(self, number: str) -> list[dict]:
        w, policy = self.w, self.policy
        terms = policy.terms
        tz = say.timezone_words(w, policy.header.timezone)
        out = []
        if terms.measured_by:
            out.append(clause(self._next(number), w.t("contract.reporting.measured_by",
                                                      source=_text(w, terms.measured_by))))
        out.append(clause(self._next(number), w.t("contract.reporting.month", tz=tz)))
        if terms.monthly_report_days:
            out.append(clause(self._next(number), w.t(
                "contract.reporting.monthly_report",
                days=w.t("unit.day", terms.monthly_report_days))))
        if terms.quarterly_review:
            out.append(clause(self._next(number), w.t("contract.reporting.quarterly_review")))
        return out

    # -- 10 review ---------------------------------------------------------------------
    def review(self, number: str) -> list[dict]:
        w = self.w
        out = []
        if self.policy.terms.review_months:
            months = w.t("unit.month", self.policy.terms.review_months)
            out.append(clause(self._next(number), w.t("contract.review.every", months=months)))
        out.append(clause(self._next(number), w.t("contract.review.changes")))
        return out

    # -- 11 final provisions -----------------------------------------------------------
    def final(self, number: str) -> list[dict]:
        w = self.w
        currency = w.currency_name(self.policy.header.currency)
        return [clause(self._next(number), w.t("contract.final.vat", currency=currency))]


# -- pieces ------------------------------------------------------------------------------

def _delays(w: Wording, clocks: list) -> list[str]:
    # clocks that wait on the same statuses share one sentence
    waiting: dict[tuple[str, ...], list[str]] = {}
    for clock in clocks:
        statuses = say.delay_statuses(clock)
        if statuses:
            waiting.setdefault(statuses, []).append(say.metric_words(w, clock.name, "clock"))
    return [w.t("contract.delay", len(names), clocks=w.join(names),
                statuses=w.join((say.status_words(w, s) for s in statuses), "or"))
            for statuses, names in waiting.items()]


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
        "rows": [[*(w.code(v) if v in w.codes else v for v in rule.values),
                  say.priority_words(w, codes[rule.priority])
                  if rule.priority in codes else rule.priority] for rule in derivation.rules],
    }


def _always_note(w: Wording, used: list[CalendarDef]) -> str | None:
    always = next((c for c in used if c.always), None)
    if always is None:
        return None
    return w.t("contract.calendar_always_note", short=say.always_words(w, always, short=True),
               calendar=say.always_words(w, always))


def _customer_view(w: Wording, who: Customer, policy: Policy, list_fee: bool) -> dict[str, Any]:
    tier_fee = policy.tier(who.tier).fee
    fee = who.fee or tier_fee
    negotiated = bool(who.fee and tier_fee and who.fee != tier_fee)
    return {
        "name": who.name,
        "id": who.id,
        "tier": who.tier,
        "fee": w.money(fee) if fee else None,
        # the list price is the provider's business, not the customer's: shown on request
        "list_fee": w.money(tier_fee) if tier_fee and list_fee else None,
        "negotiated": negotiated,
        "services": [w.code(s) for s in who.services],
    }


def _fee(tier: Tier, who: Customer | None) -> Money | None:
    return (who.fee or tier.fee) if who is not None else tier.fee


def _fee_line(w: Wording, tier: Tier, who: Customer | None, list_fee: bool) -> str | None:
    if who is None:
        return w.t("contract.tier_fee", fee=w.money(tier.fee)) if tier.fee else None
    fee = who.fee or tier.fee
    if fee is None:
        return None
    if list_fee and who.fee and tier.fee and who.fee != tier.fee:
        return w.t("contract.customer_fee_negotiated", fee=w.money(fee),
                   list_fee=w.money(tier.fee))
    return w.t("contract.customer_fee", fee=w.money(fee))


def _tier_view(w: Wording, policy: Policy, tier: Tier, rows: list[_Row], main: str | None,
               who: Customer | None, list_fee: bool) -> dict[str, Any]:
    fee_line = _fee_line(w, tier, who, list_fee)
    metrics = [m for m in policy.metrics if any(r.metric == m for r in rows)]
    by_key = {(r.metric, r.priority): r for r in rows}
    uniform = {m: len({(r.objective, r.min_tickets, r.allowed_misses) for r in rows
                       if r.metric == m}) == 1 for m in metrics}
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
                cell = w.t("contract.cell_objective", cell=cell,
                           objective=_objective_words(w, row))
            cells.append(cell)
        table.append({"code": p.code, "priority": say.priority_words(w, p), "cells": cells})
    objectives = [_objective_words(w, next(r for r in rows if r.metric == m)) if uniform[m]
                  else w.t("contract.table.none") for m in metrics]
    # with no roster scope article, the customer's services are stated with the fee
    services_line = (w.t("contract.services", services=w.join(w.code(s) for s in who.services))
                     if who and who.services and not policy.terms.covers
                     and not policy.terms.not_covered else None)
    return {
        "name": tier.name,
        "heading": w.t("contract.tier_heading", tier=tier.name),
        "fee_line": fee_line,
        "services_line": services_line,
        "columns": [say.metric_words(w, m) for m in metrics],
        "rows": table,
        "objectives": objectives,
    }


def _cell(w: Wording, cal: CalendarDef, seconds: int, main: str | None) -> str:
    duration = w.duration(seconds, business=not cal.always)
    if cal.always:
        return w.t("contract.cell_always", duration=duration,
                   always=say.always_words(w, cal, short=True))
    if cal.name == main:
        return w.t("contract.cell", duration=duration)
    return w.t("contract.cell_calendar", duration=duration, calendar=w.quote(w.code(cal.name)))


def _uptime(w: Wording, target, services: tuple[str, ...]) -> str:
    forms = w.forms("percent", w.percent(target.percent))
    if target.service is None and services:  # a customer's contract names its services
        return w.t("contract.uptime_listed", services=w.join(w.code(s) for s in services),
                   **forms)
    if target.service is None:
        return w.t("contract.uptime_all", **forms)
    return w.t("contract.uptime_service", service=w.quote(w.code(target.service)), **forms)


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


def _credits(w: Wording, policy: Policy, tier: Tier, fee: Money | None,
             layout: Outline) -> dict[str, Any]:
    general = sorted(tier.uptime_credit.steps, key=lambda s: s.below, reverse=True) \
        if tier.uptime_credit else []
    rows = []
    for key, _span in credit_rows(tier):
        number = layout.number(key)
        if key[0] == "credit_step":
            _, _, service, below = key
            clause_ = tier.uptime_credit if service is None else next(
                c for c in tier.service_credits if c.service == service)
            step = next(s for s in clause_.steps if s.below == below)
            forms = w.forms("below", w.percent(below))
            text = (w.t("contract.credit.uptime_below", **forms) if service is None else
                    w.t("contract.credit.uptime_service_below",
                        service=w.quote(w.code(service)), **forms))
            rows.append({"number": number, "clause": text,
                         "credit": _credit_text(w, fee, step.percent)})
        else:
            _, _, metric, priority = key
            oc = next(o for o in tier.objective_credits
                      if (o.metric, o.priority) == (metric, priority))
            rows.append({"number": number,
                         "clause": w.t("contract.credit.objective_missed",
                                       **_metric_forms(w, metric), priority=priority),
                         "credit": _credit_text(w, fee, oc.percent)})
    if not rows:
        return {"rows": [], "rules": [], "example": None, "none": w.t("contract.credit.none")}
    rules = []
    if general:
        rules.append(w.t("contract.credit.rules_steps"))
    if tier.service_credits:
        rules.append(w.t("contract.credit.rules_steps_service"))
    clauses_count = len(tier.objective_credits) + (1 if general else 0) + len(
        tier.service_credits)
    if clauses_count > 1:
        rules.append(w.t("contract.credit.rules_add"))
    if tier.cap is not None:
        cap_money = _money(fee, tier.cap)
        forms = w.forms("cap", w.percent(tier.cap))
        rules.append(w.t("contract.credit.cap_money", money=w.money(cap_money), **forms)
                     if cap_money else w.t("contract.credit.cap", **forms))
    service = None
    steps = general
    if not steps and tier.service_credits:
        first = tier.service_credits[0]
        service = w.quote(w.code(first.service))
        steps = sorted(first.steps, key=lambda s: s.below, reverse=True)
    return {"rows": rows, "rules": rules, "example": _example(w, tier, steps, fee, service),
            "none": None}


def _signatures(w: Wording, policy: Policy, layout: Outline, tiers: list[Tier],
                who: Customer | None) -> dict[str, Any]:
    """The signature block, and the clauses the customer approves specifically (artt.
    1341-1342 c.c.: exclusions, the cap, the claim deadline, the sole remedy)."""
    approve = []
    excl = [c.number for c in layout.clauses if c.key[0] in ("exclusion", "delay")]
    if excl:
        first, last = excl[0], excl[-1]
        approve.append(w.t("contract.signatures.approval_clause",
                           number=first if first == last else f"{first}–{last}",
                           what=w.t("contract.signatures.what_exclusions")))
    cap = next((layout.number(("cap", t.name)) for t in tiers if t.cap is not None
                and layout.number(("cap", t.name))), None)
    if cap:
        approve.append(w.t("contract.signatures.approval_clause", number=cap,
                           what=w.t("contract.signatures.what_cap")))
    for key, what, on in (("claim", "claim", policy.terms.claim == "on_request"),
                          ("remedy", "sole_remedy", policy.terms.sole_remedy)):
        number = layout.number((key,))
        if on and number:
            approve.append(w.t("contract.signatures.approval_clause", number=number,
                               what=w.t(f"contract.signatures.what_{what}")))
    return {
        "title": w.t("contract.signatures.title"),
        "place_date": w.t("contract.signatures.place_date"),
        "provider": w.t("contract.signatures.provider"),
        "provider_name": policy.header.provider,
        "customer": w.t("contract.signatures.customer"),
        "customer_name": who.name if who else None,
        "approval_title": w.t("contract.signatures.approval_title"),
        "approval": w.t("contract.signatures.approval", first=SPECIFIC_APPROVAL[0],
                        second=SPECIFIC_APPROVAL[1], clauses="; ".join(approve))
        if approve else None,
    }


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
    >>> example_uptime([CreditStep(Decimal(5), Decimal(100))])
    Decimal('99.7')
    """
    top = steps[0].below
    # one step: halfway down to as far below it as 100 % is above (half a point below a step
    # at 100 %, which has nothing above it)
    half = (100 - top) / 2
    lower = steps[1].below if len(steps) > 1 else top - (half if half > 0 else Decimal("0.5"))
    middle = (lower + top) / 2
    rounded = middle.quantize(Decimal("0.1"), rounding=ROUND_DOWN)
    return rounded if lower < rounded < top else middle


def _example(w: Wording, tier: Tier, steps: list, fee: Money | None,
             service: str | None = None) -> dict[str, Any]:
    """A worked example in numbers: an uptime in the first step (of the clause for every
    service, else of ``service``'s clause), every objective missed."""
    suffix = "" if fee else "_pct"
    lines, total = [], Decimal(0)
    applied = None
    if steps:
        uptime = example_uptime(steps)
        # steps a policy orders oddly (equal thresholds) can leave none below the example
        applied = max((s for s in steps if uptime < s.below), key=lambda s: s.percent,
                      default=None)
    if applied is not None:
        total += applied.percent
        kind = "example_uptime_service" if service else "example_uptime"
        lines.append(w.t(f"contract.credit.{kind}{suffix}", service=service,
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


def _footer(w: Wording, policy: Policy) -> str:
    h = policy.header
    return w.t("contract.footer", name=w.quote(h.name), version=h.version,
               **w.forms("effective", w.date(h.effective)), algorithm=HASH_ALGORITHM,
               hash=policy.source_hash or "—")
