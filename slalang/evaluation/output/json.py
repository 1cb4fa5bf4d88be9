"""The evaluation as JSON, following the published schema
``slalang/schemas/evaluation.schema.json``.

Percentages and money are strings holding exact decimals (``"99.888"``, ``"400.00"``) so that
no value is rounded by a float on the way; counts are integers; instants are ISO 8601 with the
policy zone's offset. Compliance is rounded half-up to 2 decimals and uptime to 3 for display;
the ``achieved``/``met`` flags are decided on exact values.
"""

from __future__ import annotations

import json as _json
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from slalang.evaluation.compliance import ObjectiveResult, TicketCounts
from slalang.evaluation.credits import Credit
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
    total = TicketCounts()
    for m in ev.months:
        total = total + m.counts
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
