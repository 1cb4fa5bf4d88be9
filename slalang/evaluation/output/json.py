"""The evaluation as JSON, following the published schema
``slalang/schemas/evaluation.schema.json``.

Percentages and money are strings holding exact decimals (``"99.888"``, ``"400.00"``) so that
no value is rounded by a float on the way; counts are integers; instants are ISO 8601 with the
policy zone's offset. Compliance is rounded half-up to 2 decimals and uptime to 3 for display;
the ``achieved``/``met`` flags are decided on exact values.

Each customer-month also lists its tickets worth a look, so that a report made from the saved
JSON alone is complete: the breached verdicts (longest delay first) and the open ones at risk
(most of the target used first), at most :data:`MAX_TICKETS_LISTED` of each, with the total
count. The lists are picked with numpy and written with pyarrow, like the rest of the document.
"""

from __future__ import annotations

import io
import json as _json
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import IO

import numpy as np

from slalang.data.table import Rejection
from slalang.evaluation.compliance import (
    BREACHED,
    EXCLUDED,
    MET,
    OPEN,
    ObjectiveResult,
    TicketCounts,
    judge,
)
from slalang.evaluation.credits import Credit, sum_credits
from slalang.evaluation.listed import (  # noqa: F401 - AT_RISK_PERCENT: re-exported
    AT_RISK,
    AT_RISK_PERCENT,
    BREACHES,
    EXCLUDED_TICKETS,
    MAX_TICKETS_LISTED,
    ListedTickets,
    _codes,
    _key,
    _worst_first,
)
from slalang.evaluation.output.common import clause, dec, iso_local
from slalang.evaluation.output.csv import NAT, iso_column
from slalang.evaluation.output.pieces import BackgroundWriter, Pool, Slot, interleave, slot_range
from slalang.evaluation.result import Evaluation
from slalang.evaluation.uptime import UptimeResult
from slalang.model import Money
from slalang.vocabulary import sorted_unique

SCHEMA_VERSION = 1
SCHEMA_PATH = Path(__file__).resolve().parents[2] / "schemas" / "evaluation.schema.json"
#: how many rejections are listed in full (all are counted)
MAX_REJECTIONS_LISTED = 1000


def _q(value: Decimal | None, places: int) -> str | None:
    if value is None:
        return None
    return str(value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def _money(m: Money | None) -> dict | None:
    return None if m is None else {"amount": str(m.amount), "currency": m.currency}


def _counts(c: TicketCounts) -> dict:
    return {"tickets": c.tickets, "excluded": c.excluded, "open": c.open, "invalid": c.invalid}


def _objective(o: ObjectiveResult) -> dict:
    return {
        "metric": o.metric, "priority": o.priority, "objective": dec(o.objective),
        "met": o.met, "breached": o.breached, "open": o.open, "excluded": o.excluded,
        "compliance": _q(o.compliance, 2), "achieved": o.achieved, "clause": clause(o.span),
        **_sample_rule(o.min_tickets, o.allowed_misses),
    }


def _labels(policy) -> dict:
    """The policy's labels of its codes (``label email "Email" it "Posta elettronica"``), so
    a report made from this document alone never shows a customer a code; absent without any."""
    labels = getattr(policy, "labels", ())
    if not labels:
        return {}
    return {"labels": {lb.code: dict(lb.text.texts) for lb in labels}}


def _sample_rule(least: int | None, allowed: int | None) -> dict:
    """The objective's minimum-sample rule, only when it has one (older documents and
    objectives without a rule have no such key)."""
    if not least:
        return {}
    return {"sample_rule": {"min_tickets": int(least),
                            "allowed_misses": None if allowed is None or allowed < 0
                            else int(allowed)}}


def _uptime(u: UptimeResult) -> dict:
    return {
        "service": u.service, "target": dec(u.target), "seconds": u.seconds,
        "downtime_seconds": u.downtime,
        "uptime": _q(u.uptime, 3) if u.measured else None,  # not measured is not 100 %
        "met": u.met,
        "clause": clause(u.span),
    }


def _line_amount(fee: Money | None, percent: Decimal) -> dict | None:
    """A credit clause's own amount: its percent of the fee, to the cent (half up), before
    any cap (the month's ``amount`` is after it)."""
    if fee is None:
        return None
    amount = (fee.amount * percent / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return {"amount": str(amount), "currency": fee.currency}


def clause_subjects(policy) -> dict[tuple[str, str | None, str | None], dict]:
    """What each credit clause of the policy is about, by (kind, its ``file:line``, percent):
    an uptime step's threshold (``below``), an objective credit's ``metric`` and
    ``priority``; reports word the clause as the contract does with them."""
    out: dict = {}
    for tier in policy.tiers:
        for uc in ([tier.uptime_credit] if tier.uptime_credit else []) + list(
                tier.service_credits):
            for step in uc.steps:
                where = clause(step.span) or clause(uc.span)
                # the threshold as the policy writes it ("99.0"), as the contract shows it
                subject = {"below": str(step.below)}
                if uc.service is not None:
                    subject["service"] = uc.service
                out[("uptime", where, dec(step.percent))] = subject
        for oc in tier.objective_credits:
            out[("objective", clause(oc.span), dec(oc.percent))] = {
                "metric": oc.metric, "priority": oc.priority}
    return out


def _credit(c: Credit, subjects: dict | None = None) -> dict:
    lines = []
    for ln in c.lines:
        line = {"clause": ln.clause, "percent": dec(ln.percent), "reason": ln.reason,
                "source": clause(ln.span), "amount": _line_amount(c.fee, ln.percent)}
        line.update((subjects or {}).get((ln.clause, line["source"], line["percent"]), {}))
        lines.append(line)
    return {
        "percent": dec(c.percent), "uncapped_percent": dec(c.uncapped), "cap": dec(c.cap),
        "capped": c.capped, "fee": _money(c.fee), "amount": _money(c.amount),
        "cap_clause": clause(c.cap_span), "lines": lines,
    }


def _groups_of(ev: Evaluation, table) -> np.ndarray:
    """The aggregate group of each row of a listed table (customer labels mapped to roster
    names, as the aggregate does); -1 when there is none."""
    a, roster = ev.agg, ev.roster

    def name(label) -> str:
        c = roster.get(label) if roster is not None and label else None
        return c.name if c is not None else (label or "")

    c, c_names = _codes(table["customer"])
    t, t_names = _codes(table["tier"])
    cpos = {x: i for i, x in enumerate(a.customers)}
    tpos = {x: i for i, x in enumerate(a.tiers)}
    cust = np.array([cpos.get(name(x), -1) for x in c_names], dtype=np.int64)[c]
    tier = np.array([tpos.get(x or "", -1) for x in t_names], dtype=np.int64)[t]
    bucket = table["bucket"].to_numpy().astype(np.int64)
    nt, nb = len(a.tiers), max(len(ev.period.buckets), 1)
    keys = (np.asarray(a.g_customer, dtype=np.int64) * nt + a.g_tier) * nb + a.g_bucket
    key = (cust * nt + tier) * nb + bucket
    if len(keys) == 0:
        return np.full(len(key), -1, dtype=np.int64)
    at = np.minimum(np.searchsorted(keys, key), len(keys) - 1)
    return np.where((cust >= 0) & (tier >= 0) & (keys[at] == key), at, -1)


def listed_tickets(ev: Evaluation) -> ListedTickets | None:
    """The evaluation's listed tickets: given to it (``ev.listed``, e.g. merged from
    chunks), else taken from its per-ticket outcomes; None when it has neither."""
    if ev.listed is not None:
        return ev.listed
    if ev.verdicts is None:
        return None
    return ListedTickets.of(ev.verdicts)


def _n_distinct(values: np.ndarray) -> int:
    """How many distinct non-negative ints there are (counted in a bitmap when they are
    small, as keys and group numbers are)."""
    if len(values) == 0:
        return 0
    if int(values.min()) >= 0 and int(values.max()) < 8 * len(values) + 1024:
        return int(np.count_nonzero(np.bincount(values)))
    return len(sorted_unique(values))


class _Selected:
    """One kind's listed rows on the aggregate's groups: ``table`` sorted by group, worst
    first, ``group`` per row, ``count`` per group."""

    def __init__(self, table, group: np.ndarray, count: np.ndarray) -> None:
        self.table, self.group, self.count = table, group, count


def ticket_lists(ev: Evaluation) -> tuple[_Selected, _Selected, _Selected] | None:
    """(breaches, at risk, excluded) per customer-month, as both writers write them."""

    listed = listed_tickets(ev)
    if listed is None:
        return None
    n = len(ev.agg)
    # the groups, keys and kinds of all rows at once; each kind's rows are then taken once
    all_rows, all_counts = listed.table, listed.counts
    group_of = _groups_of(ev, all_rows)
    key_of = _key(all_rows)
    kind_of = all_rows["kind"].to_numpy()
    cgroup_of = _groups_of(ev, all_counts)
    ckind_of = all_counts["kind"].to_numpy()
    count_of = all_counts["count"].to_numpy()
    out = []
    for kind in (BREACHES, AT_RISK, EXCLUDED_TICKETS):
        rows = np.flatnonzero((kind_of == kind) & (group_of >= 0))
        group = group_of[rows]
        if _n_distinct(key_of[rows]) == _n_distinct(group):
            # one customer label per group (the usual case): each key's rows are already
            # worst first and cut, a stable sort by group keeps that order
            order = np.argsort(group, kind="stable")
            table, group = all_rows.take(rows[order]), group[order]
        else:  # a roster id and its name met in one group: choose again among both
            table, group = _worst_first(all_rows.take(rows), group, MAX_TICKETS_LISTED)
        ok = (ckind_of == kind) & (cgroup_of >= 0)
        count = np.bincount(cgroup_of[ok], weights=count_of[ok], minlength=n).astype(np.int64)
        out.append(_Selected(table, group, count))
    return out[0], out[1], out[2]


def _ticket_dicts(ev: Evaluation, sel: _Selected, kind: str,
                  wanted: np.ndarray | None = None) -> list[dict]:
    """Per group: ``{"count": n, "tickets": [...]}``. A breach is ``id, metric, priority,
    due_at, stopped_at, delay_s``; a ticket at risk ``id, metric, priority, due_at,
    elapsed_s, target_s`` (the clause is the objective's, listed beside). ``wanted``: a
    mask of the groups whose tickets are needed (the others' lists stay empty)."""
    tz = ev.policy.header.timezone
    t, group = sel.table, sel.group
    if wanted is not None:  # 1.2 million tickets listed at 10m: 4.5 s of dicts
        keep = np.flatnonzero(wanted[group])
        t, group = t.take(keep), group[keep]
    if kind == "excluded":  # the ticket, its priority and the clause that excluded it
        clauses = _exclusion_clauses(ev)
        cols = {"id": t["id"].to_pylist(), "priority": t["priority"].to_pylist(),
                "clause": [clauses[x] for x in t["exclusion"].to_numpy().tolist()]}
        out = [{"count": int(c), "tickets": []} for c in sel.count.tolist()]
        for k, g in enumerate(group.tolist()):
            out[g]["tickets"].append({name: values[k] for name, values in cols.items()})
        return out
    cols = {"id": t["id"].to_pylist(), "metric": t["metric"].to_pylist(),
            "priority": t["priority"].to_pylist(),
            "due_at": iso_column(t["due_at"].to_numpy(), tz).to_pylist()}
    elapsed, target = t["elapsed"].to_numpy(), t["target"].to_numpy()
    if kind == "breaches":
        cols["stopped_at"] = iso_column(t["stopped_at"].to_numpy(), tz).to_pylist()
        cols["delay_s"] = (elapsed - target).tolist()
    else:
        cols["elapsed_s"], cols["target_s"] = elapsed.tolist(), target.tolist()
    out = [{"count": int(c), "tickets": []} for c in sel.count.tolist()]
    for k, g in enumerate(group.tolist()):
        out[g]["tickets"].append({name: values[k] for name, values in cols.items()})
    return out


def _exclusion_clauses(ev: Evaluation) -> list[str | None]:
    """Each plan exclusion's ``file:line``, by index."""
    return [clause(ex.span) for ex in ev.plan.exclusions]


def evaluation_to_json(ev: Evaluation, customer: str | None = None) -> dict:
    """The evaluation as a JSON-ready dict (see the schema for every field). ``customer``:
    only that customer's entries in ``customers`` (what a report of one customer reads; the
    rest of the document is the whole evaluation's), built without the others'."""
    tz = ev.policy.header.timezone
    lists = ticket_lists(ev)
    subjects = clause_subjects(ev.policy)
    n = len(ev.agg)
    ranges = ev.customer_groups(customer)  # customers' months are the groups, in order
    wanted = None
    if customer is not None:
        wanted = np.zeros(n, dtype=bool)
        for s, e in ranges:
            wanted[s:e] = True
    breaches = _ticket_dicts(ev, lists[0], "breaches", wanted) if lists else [None] * n
    at_risk = _ticket_dicts(ev, lists[1], "at_risk", wanted) if lists else [None] * n
    excluded = _ticket_dicts(ev, lists[2], "excluded", wanted) if lists else [None] * n
    customers = []
    chosen = ev.customers if customer is None else ev.customer(customer)
    firsts = [s for s, _ in ranges]
    for c, g in zip(chosen, firsts, strict=True):
        months = []
        for m in c.months:
            months.append({
                "month": m.bucket.label, "start": iso_local(m.bucket.start, tz),
                "end": iso_local(m.bucket.end, tz), "counts": _counts(m.counts),
                "objectives": [_objective(o) for o in m.objectives],
                "uptime": [_uptime(u) for u in m.uptime],
                "credit": _credit(m.credit, subjects),
                "breaches": breaches[g], "at_risk": at_risk[g], "excluded": excluded[g],
            })
            g += 1
        customers.append({
            "customer": c.customer, "tier": c.tier or None, "counts": _counts(c.counts),
            "objectives": [_objective(o) for o in c.objectives],
            "credit": {"percent": dec(c.credit_percent), "amount": _money(c.credit_amount)},
            "months": months,
        })
    return _document(ev, customers)


def _document(ev: Evaluation, customers: list | None) -> dict:
    """The whole document around the customers list."""
    tz = ev.policy.header.timezone
    total = TicketCounts(*(int(x) for x in ev.agg.g_counts.sum(axis=0))) if len(ev.agg) else (
        TicketCounts())
    p = ev.period
    document = {
        "schema_version": SCHEMA_VERSION,
        "slalang_version": ev.version,
        "policy": {"name": ev.policy.header.name, "version": ev.policy.header.version,
                   "file": ev.policy.source_path, "provider": ev.policy.header.provider or None,
                   **_labels(ev.policy)},
        "tickets_listed": {"max": MAX_TICKETS_LISTED, "at_risk_percent": AT_RISK_PERCENT},
        "policy_hash": ev.policy_hash,
        "data_hash": ev.data_hash,
        "period": {"label": p.label, "kind": p.kind, "timezone": tz,
                   "start": iso_local(p.start, tz), "end": iso_local(p.end, tz),
                   "months": [b.label for b in p.buckets]},
        "as_of": iso_local(ev.as_of, tz),
        "counts": {**_counts(total), "rejected": len(ev.rejected)},
        "input": _input(ev),
        "warnings": [{"code": w.code, "message": w.message, "hint": w.hint or None}
                     for w in ev.warnings],
        "objectives_missed": ev.objectives_missed,
        "credits_due": ev.credits_due,
        "credits_owed": [_money(m) for m in ev.credits_owed],
        "customers": customers,
        "rejected": _problems(ev.rejected),
        "invalid": _problems(ev.invalid),
    }
    if ev.downtime_log is not None:  # the evidence behind the uptime figures
        document["downtime"] = [_downtime_entry(e, p, tz) for e in ev.downtime_log]
    return document


def _downtime_entry(e, period, tz: str) -> dict:
    """One downtime record within one month: what a customer needs to check the uptime."""
    ex = e.exclusion
    return {
        "customer": e.customer, "service": e.service, "month": period.buckets[e.bucket].label,
        "start": iso_local(e.start, tz), "end": iso_local(e.end, tz), "kind": e.kind,
        "note": e.note, "seconds": e.seconds, "counted_seconds": e.counted,
        "exclusion": None if ex is None else {
            "clause": clause(ex.span), "during": ex.during, "reason": ex.reason},
    }


def _input(ev: Evaluation) -> dict | None:
    """The tickets input in numbers (read = evaluated + ignored + rejected for a row per
    ticket), with the rows ignored on purpose per file and reason."""
    c = ev.input
    if c is None:
        return None
    return {"file": c.file, "shape": c.shape, "read": c.read, "evaluated": c.tickets,
            "ignored": c.ignored_rows, "rejected": c.rejected,
            "ignored_rows": [{"file": i.file, "reason": i.reason, "rows": i.rows,
                              "first_row": i.first_row} for i in c.ignored]}


def _problems(rows: Sequence[Rejection]) -> list[dict]:
    """Rows named by file, row, field and reason: the first MAX_REJECTIONS_LISTED."""
    return [{"file": r.file, "row": r.row, "field": r.field, "reason": str(r.reason)}
            for r in rows[:MAX_REJECTIONS_LISTED]]


def load_schema() -> dict:
    """The published JSON Schema of :func:`evaluation_to_json`'s output."""
    return _json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def validate(document: dict) -> None:
    """Raise ``jsonschema.ValidationError`` unless ``document`` follows the schema."""
    import jsonschema

    jsonschema.validate(document, load_schema())


def dumps(ev: Evaluation) -> str:
    return _json.dumps(evaluation_to_json(ev), indent=2, ensure_ascii=False) + "\n"


# -- the columnar writer ------------------------------------------------------------------------
# The same document as evaluation_to_json, built column by column: a million tickets over
# thousands of customers make about a million objective entries, which dicts and json.dumps
# would take a minute to write. The document is cut into pieces (see .pieces): the pieces that
# repeat a lot (a target's fields, a number with the field name after it, the counts) are
# formatted once per distinct value and picked by index, the listed tickets' texts are built
# with pyarrow string kernels, and the whole is written in chunks of pieces.


def _strings(values) -> object:
    import pyarrow as pa

    return pa.array(list(values), type=pa.large_string())


def _pick(table: list[str], index: np.ndarray):
    """``table[index]`` as a pyarrow string array."""
    import pyarrow as pa

    return _strings(table).take(pa.array(np.asarray(index, dtype=np.int64)))


def _unique_ids(pool: Pool, columns: np.ndarray, render) -> np.ndarray:
    """The pool index of ``render(*row)`` for each row of the int matrix ``columns``
    (rows x k), formatting each distinct row once."""
    columns = np.asarray(columns, dtype=np.int64)
    if len(columns) == 0:
        return np.zeros(0, dtype=np.int64)
    # pack each row into one int (mixed radix) so that finding the distinct rows is one
    # integer pass; fall back to row-wise unique when the counts are too large to pack
    radix = columns.max(axis=0) + 1
    if float(np.prod(radix.astype(float))) < 2.0**62:
        key = np.zeros(len(columns), dtype=np.int64)
        for k in range(columns.shape[1]):
            key = key * radix[k] + columns[:, k]
        if int(np.prod(radix)) <= 1 << 24:
            present = np.bincount(key, minlength=int(np.prod(radix))) > 0
            uniq_keys = np.flatnonzero(present)
            inverse = (np.cumsum(present) - 1)[key]
        else:
            uniq_keys, inverse = np.unique(key, return_inverse=True)
        rows = np.empty((len(uniq_keys), columns.shape[1]), dtype=np.int64)
        rest = uniq_keys
        for k in range(columns.shape[1] - 1, -1, -1):
            rest, rows[:, k] = np.divmod(rest, radix[k])
    else:
        rows, inverse = np.unique(columns, axis=0, return_inverse=True)
    return pool.add([render(*row) for row in rows.tolist()]) + inverse.reshape(-1)


def _number_ids(pool: Pool, values: np.ndarray, after: str) -> np.ndarray:
    """The pool index of ``f"{v}{after}"`` for each int ``v`` of ``values``."""
    v = np.asarray(values, dtype=np.int64)
    if len(v) == 0:
        return v
    hi = int(v.max())
    if int(v.min()) >= 0 and hi < 4 * len(v) + 1024:  # small numbers: a table of them all
        return pool.add(_join(_int_strings(np.arange(hi + 1)), after)) + v
    uniq, inverse = np.unique(v, return_inverse=True)
    return pool.add(_join(_int_strings(uniq), after)) + inverse.reshape(-1)


def _join(*parts):
    """Concatenate string arrays and literal strings element-wise."""
    import pyarrow as pa
    import pyarrow.compute as pc

    typed = [pa.scalar(x, pa.large_string()) if isinstance(x, str) else x for x in parts]
    return pc.binary_join_element_wise(*typed, pa.scalar("", pa.large_string()))


def _last_in_row(rows: np.ndarray) -> np.ndarray:
    """1 where an entry is the last of its row (rows sorted), else 0."""
    last = np.ones(len(rows), dtype=np.int64)
    last[:-1] = rows[1:] != rows[:-1]
    return last


def _compliance_text(met: int, decided: int) -> str:
    """As ``_q(compliance, 2)``, in integers: round half up of met x 10000 / decided.

    >>> _compliance_text(2, 3), _compliance_text(1, 8), _compliance_text(0, 0)
    ('"66.67"', '"12.50"', 'null')
    """
    if not decided:
        return "null"
    hundredths = (met * 20000 + decided) // (2 * decided)
    return f'"{hundredths // 100}.{hundredths % 100:02d}"'


class _EntryTexts:
    """The pieces of objective entries that do not depend on the counts, formatted once per
    writer: the target's fields, the compliance texts, what follows the counts."""

    def __init__(self, ev: Evaluation, pool: Pool) -> None:
        obj, a = ev.objectives, ev.agg
        nm, npr = len(a.metrics), len(a.priorities)
        n_flat = obj.has_target.size
        metrics = [_json.dumps(x) for x in a.metrics]
        prios = [_json.dumps(x) for x in a.priorities]
        percents = [_json.dumps(dec(x)) for x in obj.percent.reshape(-1)]
        clauses = [_json.dumps(clause(x)) for x in obj.span.reshape(-1)]
        # the minimum-sample rule after the clause, as _objective writes it
        rules = [_json.dumps(_sample_rule(least, allowed), separators=(",", ":"))[1:-1]
                 for least, allowed in zip(obj.min_tickets.reshape(-1).tolist(),
                                           obj.allowed.reshape(-1).tolist(), strict=True)]
        prefix = []
        for f in range(n_flat):
            mm, pp = divmod(f % (nm * npr), npr)
            prefix.append(f'{{"metric":{metrics[mm]},"priority":{prios[pp]},'
                          f'"objective":{percents[f]},"met":')
        self.prefix = pool.add(prefix)
        # by (target, achieved, last in its row): the separator comes with the entry
        self.suffix = pool.add(
            f',"achieved":{("true", "false", "null")[k // 2 % 3]},"clause":{clauses[k // 6]}'
            + (f",{rules[k // 6]}" if rules[k // 6] else "") + "}"
            + ("" if k % 2 else ",") for k in range(n_flat * 6))


def _objective_entries(ev: Evaluation, pool: Pool, texts: _EntryTexts, tier: np.ndarray,
                       cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The ``objectives`` lists of rows (groups or customers) with tier codes ``tier`` and
    cells ``cells[row, metric, priority, status]``: (row of each entry, its pieces)."""
    obj, a = ev.objectives, ev.agg
    nm, npr = len(a.metrics), len(a.priorities)
    listed = obj.has_target[tier] | (cells.sum(axis=3) > 0)
    at = np.flatnonzero(listed.reshape(-1))  # (row, metric, priority), in order
    r = at // (nm * npr)
    c = cells.reshape(-1, cells.shape[3])[at]
    flat = tier[r] * (nm * npr) + at % (nm * npr)
    met, breached = c[:, MET], c[:, BREACHED]
    # 0 achieved, 1 missed, 2 not judged: the evaluation's own rule, min-sample rules included
    rule = bool(obj.min_tickets.any())
    achieved = judge(met, breached, obj.has_target.reshape(-1)[flat], obj.num.reshape(-1)[flat],
                     obj.den.reshape(-1)[flat], obj.min_tickets.reshape(-1)[flat] if rule else 0,
                     obj.allowed.reshape(-1)[flat] if rule else -1)
    # the counts and the compliance are one piece: a document has a million entries but
    # about a thousand distinct counts, and each piece costs its take (7 pieces an entry
    # took the writer 0.3 s of a 1m document, 3 take it 0.1 s)
    counts = _unique_ids(pool, np.stack([met, breached, c[:, OPEN], c[:, EXCLUDED]], axis=1),
                         _entry_counts)
    pieces = np.stack([
        texts.prefix + flat,
        counts,
        texts.suffix + (flat * 3 + achieved) * 2 + _last_in_row(r),
    ], axis=1)
    return r, pieces


def _entry_counts(met: int, breached: int, open_: int, excluded: int) -> str:
    """An objective entry's counts and compliance, after its ``"met":``.

    >>> _entry_counts(2, 1, 0, 4)
    '2,"breached":1,"open":0,"excluded":4,"compliance":"66.67"'
    """
    return (f'{met},"breached":{breached},"open":{open_},"excluded":{excluded},'
            f'"compliance":{_compliance_text(met, met + breached)}')


def _counts_ids(pool: Pool, counts: np.ndarray) -> np.ndarray:
    return _unique_ids(pool, counts, lambda t, e, o, i: (
        f'{{"tickets":{t},"excluded":{e},"open":{o},"invalid":{i}}}'))


class _Tails:
    """``],"uptime":[...],"credit":{...}`` per group of a chunk: each distinct
    (uptime, credit) formatted once for the whole document."""

    def __init__(self, ev: Evaluation, credits: list) -> None:
        self.uptime, self.credit = ev.uptime, credits
        self.subjects = clause_subjects(ev.policy)
        self.texts: dict[tuple[int, int], str] = {}  # by the objects' ids (ev holds them)

    def __call__(self, pool: Pool, lo: int, hi: int) -> Slot:
        compact = {"ensure_ascii": False, "separators": (",", ":")}
        n = hi - lo
        if n == 0:
            return None, np.zeros(0, dtype=np.int64)
        # groups share their (uptime, credit) objects: the distinct pairs of ids found in
        # numpy, not in a loop over the groups (0.07 s of a 1m document's 0.8 s)
        ids = np.stack([np.fromiter(map(id, self.uptime[lo:hi]), np.uint64, n),
                        np.fromiter(map(id, self.credit[lo:hi]), np.uint64, n)], axis=1)
        pairs, first, inverse = np.unique(ids, axis=0, return_index=True,
                                          return_inverse=True)
        texts: list[str] = []
        for (up_id, cr_id), k in zip(pairs.tolist(), first.tolist(), strict=True):
            key = (up_id, cr_id)
            text = self.texts.get(key)
            if text is None:
                up, cr = self.uptime[lo + k], self.credit[lo + k]
                text = self.texts[key] = (
                    f'],"uptime":{_json.dumps([_uptime(u) for u in up], **compact)}'
                    f',"credit":{_json.dumps(_credit(cr, self.subjects), **compact)}')
            texts.append(text)
        return None, pool.add(texts) + inverse.reshape(-1)


def _json_strings(values: list) -> list[str]:
    return [_json.dumps(v, ensure_ascii=False) for v in values]


def _int_strings(values: np.ndarray):
    import pyarrow as pa

    return pa.array(np.asarray(values, dtype=np.int64)).cast(pa.large_string())


def _ticket_slots(ev: Evaluation, pool: Pool, sel: _Selected | None, kind: str) -> list:
    """``,"breaches":{"count":n,"tickets":[...]}`` per group: slots for :func:`interleave`,
    the tickets' own texts as a function of the pool and a range of groups (they are made
    chunk by chunk)."""
    if sel is None:
        return [(None, pool.literal(f',"{kind}":null'))]
    head = [(None, pool.literal(f',"{kind}":{{"count":')), (None, _number_ids(pool, sel.count,
                                                                             "")),
            (None, pool.literal(',"tickets":['))]
    group = np.asarray(sel.group, dtype=np.int64)

    def tickets(chunk: Pool, lo: int, hi: int) -> Slot:
        a, b = (int(x) for x in np.searchsorted(group, [lo, hi]))
        pieces = _ticket_pieces(ev, chunk, sel.table.slice(a, b - a), group[a:b], kind)
        return group[a:b] - lo, pieces

    return [*head, tickets, (None, pool.literal("]}"))]


def _ticket_pieces(ev: Evaluation, pool: Pool, t, group: np.ndarray, kind: str) -> np.ndarray:
    """Each listed ticket's JSON text (a breach or a ticket at risk) as a row of pieces, with
    the separator after it unless it is the last of its group. A breach is ``id, metric,
    priority, due_at, stopped_at, delay_s``; a ticket at risk ``id, metric, priority, due_at,
    elapsed_s, target_s``."""
    import pyarrow as pa
    import pyarrow.compute as pc

    k = t.num_rows
    if k == 0:
        return np.zeros((0, 1), dtype=np.int64)
    tz = ev.policy.header.timezone
    ids = t["id"].cast(pa.large_string())
    empty = pool.literal("")
    if pc.all(pc.match_substring_regex(ids, r'^[^"\\\x00-\x1f]*$')).as_py():
        ids = _join('{"id":"', ids, '"')  # nothing to escape: quote them as they are
    else:
        ids = _strings('{"id":' + x for x in _json_strings(ids.to_pylist()))
    p_codes, p_names = _codes(t["priority"])
    if kind == "excluded":  # the ticket, its priority and the clause that excluded it
        clauses = _exclusion_clauses(ev)

        def tail(p: int, x: int) -> str:
            return (f',"priority":{_json.dumps(p_names[p], ensure_ascii=False)}'
                    f',"clause":{_json.dumps(clauses[x], ensure_ascii=False)}}}')

        rest = _unique_ids(pool, np.stack([p_codes, t["exclusion"].to_numpy()], axis=1), tail)
        return np.stack([pool.add(ids) + np.arange(k), rest,
                         np.where(_last_in_row(group) > 0, empty, pool.literal(","))], axis=1)
    m_codes, m_names = _codes(t["metric"])
    due = np.asarray(t["due_at"].to_numpy(), dtype=np.int64)
    due_ok = (due != NAT).astype(np.int64)
    quote = '"'
    # metric and priority, then due_at's opening quote (or null): one text per distinct row
    labels = _unique_ids(pool, np.stack([m_codes, p_codes, due_ok], axis=1), lambda m, p, d: (
        f',"metric":{_json.dumps(m_names[m], ensure_ascii=False)},"priority":'
        f'{_json.dumps(p_names[p], ensure_ascii=False)},"due_at":{quote if d else "null"}'))
    cols = [pool.add(ids) + np.arange(k), labels, _instant_ids(pool, due, tz, empty)]
    elapsed, target = t["elapsed"].to_numpy(), t["target"].to_numpy()
    if kind == "breaches":
        stopped = np.asarray(t["stopped_at"].to_numpy(), dtype=np.int64)
        stopped_ok = (stopped != NAT).astype(np.int64)
        between = [pool.literal(f'{close},"stopped_at":{open_}') for close in ("", quote)
                   for open_ in ("null", quote)]
        cols += [np.asarray(between)[due_ok * 2 + stopped_ok],
                 _instant_ids(pool, stopped, tz, empty),
                 np.where(stopped_ok > 0, pool.literal('","delay_s":'),
                          pool.literal(',"delay_s":')),
                 _number_ids(pool, elapsed - target, "}")]
    else:
        cols += [np.where(due_ok > 0, pool.literal('","elapsed_s":'),
                          pool.literal(',"elapsed_s":')),
                 _number_ids(pool, elapsed, ',"target_s":'), _number_ids(pool, target, "}")]
    cols.append(np.where(_last_in_row(group) > 0, empty, pool.literal(",")))
    return np.stack(cols, axis=1)


def _instant_ids(pool: Pool, instants: np.ndarray, tz: str, empty: int) -> np.ndarray:
    """An instant's ISO 8601 text per instant (``empty`` for none: the quotes or ``null``
    around it are other pieces)."""
    iso = iso_column(instants, tz)
    return np.where(instants != NAT, pool.add(iso) + np.arange(len(instants)), empty)


#: groups (customer-months) per chunk of the document: each chunk is written on a thread
#: while the next is built
CHUNK_GROUPS = 16384


def write_json(ev: Evaluation, out: IO) -> None:
    """Write :func:`evaluation_to_json`'s document (compact) to a stream, fast.

    ``out`` is a binary stream, or a text stream (its ``buffer`` is used when it has one).
    """
    a = ev.agg
    tz = ev.policy.header.timezone
    n = len(a)
    pool = Pool()
    texts = _EntryTexts(ev, pool)
    starts = a.pairs()
    ends = np.append(starts[1:], n) if len(starts) else starts
    pair_of_group = np.repeat(np.arange(len(starts)), ends - starts)
    heads = pool.add(
        f'{{"month":{_json.dumps(b.label)},"start":{_json.dumps(iso_local(b.start, tz))},'
        f'"end":{_json.dumps(iso_local(b.end, tz))},"counts":' for b in ev.period.buckets)
    # the listed tickets are chosen on a thread while the customers' objectives are made
    # here: both are mostly sorts and takes, which release the interpreter lock (0.16 s
    # and 0.07 s of a 1m document, one after the other before)
    with ThreadPoolExecutor(1, thread_name_prefix="slalang-lists") as lister:
        listing = lister.submit(ticket_lists, ev)
        objectives = pool.literal(',"objectives":[')
        # reduceat is much faster over 2-d rows than over the 4-d cells
        pair_cells = (np.add.reduceat(a.cells.reshape(n, -1), starts, axis=0).reshape(
            -1, *a.cells.shape[1:]) if n else a.cells)
        pair_counts = np.add.reduceat(a.g_counts, starts, axis=0) if n else a.g_counts
        n_pairs = len(starts)
        c_rows, c_entries = _objective_entries(ev, pool, texts, a.g_tier[starts], pair_cells)
        c_counts = _counts_ids(pool, pair_counts)
        # the document around the customers too (its verdict totals: 20 ms)
        text = _json.dumps(_document(ev, customers=None), ensure_ascii=False,
                           separators=(",", ":"))
        lists = listing.result()
    customer_of = np.asarray(starts, dtype=np.int64)  # a customer's pieces go with its months
    credits = ev.credit.tolist()

    # a customer's credit over the period, by its months' Credit objects (which the
    # evaluation shares between months alike): summed and formatted once per distinct run
    credit_tails: dict[tuple[int, ...], str] = {}
    # json.dumps(text, ensure_ascii=False) is this function, called without the encoder's
    # set-up (5,000 customers: 2 us each instead of 5)
    quoted = _json.encoder.encode_basestring
    tier_texts = [quoted(t) if t else "null" for t in a.tiers]
    customer_texts = [quoted(c) for c in a.customers]

    def customer_fields(chunk: Pool, lo: int, hi: int) -> list[Slot]:
        """The fields of the customers whose first month is in the chunk, before it."""
        p0, p1 = (int(x) for x in np.searchsorted(customer_of, [lo, hi]))
        heads, tails = [], []
        for s, e in zip(starts[p0:p1].tolist(), ends[p0:p1].tolist(), strict=True):
            heads.append(f'{{"customer":{customer_texts[a.g_customer[s]]},'
                         f'"tier":{tier_texts[a.g_tier[s]]},"counts":')
            key = tuple(map(id, credits[s:e]))
            tail = credit_tails.get(key)
            if tail is None:
                percent, amount = sum_credits(credits[s:e])
                credit = _json.dumps({"percent": dec(percent), "amount": _money(amount)},
                                     separators=(",", ":"))
                tail = credit_tails[key] = f'],"credit":{credit},"months":['
            tails.append(tail)
        units = customer_of[p0:p1] - lo
        r0, r1 = (int(x) for x in np.searchsorted(c_rows, [p0, p1]))
        return [(units, chunk.add(heads) + np.arange(p1 - p0)), (units, c_counts[p0:p1]),
                (units, np.full(p1 - p0, objectives)),
                (customer_of[c_rows[r0:r1]] - lo, c_entries[r0:r1]),
                (units, chunk.add(tails) + np.arange(p1 - p0))]

    closes = np.full(n_pairs, pool.literal("]},"))
    closes[-1:] = pool.literal("]}")
    slots = [
        # the customer's own fields, before its first month
        customer_fields,
        # each month
        (None, heads + np.asarray(a.g_bucket, dtype=np.int64)),
        (None, _counts_ids(pool, a.g_counts)), (None, objectives),
        # made chunk by chunk, while the previous chunk is written
        lambda chunk, lo, hi: _objective_entries(ev, chunk, texts, a.g_tier[lo:hi],
                                                 a.cells[lo:hi]),
        _Tails(ev, credits),
        *_ticket_slots(ev, pool, lists and lists[0], "breaches"),
        *_ticket_slots(ev, pool, lists and lists[1], "at_risk"),
        *_ticket_slots(ev, pool, lists and lists[2], "excluded"),
        (None, pool.literal("},") + _last_in_row(pair_of_group) * (
            pool.literal("}") - pool.literal("},"))),
        # the customer's end, after its last month
        (customer_of + (ends - starts) - 1, closes),
    ]

    before, after = text.split('"customers":null', 1)
    binary = getattr(out, "buffer", None)
    if binary is None and not isinstance(out, io.TextIOBase):
        binary = out
    elif binary is not None:
        out.flush()

    def write(data) -> None:
        if binary is not None:
            binary.write(data)
        else:
            out.write(bytes(data).decode("utf-8"))

    write(f'{before}"customers":['.encode())
    with BackgroundWriter(write) as writer:
        for lo in range(0, n, CHUNK_GROUPS):
            hi = min(lo + CHUNK_GROUPS, n)
            chunk = Pool(pool)
            part: list[Slot] = []
            for slot in slots:
                got = slot(chunk, lo, hi) if callable(slot) else slot_range(slot, lo, hi)
                part.extend(got if isinstance(got, list) else [got])
            seq, _ = interleave(hi - lo, part)
            writer.put(chunk.table(), seq)
    write(f"]{after}\n".encode())
