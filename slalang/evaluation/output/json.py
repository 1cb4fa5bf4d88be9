"""The evaluation as JSON, following the published schema
``slalang/schemas/evaluation.schema.json``.

Percentages and money are strings holding exact decimals (``"99.888"``, ``"400.00"``) so that
no value is rounded by a float on the way; counts are integers; instants are ISO 8601 with the
policy zone's offset. Compliance is rounded half-up to 2 decimals and uptime to 3 for display;
the ``achieved``/``met`` flags are decided on exact values.
"""

from __future__ import annotations

import io
import json as _json
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import IO

import numpy as np

from slalang.evaluation.compliance import (
    BREACHED,
    EXCLUDED,
    MET,
    OPEN,
    ObjectiveResult,
    TicketCounts,
)
from slalang.evaluation.credits import Credit, sum_credits
from slalang.evaluation.evaluate import Evaluation
from slalang.evaluation.output.common import clause, dec, iso_local
from slalang.evaluation.uptime import UptimeResult
from slalang.model import Money

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
    }


def _uptime(u: UptimeResult) -> dict:
    return {
        "service": u.service, "target": dec(u.target), "seconds": u.seconds,
        "downtime_seconds": u.downtime, "uptime": _q(u.uptime, 3), "met": u.met,
        "clause": clause(u.span),
    }


def _credit(c: Credit) -> dict:
    return {
        "percent": dec(c.percent), "uncapped_percent": dec(c.uncapped), "cap": dec(c.cap),
        "capped": c.capped, "fee": _money(c.fee), "amount": _money(c.amount),
        "cap_clause": clause(c.cap_span),
        "lines": [{"clause": ln.clause, "percent": dec(ln.percent), "reason": ln.reason,
                   "source": clause(ln.span)} for ln in c.lines],
    }


def evaluation_to_json(ev: Evaluation) -> dict:
    """The evaluation as a JSON-ready dict (see the schema for every field)."""
    tz = ev.policy.header.timezone
    customers = []
    for c in ev.customers:
        customers.append({
            "customer": c.customer, "tier": c.tier or None, "counts": _counts(c.counts),
            "objectives": [_objective(o) for o in c.objectives],
            "credit": {"percent": dec(c.credit_percent), "amount": _money(c.credit_amount)},
            "months": [{
                "month": m.bucket.label, "start": iso_local(m.bucket.start, tz),
                "end": iso_local(m.bucket.end, tz), "counts": _counts(m.counts),
                "objectives": [_objective(o) for o in m.objectives],
                "uptime": [_uptime(u) for u in m.uptime], "credit": _credit(m.credit),
            } for m in c.months],
        })
    return _document(ev, customers)


def _document(ev: Evaluation, customers: list | None) -> dict:
    """The whole document around the customers list."""
    tz = ev.policy.header.timezone
    total = TicketCounts(*(int(x) for x in ev.agg.g_counts.sum(axis=0))) if len(ev.agg) else (
        TicketCounts())
    p = ev.period
    return {
        "schema_version": SCHEMA_VERSION,
        "slalang_version": ev.version,
        "policy": {"name": ev.policy.header.name, "version": ev.policy.header.version,
                   "file": ev.policy.source_path},
        "policy_hash": ev.policy_hash,
        "data_hash": ev.data_hash,
        "period": {"label": p.label, "kind": p.kind, "timezone": tz,
                   "start": iso_local(p.start, tz), "end": iso_local(p.end, tz),
                   "months": [b.label for b in p.buckets]},
        "as_of": iso_local(ev.as_of, tz),
        "counts": {**_counts(total), "rejected": len(ev.rejected)},
        "objectives_missed": ev.objectives_missed,
        "credits_due": ev.credits_due,
        "customers": customers,
        "rejected": [{"file": getattr(r, "file", None), "row": getattr(r, "row", None),
                      "field": getattr(r, "field", None), "reason": str(getattr(r, "reason", r))}
                     for r in ev.rejected[:MAX_REJECTIONS_LISTED]],
    }


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
# The same document as evaluation_to_json, built column by column with pyarrow string kernels:
# a million tickets over thousands of customers make about a million objective entries, which
# dicts and json.dumps would take a minute to write. Each entry is cut into a few pieces that
# repeat a lot (the target's fields; the counts) so that each distinct piece is formatted once
# in Python and picked by index; pyarrow then concatenates and joins them.


def _strings(values) -> object:
    import pyarrow as pa

    return pa.array(list(values), type=pa.large_string())


def _pick(table: list[str], index: np.ndarray):
    """``table[index]`` as a pyarrow string array."""
    import pyarrow as pa

    return _strings(table).take(pa.array(np.asarray(index, dtype=np.int64)))


def _unique_format(columns: np.ndarray, render) -> object:
    """``render(*row)`` for each row of the int matrix ``columns`` (rows x k), formatting each
    distinct row once."""
    columns = np.asarray(columns, dtype=np.int64)
    if len(columns) == 0:
        return _strings([])
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
    return _pick([render(*row) for row in rows.tolist()], inverse.reshape(-1))


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


def _per_row(entries, rows: np.ndarray, n: int):
    """One string per row: the concatenation of its entries (sorted by row, each already
    ending with its separator). No copy: a new offsets buffer over the entries' data."""
    import pyarrow as pa

    entries = entries.combine_chunks() if isinstance(entries, pa.ChunkedArray) else entries
    if entries.offset or entries.null_count:
        entries = pa.concat_arrays([entries])  # a fresh array: offsets from 0, no nulls
    offsets = np.frombuffer(entries.buffers()[1], dtype=np.int64)[:len(entries) + 1]
    bounds = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=bounds[1:])
    return pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets[bounds].copy()),
                                            entries.buffers()[2])


def _compliance_text(met: int, decided: int) -> str:
    """As ``_q(compliance, 2)``, in integers: round half up of met x 10000 / decided.

    >>> _compliance_text(2, 3), _compliance_text(1, 8), _compliance_text(0, 0)
    ('"66.67"', '"12.50"', 'null')
    """
    if not decided:
        return "null"
    hundredths = (met * 20000 + decided) // (2 * decided)
    return f'"{hundredths // 100}.{hundredths % 100:02d}"'


def _objective_entries(ev: Evaluation, tier: np.ndarray, cells: np.ndarray):
    """The ``objectives`` lists of rows (groups or customers) with tier codes ``tier`` and
    cells ``cells[row, metric, priority, status]``: one JSON array body per row."""
    obj, a = ev.objectives, ev.agg
    nm, npr = len(a.metrics), len(a.priorities)
    listed = obj.has_target[tier] | (cells.sum(axis=3) > 0)
    r, m, p = np.nonzero(listed)
    c = cells[r, m, p]
    flat = (tier[r] * nm + m) * npr + p
    met, breached = c[:, MET], c[:, BREACHED]
    decided = met + breached
    has = obj.has_target.reshape(-1)[flat]
    num, den = obj.num.reshape(-1)[flat], obj.den.reshape(-1)[flat]
    achieved = np.where(has & (decided > 0), np.where(met * 100 * den >= num * decided, 0, 1),
                        2)
    n_flat = obj.has_target.size
    metrics = [_json.dumps(x) for x in a.metrics]
    prios = [_json.dumps(x) for x in a.priorities]
    percents = [_json.dumps(dec(x)) for x in obj.percent.reshape(-1)]
    clauses = [_json.dumps(clause(x)) for x in obj.span.reshape(-1)]
    prefix = []
    for f in range(n_flat):
        mm, pp = divmod(f % (nm * npr), npr)
        prefix.append(f'{{"metric":{metrics[mm]},"priority":{prios[pp]},'
                      f'"objective":{percents[f]},')
    # suffix by (target, achieved, last in its row): the separator comes with the entry
    suffix = [f',"achieved":{("true", "false", "null")[k // 2 % 3]},"clause":{clauses[k // 6]}}}'
              + ("" if k % 2 else ",") for k in range(n_flat * 6)]
    # one distinct entry text per (target, verdict counts): the entries repeat a lot
    columns = np.stack([(flat * 3 + achieved) * 2 + _last_in_row(r), met, breached, c[:, OPEN],
                        c[:, EXCLUDED]], axis=1)
    entries = _unique_format(columns, lambda fa, me, br, op, ex: (
        f'{prefix[fa // 6]}"met":{me},"breached":{br},"open":{op},"excluded":{ex},'
        f'"compliance":{_compliance_text(me, me + br)}{suffix[fa]}'))
    return _per_row(entries, r, len(tier))


def _counts_json(counts: np.ndarray):
    return _unique_format(counts, lambda t, e, o, i: (
        f'{{"tickets":{t},"excluded":{e},"open":{o},"invalid":{i}}}'))


def _cached_tails(uptime: list, credit: list, last: np.ndarray) -> list[str]:
    """``],"uptime":[...],"credit":{...}}`` (+ ``,`` unless last) per group, formatted once
    per distinct (uptime, credit, last)."""
    cache: dict[tuple[int, int, int], str] = {}
    compact = {"ensure_ascii": False, "separators": (",", ":")}
    out = []
    for up, cr, is_last in zip(uptime, credit, last.tolist(), strict=True):
        key = (id(up), id(cr), is_last)
        text = cache.get(key)
        if text is None:
            text = cache[key] = (f'],"uptime":{_json.dumps([_uptime(u) for u in up], **compact)}'
                                 f',"credit":{_json.dumps(_credit(cr), **compact)}}}'
                                 + ("" if is_last else ","))
        out.append(text)
    return out


def write_json(ev: Evaluation, out: IO) -> None:
    """Write :func:`evaluation_to_json`'s document (compact) to a stream, fast.

    ``out`` is a binary stream, or a text stream (its ``buffer`` is used when it has one).
    """
    a = ev.agg
    tz = ev.policy.header.timezone
    n = len(a)
    starts = a.pairs()
    ends = np.append(starts[1:], n) if len(starts) else starts
    pair_of_group = np.repeat(np.arange(len(starts)), ends - starts)
    heads = [f'{{"month":{_json.dumps(b.label)},"start":{_json.dumps(iso_local(b.start, tz))},'
             f'"end":{_json.dumps(iso_local(b.end, tz))},"counts":' for b in ev.period.buckets]
    months = _join(_pick(heads, a.g_bucket), _counts_json(a.g_counts), ',"objectives":[',
                   _objective_entries(ev, a.g_tier, a.cells),
                   _strings(_cached_tails(ev.uptime, ev.credit.tolist(),
                                          _last_in_row(pair_of_group))))

    pair_cells = np.add.reduceat(a.cells, starts, axis=0) if n else a.cells
    pair_counts = np.add.reduceat(a.g_counts, starts, axis=0) if n else a.g_counts
    heads, tails = [], []
    for k, (s, e) in enumerate(zip(starts.tolist(), ends.tolist(), strict=True)):
        customer, tier = a.customers[a.g_customer[s]], a.tiers[a.g_tier[s]]
        heads.append(f'{{"customer":{_json.dumps(customer, ensure_ascii=False)},'
                     f'"tier":{_json.dumps(tier or None, ensure_ascii=False)},"counts":')
        percent, amount = sum_credits(ev.credit[s:e].tolist())
        credit = _json.dumps({"percent": dec(percent), "amount": _money(amount)},
                             separators=(",", ":"))
        tails.append((f'],"credit":{credit},"months":[', "]}" if k == len(starts) - 1
                      else "]},"))
    customers = _join(
        _strings(h for h in heads), _counts_json(pair_counts), ',"objectives":[',
        _objective_entries(ev, a.g_tier[starts], pair_cells), _strings(t for t, _ in tails),
        _per_row(months, pair_of_group, len(starts)), _strings(c for _, c in tails))

    text = _json.dumps(_document(ev, customers=None), ensure_ascii=False,
                       separators=(",", ":"))
    before, after = text.split('"customers":null', 1)
    binary = getattr(out, "buffer", None)
    if binary is None and not isinstance(out, io.TextIOBase):
        binary = out
    elif binary is not None:
        out.flush()

    def write(data: bytes) -> None:
        if binary is not None:
            binary.write(data)
        else:
            out.write(bytes(data).decode("utf-8"))

    write(f'{before}"customers":['.encode())
    if len(customers):
        # the customers' texts lie back to back in one buffer: write it as it is
        offsets = np.frombuffer(customers.buffers()[1], dtype=np.int64)
        lo, hi = int(offsets[customers.offset]), int(offsets[customers.offset + len(customers)])
        write(memoryview(customers.buffers()[2])[lo:hi])
    write(f"]{after}\n".encode())
