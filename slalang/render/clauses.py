"""The appendix's clause numbers: the contract numbers its articles with them, reports cite them.

A customer reads "clause 8.3" in a report and finds clause 8.3 in the appendix they signed; the
policy's ``file:line`` stays in the JSON, the plan and other engineer outputs. Both documents
ask this module, so the numbering cannot drift apart.

The appendix is a list of articles (:data:`ARTICLES`, in print order, always all of them, so
an article's number never depends on the policy). Inside an article, clauses are numbered
``<article>.<n>``. :func:`outline` lays out the appendix of one policy for the
tiers it shows and returns an :class:`Outline` that answers "which clause states this?" for a
plan row (a target), an uptime promise, a credit clause, an exclusion, the cap, or a policy line
as the evaluation JSON cites it (``file:line``).

:func:`clause_number` and :func:`subject_clause` give an article's number without a policy
(a report rendered from the evaluation JSON alone).

>>> clause_number("service_levels"), clause_number("credits")
('6', '8')
>>> subject_clause("resolution"), subject_clause("uptime"), subject_clause("cap")
('6', '6', '8')
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from slalang.model import Policy, Span, Tier

#: the appendix's articles, in the order the contract prints them
ARTICLES: tuple[str, ...] = (
    "definitions",
    "scope",
    "priorities",
    "support",
    "business_hours",
    "service_levels",
    "exclusions",
    "credits",
    "reporting",
    "review",
    "final",
)

#: what a report cites -> the article that states it (any metric name is a service level)
_SUBJECT_ARTICLE = {
    "uptime": "service_levels",
    "objective": "service_levels",
    "exclusion": "exclusions",
    "downtime": "exclusions",
    "credit": "credits",
    "uptime_credit": "credits",
    "objective_credit": "credits",
    "cap": "credits",
}

#: a clause's key: ("target", tier, metric, priority), ("uptime", tier, service),
#: ("exclusion", index), ("delay", index), ("credit_step", tier, service, below),
#: ("objective_credit", tier, metric, priority), ("cap", tier), ("claim",), ...
Key = tuple


@dataclass(frozen=True)
class Clause:
    """One numbered clause: its number, what it states, and the policy text it comes from."""

    number: str
    key: Key
    span: Span | None = None


@dataclass
class Outline:
    """The numbered layout of one appendix: its articles and every clause in them."""

    #: the articles printed, in order (their number is the position + 1)
    articles: tuple[str, ...]
    clauses: list[Clause] = field(default_factory=list)

    def article(self, name: str) -> str:
        """The number of article ``name``; KeyError when this appendix does not print it."""
        try:
            return str(self.articles.index(name) + 1)
        except ValueError:
            raise KeyError(f"this appendix has no article {name!r} "
                           f"(articles: {', '.join(self.articles)})") from None

    def number(self, key: Key) -> str | None:
        """The number of the clause stating ``key``, None when the appendix states none."""
        return next((c.number for c in self.clauses if c.key == key), None)

    def target(self, tier: str, metric: str, priority: str) -> str | None:
        """The clause of a plan row (the service-level table of the tier)."""
        return self.number(("target", tier, metric, priority))

    def uptime(self, tier: str, service: str | None) -> str | None:
        """The clause promising ``service``'s uptime (or every service's, as a fallback)."""
        return self.number(("uptime", tier, service)) or self.number(("uptime", tier, None))

    def credit(self, tier: str, line: Any) -> str | None:
        """The clause of an evaluated credit line (``slalang.evaluation.credits.CreditLine``
        or its JSON form): found by the policy text it cites."""
        span = line.get("span") if isinstance(line, dict) else getattr(line, "span", None)
        return self.at(span, tier) if span is not None else None

    def at(self, where: Span | str | dict, tier: str | None = None) -> str | None:
        """The clause stating the policy text at ``where``: a :class:`Span`, its JSON form, or
        ``file:line`` as the evaluation JSON cites it. With several clauses on one line (the
        steps of an uptime credit) the first one; ``tier`` prefers that tier's clauses."""
        line, column = _line_column(where)
        hits = [c for c in self.clauses if c.span is not None and c.span.line == line
                and (column is None or c.span.column <= column < c.span.end_column
                     or c.span.line != c.span.end_line)]
        if column is not None:
            exact = [c for c in hits if c.span.column == column]
            hits = exact or hits
        if tier is not None:
            hits = [c for c in hits if tier in c.key] or hits
        return hits[0].number if hits else None


def _line_column(where: Span | str | dict) -> tuple[int, int | None]:
    if isinstance(where, Span):
        return where.line, where.column
    if isinstance(where, dict):
        return int(where["line"]), where.get("column")
    text = str(where)
    parts = text.rsplit(":", 2)
    if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
        return int(parts[1]), int(parts[2])
    return int(parts[-1]), None


def articles_of(policy: Policy, tiers: Sequence[Tier]) -> tuple[str, ...]:
    """The articles an appendix of ``policy`` prints: all of them, always, in one order.

    An article the policy says nothing about still prints (with the sentence that applies
    then: "the channels set out in the service contract"), so article numbers never depend on
    the policy, the tier or the customer, and a report rendered from the evaluation JSON
    alone cites the same article numbers as the appendix the customer signed.
    """
    return ARTICLES


def outline(policy: Policy, tiers: Iterable[str | Tier] | None = None,
            exclusion_items: Sequence[Key] | None = None) -> Outline:
    """Number the appendix of ``policy`` showing ``tiers`` (all when None).

    The contract renders from this outline and the reports cite it, so a number means the
    same clause in both. ``exclusion_items`` overrides the keys of article "exclusions" (the
    contract passes the delay sentences it prints first); by default one clause per
    exclusion of the policy, after one per delay group.

    >>> from slalang.language import load_policy
    >>> o = outline(load_policy("policies/reference.sla"), ["Silver"])
    >>> o.target("Silver", "response", "P1"), o.uptime("Silver", "email")
    ('6.1', '6.2')
    >>> o.number(("cap", "Silver")), o.at("policies/reference.sla:68")
    ('8.4', '8.3')
    """
    shown = [t if isinstance(t, Tier) else policy.tier(t) for t in tiers] if tiers is not None \
        else list(policy.tiers)
    result = Outline(articles_of(policy, shown))
    add = result.clauses.append

    def num(article: str, n: int) -> str:
        return f"{result.article(article)}.{n}"

    # service levels: one clause for the table of each tier, then one per uptime promise
    n = 0
    for tier in shown:
        n += 1
        for t in tier.targets:
            add(Clause(num("service_levels", n), ("target", tier.name, t.metric, t.priority),
                       t.span))
        for u in tier.uptime:
            n += 1
            add(Clause(num("service_levels", n), ("uptime", tier.name, u.service), u.span))
    # exclusions: the delay sentences first, then each exclusion in policy order
    keys = list(exclusion_items) if exclusion_items is not None else [
        *(("delay", i) for i in range(_delay_groups(policy))),
        *(("exclusion", i) for i in range(len(policy.exclusions)))]
    for i, key in enumerate(keys, start=1):
        span = policy.exclusions[key[1]].span if key[0] == "exclusion" else None
        add(Clause(num("exclusions", i), key, span))
    # credits: each row of each tier's table, then the rules, the claim, payment, remedy
    n = 0
    for tier in shown:
        for key, span in credit_rows(tier):
            n += 1
            add(Clause(num("credits", n), key, span))
    for tier in shown:
        if credit_rows(tier):
            n += 1
            add(Clause(num("credits", n), ("rules", tier.name), None))
            if tier.cap is not None:
                add(Clause(num("credits", n), ("cap", tier.name), tier.span))
    any_credit = any(credit_rows(t) for t in shown)
    for key, on in (("claim", policy.terms.claim), ("payment", policy.terms.paid_by),
                    ("remedy", policy.terms.sole_remedy is not None)):
        if any_credit and on:
            n += 1
            add(Clause(num("credits", n), (key,), None))
    return result


def credit_rows(tier: Tier) -> list[tuple[Key, Span | None]]:
    """The rows of a tier's credit table, in print order: the uptime steps (every service,
    then each service's clause, thresholds falling), then the objective credits."""
    rows: list[tuple[Key, Span | None]] = []
    clauses = ([tier.uptime_credit] if tier.uptime_credit else []) + list(tier.service_credits)
    for clause in clauses:
        for step in sorted(clause.steps, key=lambda s: s.below, reverse=True):
            rows.append((("credit_step", tier.name, clause.service, step.below),
                         step.span if step.span.line else clause.span))
    for oc in tier.objective_credits:
        rows.append((("objective_credit", tier.name, oc.metric, oc.priority), oc.span))
    return rows


def _delay_groups(policy: Policy) -> int:
    from slalang.render.wording import delay_statuses

    return len({delay_statuses(c) for c in policy.clocks if delay_statuses(c)})


def clause_number(article: str, policy: Policy | None = None) -> str:
    """The number of ``article`` (one of :data:`ARTICLES`) in the appendix of ``policy``
    (every tier), or in an appendix stating every term when no policy is given."""
    if policy is not None:
        return outline(policy).article(article)
    try:
        return str(ARTICLES.index(article) + 1)
    except ValueError:
        raise KeyError(f"no article {article!r} in the appendix "
                       f"(articles: {', '.join(ARTICLES)})") from None


def subject_clause(subject: str, policy: Policy | None = None) -> str:
    """The article a report row cites: a metric's target (``response``, ``resolution``, any
    clock name), ``uptime``, ``exclusion``/``downtime``, ``credit`` and its kinds, ``cap``."""
    return clause_number(_SUBJECT_ARTICLE.get(subject, "service_levels"), policy)


__all__ = ["ARTICLES", "Clause", "Outline", "articles_of", "clause_number", "credit_rows",
           "outline", "subject_clause"]
