"""Running policy tests: build each test's tickets, evaluate, compare with the expectations.

Each test is evaluated with the public :func:`slalang.evaluation.evaluate` on tickets written
through the ordinary canonical reader (so a test ticket means what a real export means). What
each test exercised (plan rows, exclusions, credit clauses, calendar features) is recorded for
``slalang test --coverage`` (:mod:`slalang.policytest.coverage`).
"""

from __future__ import annotations

import csv
import json
import tempfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from slalang.errors import SlalangError
from slalang.model import Policy, Span
from slalang.policytest.spec import (
    Node,
    Suite,
    format_local,
    iso,
    parse_duration,
    parse_local,
    parse_percent,
)

#: short ticket field names -> canonical ones
FIELDS = {"created": "created_at", "response": "first_response_at",
          "first_response": "first_response_at", "resolved": "resolved_at",
          "closed": "closed_at"}
INSTANTS = ("created_at", "first_response_at", "resolved_at", "closed_at")


@dataclass(frozen=True)
class Failure:
    """One expectation not met: what, expected vs actual, and where (test line, clause)."""

    subject: str
    field: str
    expected: str
    actual: str
    #: the expectation's line in the test file
    line: int | None
    #: the policy clause that decided the value
    clause: Span | None = None


@dataclass
class Exercised:
    """What a test measured and asserted, for coverage."""

    rows: set[int] = field(default_factory=set)
    exclusions: set[int] = field(default_factory=set)
    #: (tier, clause span)
    credits: set[tuple[str, Span]] = field(default_factory=set)
    #: (calendar, feature)
    features: set[tuple[str, str]] = field(default_factory=set)

    def update(self, other: Exercised) -> None:
        self.rows |= other.rows
        self.exclusions |= other.exclusions
        self.credits |= other.credits
        self.features |= other.features


@dataclass(frozen=True)
class CaseResult:
    file: str
    name: str
    line: int
    failures: tuple[Failure, ...] = ()
    #: the test could not run (a ticket refused, an unknown metric): the reason
    error: str | None = None
    exercised: Exercised = field(default_factory=Exercised)
    checks: int = 0

    @property
    def passed(self) -> bool:
        return self.error is None and not self.failures


class TestError(SlalangError):
    """A test that cannot run as written (reported as an error of that test)."""

    __test__ = False  # not a pytest class


def _ticket_rows(test: Node, defaults: dict, zone: str) -> list[dict]:
    rows = []
    for i, raw in enumerate(test["tickets"], start=1):
        row = {"id": f"T{i}", **defaults, **test.get("defaults", {})}
        for key, value in raw.items():
            row[FIELDS.get(key, key)] = value
        for key in INSTANTS:
            if row.get(key) is not None:
                row[key] = iso(row[key], zone)
        if "events" in row:
            row["events"] = [{k: iso(v, zone) if k == "at" else v for k, v in e.items()}
                             for e in row["events"]]
        rows.append(row)
    return rows


def _read_data(test: Node, defaults: dict, zone: str, tmp: Path):
    """The test's tickets and downtime through the canonical readers."""
    from slalang.data import read_downtime, read_tickets

    rows = _ticket_rows(test, defaults, zone)
    path = tmp / "tickets.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    table = read_tickets(path)
    if table.rejected:
        r = table.rejected[0]
        ticket = rows[r.row - 1]["id"] if 0 < r.row <= len(rows) else f"#{r.row}"
        raise TestError(f"ticket {ticket}: {r.reason}" + (f" ({r.field})" if r.field else ""))
    down = None
    if test.get("downtime"):
        path = tmp / "downtime.csv"
        with open(path, "w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["customer", "service", "start", "end", "kind"])
            for d in test["downtime"]:
                w.writerow([d["customer"], d["service"], iso(d["start"], zone),
                            iso(d["end"], zone), d.get("kind", "unplanned")])
        down = read_downtime(path)
        if down.rejected:
            r = down.rejected[0]
            raise TestError(f"downtime #{r.row - 1}: {r.reason}")
    return table, down


def run_case(suite: Suite, test: Node, policy: Policy, plan, roster) -> CaseResult:
    """Run one test of ``suite`` against the checked ``policy`` (its ``plan``, ``roster``)."""
    from slalang.evaluation import evaluate

    zone = policy.header.timezone
    name = test["name"]
    try:
        if test.get("roster"):
            from slalang.roster import load_roster

            roster = load_roster(Path(suite.path).parent / test["roster"], policy)
        with tempfile.TemporaryDirectory(prefix="slalang-test-") as tmp:
            table, down = _read_data(test, suite.data.get("defaults", {}), zone, Path(tmp))
        as_of = parse_local(test["as_of"], zone) if test.get("as_of") else None
        ev = evaluate(plan, table, down, roster, as_of=as_of, period=test.get("period"))
        failures, checks, exercised = _compare(test, ev, zone, down)
        if not checks:  # `expect: {tickets: {T1: {}}}` passed having compared nothing
            raise TestError("expect: this test checks nothing: give a ticket's status, "
                            "elapsed or due, or a month's compliance, achieved or credit")
    except SlalangError as exc:
        return CaseResult(suite.path, name, test.line, error=str(exc))
    return CaseResult(suite.path, name, test.line, tuple(failures), None, exercised, checks)


def _compare(test: Node, ev, zone: str, down) -> tuple[list[Failure], int, Exercised]:
    from slalang.policytest.coverage import exercised_by

    failures: list[Failure] = []
    checks = 0
    out, tickets, plan = ev.outcomes, ev.tickets, ev.plan
    index = {str(t): i for i, t in enumerate(tickets.id)}
    metrics = list(out.metrics)
    asserted_rows: list[int] = []
    expect = test["expect"]
    for ticket, per_metric in expect.get("tickets", {}).items():
        if ticket not in index:
            raise TestError(f"expect: no ticket {ticket!r} in this test (tickets: "
                            f"{', '.join(index)})")
        for metric, want in per_metric.items():
            if metric not in metrics:
                from slalang.diagnostics import did_you_mean

                hint = did_you_mean(metric, metrics)
                raise TestError(f"expect: ticket {ticket}: no metric {metric!r} in the policy "
                                f"(metrics: {', '.join(metrics)})" + (f"; {hint}" if hint else ""))
            r = index[ticket] * len(metrics) + metrics.index(metric)
            asserted_rows.append(r)
            want = {"status": want} if isinstance(want, str) else want
            row, exc = int(out.plan_row[r]), int(out.exclusion[r])
            clause = plan.rows[row].span if row >= 0 else (
                plan.exclusions[exc].span if exc >= 0 else None)
            due = int(out.due_at[r])
            actual = {"status": out.status_names[int(out.status[r])],
                      "elapsed": int(out.elapsed[r]),
                      "due": None if due < -(2 ** 62) else due}
            line = getattr(per_metric, "line", None)
            for key, value in want.items():
                checks += 1
                got = actual[key]
                if key == "elapsed":
                    ok, shown = parse_duration(value) == got, _duration(got)
                elif key == "due":
                    ok = (got is None) if value == "none" else parse_local(value, zone) == got
                    shown = "none" if got is None else format_local(got, zone)
                else:
                    ok, shown = value == got, got
                if not ok:
                    failures.append(Failure(f"ticket {ticket} {metric}", key, str(value),
                                            str(shown), line, clause))
    months = {}
    for m in ev.months:
        months.setdefault((m.customer, m.bucket.label), m)
    asserted_months = []
    for want in expect.get("months", []):
        customer = want["customer"]
        if ev.roster is not None and ev.roster.get(customer) is not None:
            customer = ev.roster.get(customer).name
        month = months.get((customer, want["month"]))
        subject = f"{want['customer']} {want['month']}"
        if month is None:
            checks += 1
            failures.append(Failure(subject, "month", "evaluated", "not in the evaluation",
                                    want.line))
            continue
        asserted_months.append((month, want))
        results = {f"{o.metric} {o.priority}": o for o in month.objectives}
        for kind in ("compliance", "achieved"):
            for key, value in want.get(kind, {}).items():
                checks += 1
                o = results.get(key)
                if o is None:
                    failures.append(Failure(subject, f"{kind} {key}", str(value),
                                            "no such objective (write it 'metric priority': "
                                            f"{', '.join(results) or 'none'})", want.line))
                    continue
                if kind == "compliance":
                    got = o.compliance
                    if value == "n/a":
                        ok, shown = got is None, "n/a" if got is None else f"{got}%"
                    else:
                        exp = parse_percent(value)
                        shown = "n/a" if got is None else f"{got.quantize(exp)}%"
                        ok = got is not None and got.quantize(exp) == exp
                else:
                    ok, shown = o.achieved == value, o.achieved
                if not ok:
                    failures.append(Failure(subject, f"{kind} {key}", _yaml(value),
                                            _yaml(shown), want.line, o.span))
        uptimes = {u.service: u for u in month.uptime}
        for service, value in want.get("uptime", {}).items():
            checks += 1
            u = uptimes.get(service)
            if u is None:
                failures.append(Failure(subject, f"uptime {service}", value,
                                        f"not measured (services: {', '.join(uptimes) or 'none'})",
                                        want.line))
                continue
            exp = parse_percent(value)
            if u.uptime.quantize(exp) != exp:
                failures.append(Failure(subject, f"uptime {service}", value,
                                        f"{u.uptime.quantize(exp)}%", want.line, u.span))
        credit = month.credit
        clause = credit.lines[0].span if credit.lines else credit.cap_span
        if "credit" in want:
            checks += 1
            if parse_percent(want["credit"]) != credit.percent:
                failures.append(Failure(subject, "credit", want["credit"],
                                        f"{credit.percent.normalize():f}%", want.line, clause))
        if "credit_amount" in want:
            checks += 1
            amount, currency = want["credit_amount"].split()
            got = credit.amount
            shown = f"{got.amount} {got.currency}" if got is not None else "no fee"
            if got is None or (Decimal(amount), currency) != (got.amount, got.currency):
                failures.append(Failure(subject, "credit_amount", want["credit_amount"], shown,
                                        want.line, clause))
    return failures, checks, exercised_by(ev, asserted_rows, asserted_months, down)


def _duration(seconds: int) -> str:
    from slalang.plan.text import format_duration

    return format_duration(seconds)


def _yaml(value) -> str:
    """A value as YAML writes it (true, false, null)."""
    if value is None or isinstance(value, bool):
        return {True: "true", False: "false", None: "null"}[value]
    return str(value)


def run_suite(suite: Suite) -> tuple[object, list[CaseResult]]:
    """Run every test of a loaded test file: (the policy's plan, one result per test).

    Raises ``PolicyError`` when the policy is not valid, ``DataError`` for its roster."""
    from slalang.language import load_policy
    from slalang.plan import compile_plan
    from slalang.roster import load_roster, roster_for

    policy = load_policy(suite.policy)
    plan = compile_plan(policy)
    roster = load_roster(suite.roster, policy) if suite.roster else roster_for(policy)
    return plan, [run_case(suite, test, policy, plan, roster) for test in suite.data["tests"]]
