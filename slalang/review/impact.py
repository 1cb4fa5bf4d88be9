"""The replayed impact of a policy change: both versions evaluated on the same tickets.

:func:`replay` runs the public :func:`slalang.evaluation.evaluate` once per version and
compares the results per customer and month (compliance, objectives met or missed, credits in
percent and money) and per ticket and metric (the verdicts that flip, with the reason: the
target, the calendar, the clock's pauses, an exclusion, the tier or the priority changed).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

import numpy as np

from slalang.model import Money

if TYPE_CHECKING:
    from slalang.evaluation import Evaluation
    from slalang.evaluation.result import Verdicts

#: why a ticket's verdict flips, in the order they are listed
REASONS = ("tier", "priority", "exclusion", "target", "calendar", "clock", "pause")


@dataclass(frozen=True)
class ObjectiveChange:
    """One objective (metric x priority) of a customer-month, before and after."""

    metric: str
    priority: str
    objective_before: Decimal | None
    objective_after: Decimal | None
    compliance_before: Decimal | None
    compliance_after: Decimal | None
    #: whether compliance reached the objective (None: nothing decided or no objective)
    achieved_before: bool | None
    achieved_after: bool | None

    @property
    def flipped(self) -> bool:
        """Met before and missed after, or the other way round."""
        return (self.achieved_before is not None and self.achieved_after is not None
                and self.achieved_before != self.achieved_after)


@dataclass(frozen=True)
class MonthImpact:
    """One customer-month: its tier, credit and changed objectives under each version."""

    customer: str
    month: str
    tier_before: str
    tier_after: str
    #: credit in percent of the monthly fee (after the cap)
    credit_before: Decimal
    credit_after: Decimal
    amount_before: Money | None
    amount_after: Money | None
    #: objectives whose compliance, objective or outcome differs
    objectives: tuple[ObjectiveChange, ...]

    @property
    def credit_increase(self) -> bool:
        if self.amount_before is not None and self.amount_after is not None:
            return self.amount_after.amount > self.amount_before.amount
        return self.credit_after > self.credit_before

    @property
    def changed(self) -> bool:
        return (self.credit_before != self.credit_after or self.amount_before != self.amount_after
                or self.tier_before != self.tier_after or bool(self.objectives))


@dataclass(frozen=True)
class TicketFlip:
    """A ticket x metric whose verdict differs between the versions, and why."""

    ticket: str
    customer: str
    metric: str
    #: verdict names (met, breached, open, excluded, invalid; "none" when the metric is absent)
    before: str
    after: str
    reasons: tuple[str, ...]
    elapsed_before: int | None
    elapsed_after: int | None
    target_before: int | None
    target_after: int | None


@dataclass(frozen=True)
class Impact:
    """The replay of two versions on the same data; see :func:`replay`."""

    period: str
    tickets: int
    months: tuple[MonthImpact, ...]
    flips: tuple[TicketFlip, ...]
    old: Evaluation = field(repr=False, compare=False)
    new: Evaluation = field(repr=False, compare=False)

    @property
    def objective_flips(self) -> list[tuple[MonthImpact, ObjectiveChange]]:
        return [(m, o) for m in self.months for o in m.objectives if o.flipped]

    @property
    def credit_increase(self) -> bool:
        return any(m.credit_increase for m in self.months)

    @property
    def any_flip(self) -> bool:
        return bool(self.flips or self.objective_flips)

    def totals(self) -> dict[str, tuple[Decimal, Decimal]]:
        """Currency -> (credits before, after) over every customer-month; ``%`` sums the
        percents of the months without a fee."""
        out: dict[str, list[Decimal]] = {}
        for m in self.months:
            pairs = ((m.amount_before, m.credit_before), (m.amount_after, m.credit_after))
            for i, (amount, percent) in enumerate(pairs):
                key = amount.currency if amount is not None else "%"
                value = amount.amount if amount is not None else percent
                out.setdefault(key, [Decimal(0), Decimal(0)])[i] += value
        return {k: (v[0], v[1]) for k, v in out.items() if v != [0, 0]}


def replay(old_plan, new_plan, tickets, downtime, old_roster, new_roster,
           period=None, as_of: int | None = None) -> Impact:
    """Evaluate both plans on the same tickets and downtime and compare them.

    Args:
        old_plan, new_plan: compiled plans (:func:`slalang.plan.compile_plan`).
        tickets: a TicketTable; downtime: a DowntimeTable or None.
        old_roster, new_roster: each version's roster (None when it names none).
        period: a Period or its text; default the months the tickets span.
        as_of: epoch seconds; default the end of the period.
    """
    from slalang.evaluation import evaluate

    old = evaluate(old_plan, tickets, downtime, old_roster, as_of=as_of, period=period)
    new = evaluate(new_plan, tickets, downtime, new_roster, as_of=as_of, period=period)
    return Impact(period=new.period.label,
                  tickets=int(np.count_nonzero(np.asarray(new.ticket_bucket) >= 0))
                  if new.ticket_bucket is not None else len(tickets.id),
                  months=tuple(_months(old, new)), flips=tuple(_flips(old, new)),
                  old=old, new=new)


def replay_input(old_plan, new_plan, tickets, events, downtime, old_roster, new_roster,
                 period=None, as_of: int | None = None, *, mapping=None,
                 chunk_rows: int | None = None, workdir: str | None = None,
                 whole: bool = False, progress=None, scheduler: str | None = None) -> Impact:
    """:func:`replay` on an input's files: read whole, or chunk by chunk when it is a CSV
    export of 256 MiB or more (``chunk_rows`` forces chunks, ``whole`` the whole read), in
    bounded memory (a replay of the 10m bench set read whole took 7.5 GB), or a partition per
    task for a dataset written by ``slalang convert`` (on the worker processes here, or on
    Dask when ``scheduler`` is named, as for ``evaluate``). The same Impact every way.
    ``progress(phase, done, total)`` is called as the chunks are read and replayed."""
    from slalang.data.dataset import is_dataset
    from slalang.engines import reads_in_chunks
    from slalang.evaluation.drivers import choose_engine

    engine = "auto" if scheduler is None else "dask"  # a scheduler named: Dask or an error
    chosen = choose_engine(engine, tickets, events, mapping)[0]
    if not whole and (chosen == "dask" or is_dataset(tickets)):
        # a dataset: a partition per task (on the worker processes here, or on the Dask
        # cluster named), both versions in the worker, each in its period
        from slalang.data.dataset import read_manifest
        from slalang.evaluation.drivers import refuse_beside_dataset
        from slalang.evaluation.partitions import dataset_context, evaluate_dataset

        refuse_beside_dataset(tickets, events, mapping)
        hook = _ReplayHook(new_plan, new_roster)
        if old_plan.timezone != new_plan.timezone:  # the dataset's months in the new zone
            new = dataset_context(new_plan, read_manifest(tickets), new_roster, as_of, period)
            hook = _ReplayHook(new_plan, new_roster, new.as_of, new.period)
        return _replay_with(old_plan, new_plan, downtime, new_roster, hook,
                            lambda hook, collector: evaluate_dataset(
                                chosen, old_plan, str(tickets), downtime, old_roster, as_of,
                                period, scheduler=scheduler, list_tickets=False,
                                progress=progress, hook=hook, collector=collector))
    if whole or not reads_in_chunks(tickets, events, mapping,
                                    any_size=chunk_rows is not None):
        from slalang.evaluation.drivers import read_whole

        table = read_whole(tickets, events, mapping, None)
        return replay(old_plan, new_plan, table, downtime, old_roster, new_roster,
                      period=period, as_of=as_of)
    from slalang.data.stream import NotStreamable, _Conversion
    from slalang.evaluation.scratch import scratch_dir
    from slalang.evaluation.streaming import DEFAULT_CHUNK_ROWS

    rows = chunk_rows or DEFAULT_CHUNK_ROWS
    try:
        # on the chunked engine's workers when the new version's period is known before the
        # export is read; else (versions in two zones, no period given) in one process
        hook = _hook_before_reading(old_plan, new_plan, new_roster, period, as_of)
        if hook is not None:
            return _replay_split(old_plan, new_plan, tickets, events, downtime, old_roster,
                                 new_roster, period, as_of, rows, workdir, progress, hook)
        return _replay_chunks(old_plan, new_plan, tickets, events, downtime, old_roster,
                              new_roster, period, as_of, rows,
                              scratch_dir(workdir, (tickets, events)), progress)
    except (_Conversion, NotStreamable):  # a malformed row or an unreadable instant: the
        # whole read names it
        return replay_input(old_plan, new_plan, tickets, events, downtime, old_roster,
                            new_roster, period, as_of, mapping=mapping, chunk_rows=None,
                            workdir=workdir, whole=True, progress=progress)


def _hook_before_reading(old_plan, new_plan, new_roster, period, as_of) -> _ReplayHook | None:
    """The replay's hook when the new version's period can be known before the export is
    read: the old version's (one zone, or one Period given for both), or the period's text
    in the new version's zone; None when it is inferred from the tickets in another zone
    than the old version's."""
    from slalang.evaluation.periods import Period, parse_period

    if old_plan.timezone == new_plan.timezone or isinstance(period, Period):
        return _ReplayHook(new_plan, new_roster)
    if period is None:
        return None
    per = parse_period(period, new_plan.timezone)
    return _ReplayHook(new_plan, new_roster, int(per.end if as_of is None else as_of), per)


def _replay_split(old_plan, new_plan, tickets, events, downtime, old_roster, new_roster,
                  period, as_of, rows: int, workdir, progress, hook: _ReplayHook) -> Impact:
    """Both versions chunk by chunk on the chunked engine's worker processes
    (:func:`_replay_with`)."""
    from slalang.evaluation.streaming import evaluate_chunked

    return _replay_with(old_plan, new_plan, downtime, new_roster, hook, lambda hook, collector:
                        evaluate_chunked(old_plan, tickets, events, downtime, old_roster,
                                         as_of, period, chunk_rows=rows, workdir=workdir,
                                         list_tickets=False, progress=progress, hook=hook,
                                         collector=collector))


def _replay_with(old_plan, new_plan, downtime, new_roster, hook: _ReplayHook, run
                 ) -> Impact:
    """Both versions on an engine's workers: the engine (``run(hook, collector)``) evaluates
    the old version, and in the worker each chunk's (or partition's) verdicts are followed by
    the new version's and the flips between them (``hook``); the new version's partials and
    the flips come back in order (:class:`_ReplayCollector`)."""
    from slalang.evaluation.kernel import finish

    collector = _ReplayCollector(new_plan, new_roster)
    old, _ = run(hook, collector)
    # the same input read once for both: the new version's evaluation has its counts too
    # (without them, `diff` took a period whose every ticket was invalid for a quiet one)
    new = finish(collector.result(), downtime=downtime, data_hash=old.data_hash,
                 input_counts=old.input)
    metrics = [*old_plan.metrics, *(m for m in new_plan.metrics if m not in old_plan.metrics)]
    return Impact(period=new.period.label, tickets=collector.counted,
                  months=tuple(_months(old, new)),
                  flips=tuple(f for m in metrics for f in collector.flips.get(m, ())),
                  old=old, new=new)


@dataclass(frozen=True)
class _ReplayHook:
    """In the worker: a chunk evaluated under the old version (by the engine) is evaluated
    under the new one too, and its flips found (:class:`~slalang.evaluation.workers.ChunkHook`):
    at ``as_of`` in ``period`` when given (versions counting months in different zones), else
    in the old version's period and at its instant."""

    plan: object
    roster: object
    as_of: int | None = None
    period: object = None

    def prepare(self, plan, table, roster):
        return table, roster

    def collect(self, verdicts):
        from slalang.evaluation.kernel import evaluate_batch

        as_of, period = ((verdicts.as_of, verdicts.period) if self.period is None
                         else (self.as_of, self.period))
        part = evaluate_batch(self.plan, verdicts.tickets, self.roster, as_of, period,
                              listed=False, keep_verdicts=True)
        flips = list(_flips(verdicts, part.verdicts))
        counted = int(np.count_nonzero(np.asarray(part.verdicts.ticket_bucket) >= 0))
        return (dataclasses.replace(part, verdicts=None, context=None), flips, counted,
                as_of, period)


class _ReplayCollector:
    """In the main process: the new version's partials summed as they come, the flips by
    metric, in chunk order (:class:`~slalang.evaluation.streaming.ChunkCollector`)."""

    def __init__(self, plan, roster) -> None:
        self.plan, self.new_roster = plan, roster
        self.start()

    def start(self) -> None:
        self.total = None
        self.flips: dict[str, list[TicketFlip]] = {}
        self.counted = 0

    def add(self, extra) -> None:
        from slalang.evaluation.kernel import Context, empty_partial
        from slalang.evaluation.streaming import PartialSum

        part, flips, counted, as_of, period = extra
        if self.total is None:  # the period and instant every chunk is evaluated in
            self.total = PartialSum(Context(self.plan, self.new_roster, as_of, period),
                                    empty_partial(self.plan, self.new_roster, as_of, period))
        self.total.add(part)
        for flip in flips:
            self.flips.setdefault(flip.metric, []).append(flip)
        self.counted += counted

    def roster(self, roster):
        return roster  # the old version's, as given

    def result(self):
        """The new version's partials summed."""
        if self.total is None:
            raise ValueError("no chunk was replayed")
        return self.total.result()


def _replay_chunks(old_plan, new_plan, tickets, events, downtime, old_roster, new_roster,
                   period, as_of, rows: int, workdir: str | None, progress=None) -> Impact:
    """Both versions chunk by chunk in one process (the sequential chunked reader), for
    versions that count months in different zones, each in its own period: each chunk's
    verdicts compared while its counts join each version's sum. A ticket's verdict depends
    on its own rows alone, so its flips are the ones the whole table gives; they are listed
    metric by metric, in ticket order, as :func:`replay` lists them."""
    from slalang.data.checks import add_notes
    from slalang.data.stream import file_digest, prepare_chunks, rejection_order
    from slalang.evaluation.evaluate import resolve_period
    from slalang.evaluation.kernel import Context, Partial, empty_partial, evaluate_batch, finish
    from slalang.evaluation.periods import period_covering
    from slalang.evaluation.scratch import scratch_folder
    from slalang.evaluation.streaming import PartialSum, _all_early

    digest = file_digest([tickets] + ([events] if events is not None else []))
    with scratch_folder(workdir) as tmp:
        prepared = prepare_chunks(tickets, events, rows, tmp, keep_created=period is None,
                                  progress=progress)
        if period is None and period_covering(prepared.created, old_plan.timezone) is None:
            # every ticket kept has a status event before its creation: each is refused
            # once its chunk's events are read, and the run says so as the whole read does
            # (not "no ticket to infer a period from")
            for _ in prepared.chunks.tables(prepared.blocks):
                pass
            _all_early(str(tickets), prepared.chunks.n, prepared.rejected,
                       prepared.chunks.late_rejected, None, prepared.rows_read)
        versions = []
        for plan, roster in ((old_plan, old_roster), (new_plan, new_roster)):
            per = resolve_period(plan, period, prepared.created)  # in each version's zone
            at = int(per.end if as_of is None else as_of)
            versions.append((plan, roster, per, at))
        sums = [PartialSum(Context(plan, roster, at, per), empty_partial(plan, roster, at, per))
                for plan, roster, per, at in versions]
        flips: dict[str, list[TicketFlip]] = {}
        metrics: list[str] = []
        counted = evaluated = invisible = 0
        notes: dict = {}
        n_chunks = max(-(-prepared.chunks.n // rows), 1)
        for done, (_, table) in enumerate(prepared.chunks.tables(prepared.blocks), start=1):
            evaluated += table.n
            invisible += table.invisible_ids  # the tickets' ids; the events' are the blocks'
            add_notes(notes, table.notes)
            parts = [evaluate_batch(plan, table, roster, at, per, listed=False,
                                    keep_verdicts=True) for plan, roster, per, at in versions]
            # the flips read the chunk's verdicts alone: finishing each chunk made every
            # roster customer's months anew for it (a 5,000-customer roster: 265 s at 10m)
            old, new = parts[0].verdicts, parts[1].verdicts
            if not metrics:
                names0, names1 = list(old.outcomes.metrics), list(new.outcomes.metrics)
                metrics = [*names0, *(m for m in names1 if m not in names0)]
            for flip in _flips(old, new):
                flips.setdefault(flip.metric, []).append(flip)
            counted += int(np.count_nonzero(np.asarray(new.ticket_bucket) >= 0))
            for total, part in zip(sums, parts, strict=True):
                total.add(part)
            if progress is not None:
                progress("evaluate", done, n_chunks)
        if not evaluated:  # the same, with a period given: no empty impact
            _all_early(str(tickets), prepared.chunks.n, prepared.rejected,
                       prepared.chunks.late_rejected, None, prepared.rows_read)
    # the rows refused and the input in numbers, as the chunked engine gives them: without
    # them the diff neither said that rows were refused nor held them to --max-errors
    ingest = sorted(prepared.rejected + prepared.chunks.late_rejected,
                    key=rejection_order(str(tickets)))
    counts = prepared.input_counts(evaluated, invisible, notes)
    old, new = (
        finish(Partial(t.context, t.counts, tuple(ingest), t.invalid, t.listed, facts=t.facts),
               downtime=downtime, data_hash=digest.result(), input_counts=counts)
        for t in (total.result() for total in sums))
    return Impact(period=new.period.label, tickets=counted, months=tuple(_months(old, new)),
                  flips=tuple(f for m in metrics for f in flips.get(m, ())), old=old, new=new)


def _groups(ev: Evaluation) -> dict[tuple[str, str], list[int]]:
    """(customer, month) -> the evaluation's groups (one per tier the customer had)."""
    a = ev.agg
    labels = [b.label for b in ev.period.buckets]
    out: dict[tuple[str, str], list[int]] = {}
    for g, (c, b) in enumerate(zip(a.g_customer.tolist(), a.g_bucket.tolist(), strict=True)):
        out.setdefault((a.customers[c], labels[b]), []).append(g)
    return out


def _same_month(old: Evaluation, new: Evaluation, g0: int, g1: int) -> bool:
    """Whether one group's counts, tier and objectives are the same under both versions, so
    no objective can differ (checked on the arrays: building every month's objects is what
    would cost time on thousands of customers)."""
    a, b = old.agg, new.agg
    if (a.metrics, a.priorities) != (b.metrics, b.priorities):
        return False
    t0, t1 = int(a.g_tier[g0]), int(b.g_tier[g1])
    return (a.tiers[t0] == b.tiers[t1] and np.array_equal(a.cells[g0], b.cells[g1])
            and old.objectives.percent[t0].tolist() == new.objectives.percent[t1].tolist())


def _months(old: Evaluation, new: Evaluation) -> Iterator[MonthImpact]:
    from slalang.evaluation.credits import sum_credits

    a, b = _groups(old), _groups(new)
    for key in sorted({*a, *b}, key=lambda k: (k[1], k[0])):
        ga, gb = a.get(key, []), b.get(key, [])
        pa, amount_a = sum_credits(old.credit[g] for g in ga)
        pb, amount_b = sum_credits(new.credit[g] for g in gb)
        tiers = ("+".join(sorted({old.agg.tiers[old.agg.g_tier[g]] for g in ga})),
                 "+".join(sorted({new.agg.tiers[new.agg.g_tier[g]] for g in gb})))
        if len(ga) == len(gb) == 1 and _same_month(old, new, ga[0], gb[0]):
            yield MonthImpact(key[0], key[1], *tiers, pa, pb, amount_a, amount_b, ())
            continue
        oa = {(o.metric, o.priority): o for g in ga for o in old.month(g).objectives}
        ob = {(o.metric, o.priority): o for g in gb for o in new.month(g).objectives}
        changes = []
        for k in [*oa, *(k for k in ob if k not in oa)]:
            x, y = oa.get(k), ob.get(k)
            change = ObjectiveChange(
                k[0], k[1], x.objective if x else None, y.objective if y else None,
                x.compliance if x else None, y.compliance if y else None,
                x.achieved if x else None, y.achieved if y else None)
            if (change.objective_before, change.compliance_before, change.achieved_before) != (
                    change.objective_after, change.compliance_after, change.achieved_after):
                changes.append(change)
        yield MonthImpact(key[0], key[1], *tiers, pa, pb, amount_a, amount_b, tuple(changes))


def _facts(plan, row: int) -> tuple:
    """(calendar facts, clock start/stop, clock pauses) of a plan row, comparable across
    versions (line numbers left out)."""
    from slalang.plan.diff import calendar_facts

    if row < 0:
        return (None, None, None)
    r = plan.rows[row]
    c = r.clock
    return (tuple(calendar_facts(plan.policy.calendar(r.calendar)).items()),
            (str(c.start), str(c.stop)), (c.pause_statuses, c.on_reopen, c.on_priority_change))


def _exclusion(plan, index: int) -> str | None:
    from slalang.plan.text import exclusion_text

    return exclusion_text(plan.exclusions[index]) if index >= 0 else None


def _label(cat, row: int) -> str | None:
    code = int(cat.codes[row])
    return cat.labels[code] if code >= 0 else None


def _flips(old: Evaluation | Verdicts, new: Evaluation | Verdicts) -> Iterator[TicketFlip]:
    """The tickets whose verdict differs between two evaluations of the same tickets (or
    two batches' verdicts), metric by metric, in ticket order."""
    from slalang.vocabulary import codes_labels

    o0, o1, tickets = old.outcomes, new.outcomes, new.tickets
    n = len(tickets.id)
    in_period = (np.asarray(new.ticket_bucket) >= 0) if new.ticket_bucket is not None \
        else np.ones(n, dtype=bool)
    c_codes, c_labels = codes_labels(tickets.customer)
    names0, names1 = list(o0.metrics), list(o1.metrics)
    for metric in [*names0, *(m for m in names1 if m not in names0)]:
        rows = [np.arange(n) * len(names) + names.index(metric) if metric in names else None
                for names in (names0, names1)]
        s0 = o0.status[rows[0]] if rows[0] is not None else np.full(n, -1)
        s1 = o1.status[rows[1]] if rows[1] is not None else np.full(n, -1)
        for i in np.flatnonzero((s0 != s1) & in_period).tolist():
            r0 = int(rows[0][i]) if rows[0] is not None else None
            r1 = int(rows[1][i]) if rows[1] is not None else None
            yield TicketFlip(
                str(tickets.id[i]), c_labels[c_codes[i]] if c_codes[i] >= 0 else "",
                metric, _status(o0, r0), _status(o1, r1), _reasons(old, new, r0, r1),
                *(int(o.elapsed[r]) if r is not None else None for o, r in ((o0, r0), (o1, r1))),
                *(_target(o, r) for o, r in ((o0, r0), (o1, r1))))


def _status(o, row: int | None) -> str:
    return o.status_names[int(o.status[row])] if row is not None else "none"


def _target(o, row: int | None) -> int | None:
    if row is None or int(o.target[row]) < 0:
        return None
    return int(o.target[row])


def _reasons(old: Evaluation | Verdicts, new: Evaluation | Verdicts, r0: int | None,
             r1: int | None) -> tuple[str, ...]:
    if r0 is None or r1 is None:
        return ("metric",)
    o0, o1 = old.outcomes, new.outcomes
    found = set()
    if _label(o0.tier, r0) != _label(o1.tier, r1):
        found.add("tier")
    if _label(o0.priority, r0) != _label(o1.priority, r1):
        found.add("priority")
    if _exclusion(old.plan, int(o0.exclusion[r0])) != _exclusion(new.plan, int(o1.exclusion[r1])):
        found.add("exclusion")
    p0, p1 = int(o0.plan_row[r0]), int(o1.plan_row[r1])
    # an excluded (or unpromised) side has no target to compare: the exclusion is the reason
    measured = p0 >= 0 and p1 >= 0 and int(o0.exclusion[r0]) < 0 and int(o1.exclusion[r1]) < 0
    if measured and _target(o0, r0) != _target(o1, r1):
        found.add("target")
    elif (p0 < 0) != (p1 < 0) and "exclusion" not in found:
        found.add("target")  # a promise added or removed
    f0, f1 = _facts(old.plan, p0), _facts(new.plan, p1)
    for name, x, y in zip(("calendar", "clock", "pause"), f0, f1, strict=True):
        if measured and x != y:
            found.add(name)
    return tuple(r for r in REASONS if r in found) or ("other",)
