"""The evaluation kernel: a batch of tickets in, a :class:`Partial` out; partials merged;
the merged partial finished into an :class:`~slalang.evaluation.result.Evaluation`.

Every driver is these three functions arranged differently (docs/evaluation/scale.md):

* in memory: one batch, :func:`evaluate_batch` then :func:`finish`;
* in chunks: a batch per chunk of the input, the partials merged as they come;
* distributed (Dask): a batch per partition on the workers, a tree of merges.

:meth:`Partial.merge` is associative: verdict counts are keyed by label (customer, tier),
not by a batch's codes, and added; the listed tickets keep the worst under one total order
and add their counts; the invalid tickets are concatenated in batch order. So any grouping of
the merges (a chunk at a time, a reduction tree) gives the same partial, and the same bytes
in every output. The kernel reads the plan, never the policy behind it: a plan shipped to a
worker is everything the worker needs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from slalang.evaluation.compliance import Aggregate, count_outcomes
from slalang.evaluation.credits import compute_credit, fee_of
from slalang.evaluation.periods import Period, PeriodError, bucket_of
from slalang.evaluation.result import Evaluation, Objectives, Verdicts, combined_hash
from slalang.evaluation.uptime import (
    UptimeResult,
    downtime_by_service,
    downtime_log,
    downtime_records,
    service_targets,
)
from slalang.evaluation.warnings import DataFacts, find_warnings
from slalang.model import Roster, Tier
from slalang.vocabulary import sorted_unique

if TYPE_CHECKING:
    from slalang.data import DowntimeTable, TicketTable
    from slalang.data.counts import InputCounts
    from slalang.data.downtime import DowntimeRecord
    from slalang.data.table import Rejection
    from slalang.evaluation.listed import ListedTickets
    from slalang.evaluation.outcomes import Outcomes
    from slalang.plan import Plan


@dataclass(frozen=True)
class Context:
    """What every batch of one evaluation shares: the plan, the roster, the instant and the
    period. Picklable, so it travels to worker processes with the batches."""

    plan: Plan
    roster: Roster | None
    #: the evaluation instant (epoch seconds)
    as_of: int
    period: Period


@dataclass(frozen=True)
class Partial:
    """What a batch of tickets contributes to an evaluation; merge partials with
    :meth:`merge`, finish the last one with :func:`finish`."""

    context: Context
    #: verdict counts per (customer name, tier, month), without the groups that exist
    #: without tickets (those are added by :func:`finish`)
    counts: Aggregate
    #: the batch's input rows refused while reading (in the reader's order)
    rejected: tuple[Rejection, ...] = ()
    #: the batch's tickets evaluated as ``invalid``, in ticket order
    invalid: tuple[Rejection, ...] = ()
    #: breached and at-risk tickets (None when not gathered)
    listed: ListedTickets | None = None
    #: the per-ticket verdicts, kept only when asked (one batch: the in-memory driver);
    #: a merge drops them
    verdicts: Verdicts | None = field(default=None, repr=False)
    #: what the warnings need to know about the batch (added up by a merge)
    facts: DataFacts | None = field(default=None, repr=False)

    def merge(self, other: Partial) -> Partial:
        """This partial followed by ``other`` (associative; the order of batches is kept
        for the rows listed one by one)."""
        return Partial.merge_all((self, other))

    @staticmethod
    def merge_all(parts: Sequence[Partial]) -> Partial:
        """The partials in order as one (one merge of the listed tickets for all)."""
        parts = list(parts)
        if not parts:
            raise ValueError("nothing to merge")
        if len(parts) == 1:
            return parts[0]
        listed = [p.listed for p in parts if p.listed is not None]
        if listed:
            from slalang.evaluation.listed import ListedTickets

            merged = ListedTickets.merge(listed)
        else:
            merged = None
        facts = DataFacts()
        for p in parts:
            if p.facts is not None:
                facts.add(p.facts)
        contexts = [p.context for p in parts if p.context is not None]
        if any(_measure(c) != _measure(contexts[0]) for c in contexts[1:]
               if c is not contexts[0]):
            # counts of one period's months read as another's: refused, never summed (the
            # roster may differ: a hook gives each batch the roster its tickets need, and the
            # evaluation is finished with the one its collector settles on)
            raise ValueError("the partials were evaluated with different plans, as_of or "
                             "periods: they cannot be merged")
        # slices of one table share its rejected rows (they describe the input): each once,
        # in order, however the table was cut
        rejected = tuple(dict.fromkeys(r for p in parts for r in p.rejected))
        return Partial(parts[0].context, add_counts([p.counts for p in parts]), rejected,
                       tuple(r for p in parts for r in p.invalid), merged, facts=facts)


def _measure(context: Context) -> tuple:
    """What a partial's counts depend on: the plan, the instant and the period."""
    return (context.as_of, context.period, context.plan)


def _key(customer: np.ndarray, tier: np.ndarray, bucket: np.ndarray, nt: int, nb: int
         ) -> np.ndarray:
    return (np.asarray(customer, dtype=np.int64) * nt + tier) * nb + bucket


def add_counts(parts: Sequence[Aggregate], extra: tuple[tuple[str, str, int], ...] = (),
               n_buckets: int | None = None) -> Aggregate:
    """The sum of several aggregates (labels matched by name, not by code), plus the
    ``extra`` (customer, tier, bucket) groups with nothing counted: exactly what
    :func:`~slalang.evaluation.compliance.count_outcomes` counts over all their tickets at
    once with those extra groups."""
    first = parts[0]
    customers = tuple(sorted({x for a in parts for x in a.customers} | {e[0] for e in extra}))
    tiers = tuple(sorted({x for a in parts for x in a.tiers} | {e[1] for e in extra}))
    if len(parts) == 1 and not extra and (customers, tiers) == (first.customers, first.tiers):
        return first  # already the sum: labels in order, keys sorted and unique
    nt = len(tiers)
    nb = max(n_buckets or 1, 1, *(int(a.g_bucket.max()) + 1 for a in parts if len(a)))
    c_pos = {x: i for i, x in enumerate(customers)}
    t_pos = {x: i for i, x in enumerate(tiers)}
    keys = []
    for a in parts:
        c_map = np.array([c_pos[x] for x in a.customers] or [0], dtype=np.int64)
        t_map = np.array([t_pos[x] for x in a.tiers] or [0], dtype=np.int64)
        keys.append(_key(c_map[a.g_customer], t_map[a.g_tier], a.g_bucket, nt, nb))
    extra_keys = np.array([_key(c_pos[c], t_pos[t], b, nt, nb) for c, t, b in extra],
                          dtype=np.int64)
    if len(parts) == 1 and not len(extra_keys):
        merged = keys[0]  # already sorted and unique
        at = [np.arange(len(merged))]
    else:
        merged = sorted_unique(np.concatenate([*keys, extra_keys]))
        at = [np.searchsorted(merged, k) for k in keys]
    counts = np.zeros((len(merged), 4), dtype=np.int64)
    cells = np.zeros((len(merged), *first.cells.shape[1:]), dtype=np.int64)
    for a, pos in zip(parts, at, strict=True):  # keys are unique within a part
        counts[pos] += a.g_counts
        cells[pos] += a.cells
    rest, g_bucket = np.divmod(merged, nb)
    g_customer, g_tier = np.divmod(rest, nt)
    return Aggregate(customers, tiers, first.metrics, first.priorities, g_customer, g_tier,
                     g_bucket, counts, cells)


def customer_namer(roster: Roster | None) -> Callable[[str], str]:
    """The function naming a ticket's customer label in the outputs (a roster id becomes the
    customer's name; anything else stays as it is)."""

    def rename(label: str) -> str:
        c = roster.get(label) if roster is not None and label else None
        return c.name if c is not None else label

    return rename


def evaluate_batch(plan: Plan, batch: TicketTable, roster: Roster | None, as_of: int,
                   period: Period, *, outcomes: Outcomes | None = None,
                   listed: bool = True, keep_verdicts: bool = False) -> Partial:
    """Evaluate one batch of tickets (with their events): per-ticket outcomes, counted.

    Args:
        plan: the compiled plan.
        batch: the tickets (a TicketTable, or a whole input read in memory).
        roster: the customer roster, or None.
        as_of: the evaluation instant (epoch seconds).
        period: the evaluated period (its months are the counts' buckets).
        outcomes: the batch's outcomes when already computed (default: computed here).
        listed: gather the breached and at-risk tickets the JSON lists.
        keep_verdicts: keep the per-ticket verdicts in the partial (for the verdict CSV).
    """
    if not isinstance(period, Period):
        raise TypeError(f"period: a Period (parse_period), not {type(period).__name__}")
    if isinstance(as_of, bool) or not isinstance(as_of, int | np.integer):
        raise TypeError(f"as_of: epoch seconds (an int), not {type(as_of).__name__}")
    if outcomes is None:
        from slalang.evaluation.outcomes import compute_outcomes

        outcomes = compute_outcomes(plan, batch, roster, as_of)
    metrics = tuple(plan.metrics)
    priorities = tuple(plan.priorities)
    bucket = bucket_of(np.asarray(batch.created_at, dtype=np.int64), period)
    # without a roster every name is the label itself: no call per customer label per batch
    counts = count_outcomes(outcomes, batch, bucket, metrics, priorities, len(period.buckets),
                            customer_namer(roster) if roster is not None else None)
    context = Context(plan, roster, int(as_of), period)
    verdicts = Verdicts(plan, period, int(as_of), outcomes, batch, bucket)
    lister = None
    if listed:
        from slalang.evaluation.listed import ListedTickets

        lister = ListedTickets.of(verdicts)
    # the outcomes stage passes the ingest rejections on (its list starts with them) and
    # adds the tickets it finds invalid: those were evaluated, so they are kept apart
    rejected = tuple(batch.rejected or ())
    invalid = tuple(outcomes.rejected or ())[len(rejected):]
    return Partial(context, counts, rejected, invalid, lister,
                   verdicts if keep_verdicts else None, facts=DataFacts.of(batch, outcomes))


def empty_partial(plan: Plan, roster: Roster | None, as_of: int, period: Period) -> Partial:
    """The partial of no ticket at all (the start of a sum): it lists no ticket, so that
    an evaluation finished from it alone writes empty lists, as an empty batch does (not
    ``null``, which says the tickets were not gathered)."""
    from slalang.evaluation.listed import ListedTickets

    counts = Aggregate.empty(tuple(plan.metrics), tuple(plan.priorities),
                             ("", *sorted(plan.tiers)))
    return Partial(Context(plan, roster, int(as_of), period), counts,
                   listed=ListedTickets.empty())


def _needs_work(tier: Tier | None) -> bool:
    """Whether a tier's customer-months need uptime or credit computed one by one."""
    return tier is not None and bool(tier.uptime or tier.uptime_credit or tier.service_credits
                                     or tier.objective_credits)


def _downtime_clocks(plan: Plan) -> dict:
    """Business clocks of the calendars used as downtime windows (``during``)."""
    names = {ex.during for ex in plan.exclusions if ex.subject == "downtime" and ex.during}
    return {name: plan.calendar(name).business_clock for name in names}


def before_the_period(as_of: int, period: Period) -> None:
    """Refuse an instant before the period begins: nothing in it had happened yet, so every
    ticket counted as open and every verdict n/a, a green report with exit 0 (the tickets of
    2024-01 evaluated as of 2023-01-01)."""
    if as_of >= period.start:
        return
    import datetime as dt
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(period.timezone)
    when = dt.datetime.fromtimestamp(as_of, zone).isoformat()
    start = dt.datetime.fromtimestamp(period.start, zone).isoformat()
    raise PeriodError(f"--as-of {when} is before the period {period.label} begins ({start}): "
                      "nothing in it had happened yet, so nothing can be measured. Give an "
                      "--as-of after the period's start (by default, its end), or the "
                      "--period the instant falls in.")


def finish(partial: Partial, *, downtime: DowntimeTable | Iterable[DowntimeRecord] | None = None,
           data_hash: str | None = None, input_counts: InputCounts | None = None
           ) -> Evaluation:
    """Everything after the counts: the groups without tickets, uptime, credits, the
    :class:`Evaluation`.

    ``downtime`` are the downtime records (their refused rows and the rows no customer-month
    uses are added to the partial's rejections); ``data_hash`` the tickets' (and events')
    input hash; ``input_counts`` the reader's counts (read, ignored, rejected) when known.
    The warnings (:mod:`slalang.evaluation.warnings`) are found last, from the partial's
    facts and the finished result.
    """
    from slalang.data.downtime import DowntimeTable
    from slalang.version import __version__

    if isinstance(downtime, str | Path):  # a str is iterable: it failed deep in uptime
        raise TypeError("downtime: a DowntimeTable (read_downtime(path)) or its records, "
                        "not a path")
    if downtime is not None and not isinstance(downtime, DowntimeTable):
        downtime = DowntimeTable(tuple(downtime))  # records given one by one
    ctx = partial.context
    plan, roster, period = ctx.plan, ctx.roster, ctx.period
    before_the_period(ctx.as_of, period)
    rename = customer_namer(roster)
    metrics = tuple(plan.metrics)
    priorities = tuple(plan.priorities)
    n_buckets = len(period.buckets)

    edges = np.array([b.start for b in period.buckets] + [period.end], dtype=np.int64)
    records = downtime_records(downtime)
    down = downtime_by_service(records, plan.exclusions, edges, _downtime_clocks(plan), rename)

    # groups that exist without tickets: the roster's customers in every month
    extra = [(c.name, c.tier, b) for c in (roster.customers if roster is not None else ())
             for b in range(n_buckets)]
    agg = add_counts([partial.counts], tuple(extra), n_buckets)
    # downtime of a customer without roster entry counts in the tiers its tickets have
    with_downtime = {c for c, _s in down}
    if with_downtime - {c.name for c in (roster.customers if roster is not None else ())}:
        for g in range(len(agg)):
            name = agg.customers[agg.g_customer[g]]
            if name in with_downtime and (roster is None or roster.get(name) is None):
                extra.extend((name, agg.tiers[agg.g_tier[g]], b) for b in range(n_buckets))
        agg = add_counts([partial.counts], tuple(extra), n_buckets)
    objectives = Objectives.build(plan, agg.tiers, metrics, priorities)

    # uptime and credits: one by one only where a tier promises uptime or credits, or the
    # customer has covered services or downtime; everything else shares one zero credit
    tiers = [plan.tier(t) for t in agg.tiers]
    busy_tier = np.array([_needs_work(t) for t in tiers], dtype=bool)
    customers = [roster.get(c) if roster is not None and c else None for c in agg.customers]
    busy_customer = np.array([c in with_downtime or (cust is not None and bool(cust.services))
                              for c, cust in zip(agg.customers, customers, strict=True)],
                             dtype=bool)
    busy = busy_tier[agg.g_tier] | busy_customer[agg.g_customer]
    uptime: list = [()] * len(agg)
    credit = np.empty(len(agg), dtype=object)
    # quiet months share one zero credit per (tier, fee)
    quiet = np.flatnonzero(~busy)
    pair = agg.g_customer[quiet] * len(agg.tiers) + agg.g_tier[quiet]
    pairs, inverse = np.unique(pair, return_inverse=True)
    zero = np.empty(len(pairs), dtype=object)
    shared: dict = {}
    for k, code in enumerate(pairs.tolist()):
        c, t = divmod(code, len(agg.tiers))
        fee = fee_of(customers[c], tiers[t])
        if (t, fee) not in shared:
            shared[(t, fee)] = compute_credit(tiers[t], (), (), fee)
        zero[k] = shared[(t, fee)]
    credit[quiet] = zero[inverse.reshape(-1)]
    used: set[tuple[str, str]] = set()  # (customer, service) pairs some month measures
    from slalang.evaluation.compliance import objective_results

    # a customer-month without downtime of its own shares its services' targets, uptime and
    # credit with every other of its tier, fee, services and month (120,000 customer-months
    # of a roster whose customers have services: 1.5 s worked out one by one)
    down_services: dict[str, list[str]] = {}
    for c, s in down:
        down_services.setdefault(c, []).append(s)
    targets_of: dict = {}
    uptime_of: dict = {}
    credit_of: dict = {}
    measured = downtime is not None
    for g in np.flatnonzero(busy).tolist():
        t = int(agg.g_tier[g])
        tier, customer = tiers[t], customers[agg.g_customer[g]]
        name = agg.customers[agg.g_customer[g]]
        b = int(agg.g_bucket[g])
        services = (customer.services if customer is not None
                    else tuple(sorted(down_services.get(name, ()))))
        targets = targets_of.get((t, services))
        if targets is None:
            targets = targets_of[(t, services)] = service_targets(tier, services)
        seconds = period.buckets[b].seconds
        shared = name not in down_services
        up = uptime_of.get((t, services, b)) if shared else None
        if up is None:
            up = tuple(UptimeResult(s, u.percent if u else None, seconds,
                                    int(down[(name, s)][b]) if (name, s) in down else 0,
                                    u.span if u else None, measured=measured)
                       for s, u in targets)
            if shared:
                uptime_of[(t, services, b)] = up
        uptime[g] = up
        used.update((name, s) for s, _ in targets)
        fee = fee_of(customer, tier)
        # the objectives' results only matter to a tier that credits a missed objective
        # (120,000 customer-months of a roster whose customers have services: 3.9 of 5.5 s)
        if tier is not None and tier.objective_credits:
            results = objective_results(tier, agg.cell_dict(agg.cells[g]), metrics, priorities)
            credit[g] = compute_credit(tier, results, up, fee)
        elif shared:
            key = (t, fee, services, b)
            if key not in credit_of:
                credit_of[key] = compute_credit(tier, (), up, fee)
            credit[g] = credit_of[key]
        else:
            credit[g] = compute_credit(tier, (), up, fee)

    rejected = tuple(partial.rejected) + downtime_rejections(downtime, used, rename, roster)
    log = None if downtime is None else tuple(
        e for e in downtime_log(records, plan.exclusions, edges, _downtime_clocks(plan), rename)
        if (e.customer, e.service) in used)
    ev = Evaluation(
        plan=plan, period=period, as_of=int(ctx.as_of), agg=agg, objectives=objectives,
        uptime=uptime, credit=credit, rejected=rejected, policy_hash=plan.policy.source_hash,
        data_hash=combined_hash(data_hash, downtime.data_hash if downtime is not None else None),
        version=__version__, roster=roster, invalid=tuple(partial.invalid),
        verdicts=partial.verdicts, listed=partial.listed, downtime_log=log,
        input=input_counts)
    ev.warnings = find_warnings(ev, partial.facts or DataFacts(), downtime is not None)
    return ev


def downtime_rejections(downtime: DowntimeTable | None, used: set[tuple[str, str]],
                        rename: Callable[[str], str], roster: Roster | None) -> tuple:
    """The downtime rows not evaluated, in row order: those the reader refused, and those
    whose (customer, service) no customer-month measures (a customer neither in the roster
    nor among the evaluated tickets, a service the customer does not have). Without this,
    such a row would count nowhere and be reported nowhere."""
    from slalang.data.table import Rejection

    if downtime is None:
        return ()
    out = list(downtime.rejected)
    file = downtime.source
    for rec in downtime.records:
        name = rename(rec.customer)
        if (name, rec.service) in used:
            continue
        customer = roster.get(rec.customer) if roster is not None else None
        if customer is None and not any(c == name for c, _ in used):
            where = "not in the roster" if roster is not None else "no roster given"
            out.append(Rejection(file, rec.row, "customer", f"downtime for customer "
                                 f"{rec.customer!r} ({where}) with no ticket evaluated"))
        else:
            have = sorted(s for c, s in used if c == name)
            out.append(Rejection(file, rec.row, "service", f"customer {name!r} has no service "
                                 f"{rec.service!r} (its services: {', '.join(have) or 'none'})"))
    return tuple(sorted(out, key=lambda r: r.row))


__all__ = ["Context", "Partial", "add_counts", "customer_namer", "empty_partial",
           "evaluate_batch", "finish"]
