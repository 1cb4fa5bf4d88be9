"""The report's view of an evaluation: read from the evaluation JSON dict, never recomputed.

:func:`build_report` turns the dict written by ``slalang evaluate --json`` (schema
``slalang/schemas/evaluation.schema.json``) into plain dataclasses the templates walk. Every
measured number (compliance %, uptime %, credit %, credit amounts) is carried over as the
evaluation's own exact string; templates only format it. The tickets worth a look come with
the evaluation too: each customer-month lists its breached verdicts and its open ones at risk
(the worst few, with their count; see ``docs/evaluation/outputs.md``), so the JSON alone makes
the full report. A verdict CSV (``slalang evaluate --csv``, :func:`read_verdicts`) may be given
instead, for every breach rather than the worst few:

* *breaches*: the ticket verdicts whose status is ``breached``, with their delay
  (``elapsed_s - target_s`` in business seconds, as the verdict states it);
* *at risk*: open verdicts that have consumed at least :data:`AT_RISK_SHARE` of their target
  at ``as_of`` (elapsed / target ≥ 75 %);
* portfolio and public totals: sums of the evaluation's credit amounts and ticket counts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any

from slalang.diagnostics import did_you_mean
from slalang.errors import DataError

#: an open ticket is at risk once its clock has used this percentage of its target (the
#: evaluation's :data:`slalang.evaluation.listed.AT_RISK_PERCENT`, stated again here so that
#: reading a document loads no evaluation code; a test keeps the two equal)
AT_RISK_PERCENT = 75


def to_decimal(value: object, what: str = "number") -> Decimal:
    """An exact number from the evaluation's text (or an int/Decimal), never through a float.

    >>> to_decimal("97.50")
    Decimal('97.50')
    """
    if isinstance(value, bool) or value is None:
        raise DataError(f"expected a {what}, got {value!r}")
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise DataError(f"expected a {what}, got {value!r}") from None

#: an open ticket is "at risk" once it has used this share of its target at ``as_of``
AT_RISK_SHARE = Decimal(AT_RISK_PERCENT) / 100
#: the evaluation JSON versions this module reads
FORMAT_VERSIONS = (1,)


@dataclass(frozen=True)
class Clause:
    """Where a term stands in the policy (``policies/reference.sla:42``)."""

    file: str
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


def toward_verdict(exact: Decimal | None, given: str | None, goal: str | None,
                   achieved: bool | None) -> str | None:
    """The percentage to show: never one that contradicts the verdict.

    The evaluation rounds half up (``"99.900"`` for 99.89998 %); beside a missed 99.9 %
    that reads as met. When the evaluation's text would reach the goal of a missed promise,
    the value is rounded *down* instead (toward the verdict), with at least the decimals of
    the text and of the goal. Every other value keeps the evaluation's text: a met value can
    only be rounded further above its goal, and 2/3 still reads 66.67 %.

    >>> toward_verdict(Decimal(2678400 - 2679) * 100 / 2678400, "99.900", "99.9", False)
    '99.899'
    >>> toward_verdict(Decimal("94.996"), "95.00", "95", False)
    '94.99'
    >>> toward_verdict(None, "80", "95", False)
    '80'
    >>> toward_verdict(Decimal(2) * 100 / 3, "66.67", "95", False)
    '66.67'
    """
    if given is None or exact is None or achieved is not False or goal is None:
        return given
    if Decimal(given) < Decimal(goal):
        return given
    places = max(_places(given), _places(goal))
    return str(exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_FLOOR))


def _places(text: str | None) -> int:
    if not text:
        return 0
    exponent = Decimal(text).as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def plain_target(text: str | None) -> str | None:
    """A promised percentage written one way wherever it appears (``99.0`` and ``99`` are
    both ``99``): a target is a number the contract states, not a measurement.

    >>> plain_target("99.0"), plain_target("99.90"), plain_target("99.95"), plain_target(None)
    ('99', '99.9', '99.95', None)
    """
    if text is None:
        return None
    d = Decimal(text)
    return str(d.quantize(Decimal(1)) if d == d.to_integral() else d.normalize())


@dataclass(frozen=True)
class ComplianceRow:
    metric: str
    priority: str
    objective: str | None
    met: int
    breached: int
    open: int
    excluded: int
    #: exact percent string from the evaluation; None when not applicable
    percent: str | None
    achieved: bool | None
    clause: Clause | None
    #: the objective's minimum-sample rule, when it has one
    min_tickets: int | None = None
    allowed_misses: int | None = None

    @property
    def decided(self) -> int:
        return self.met + self.breached

    @property
    def small_sample(self) -> bool:
        """Fewer decided tickets than the objective's minimum: judged by its rule, not by the
        percentage (so 3 of 4 can meet a 95 % objective, and the report says why)."""
        return self.min_tickets is not None and 0 < self.decided < self.min_tickets

    @property
    def shown(self) -> str | None:
        """:attr:`percent` as the report shows it (see :func:`toward_verdict`)."""
        exact = Decimal(self.met * 100) / self.decided if self.decided else None
        return toward_verdict(exact, self.percent, self.objective, self.achieved)


@dataclass(frozen=True)
class UptimeRow:
    service: str
    #: the month's real length and the downtime counted in it, seconds
    seconds: int | None
    downtime_seconds: int | None
    percent: str
    objective: str | None
    achieved: bool | None
    clause: Clause | None

    @property
    def shown(self) -> str:
        """:attr:`percent` as the report shows it (see :func:`toward_verdict`)."""
        exact = None
        if self.seconds and self.downtime_seconds is not None:
            exact = Decimal((self.seconds - self.downtime_seconds) * 100) / self.seconds
        return toward_verdict(exact, self.percent, self.objective, self.achieved) or ""

    @property
    def promised(self) -> bool:
        """Whether the contract promises an uptime for this service (else: measured only)."""
        return self.objective is not None


@dataclass(frozen=True)
class CreditItem:
    """One clause that pays (the evaluation's credit line)."""

    #: ``uptime`` or ``objective``
    kind: str
    #: the evaluation's own explanation, e.g. ``uptime of email 99.79 % below 99.9 %``
    reason: str
    #: percent of the monthly fee
    percent: str
    clause: Clause | None
    #: the clause's own amount (before the month's cap); None without a fee
    amount: str | None = None
    #: an uptime line: the step's threshold; an objective line: the missed objective
    below: str | None = None
    metric: str | None = None
    priority: str | None = None


@dataclass(frozen=True)
class Credits:
    items: tuple[CreditItem, ...]
    #: after the cap, percent of the monthly fee
    percent: str
    #: in money; None when the customer has no fee
    amount: str | None
    currency: str
    fee: str | None
    subtotal_percent: str | None
    cap_percent: str | None
    capped: bool
    cap_clause: Clause | None = None


@dataclass(frozen=True)
class Verdict:
    """One ticket x metric verdict (a row of ``slalang evaluate --csv``)."""

    ticket: str
    customer: str
    metric: str
    priority: str
    #: met, breached, open, excluded or invalid
    outcome: str
    due_at: str | None
    stopped_at: str | None
    elapsed_seconds: int | None
    target_seconds: int | None
    clause: Clause | None
    #: the month the ticket belongs to, when the source says it
    month: str = ""
    #: the delay as the source gives it (the evaluation JSON lists it without elapsed time)
    delay: int | None = None

    @property
    def delay_seconds(self) -> int | None:
        """How far past the target a breached clock went (business seconds)."""
        if self.delay is not None:
            return self.delay
        if self.elapsed_seconds is None or self.target_seconds is None:
            return None
        return self.elapsed_seconds - self.target_seconds

    @property
    def left_seconds(self) -> int | None:
        """Business time left before the target (negative once past it)."""
        d = self.delay_seconds
        return None if d is None else -d

    @property
    def consumed(self) -> Decimal | None:
        """Share of the target used, e.g. ``0.80``; None without a target."""
        if not self.target_seconds or self.elapsed_seconds is None:
            return None
        return Decimal(self.elapsed_seconds) / Decimal(self.target_seconds)

    @property
    def consumed_percent(self) -> str | None:
        """:attr:`consumed` in whole percent (``"80"``), as the report shows it."""
        share = self.consumed
        return None if share is None else str((share * 100).quantize(Decimal(1)))


@dataclass(frozen=True)
class DowntimeRow:
    """One downtime record within a month, as the evaluation lists it (the evidence)."""

    service: str
    start: str
    end: str
    kind: str
    note: str | None
    #: the record's length inside the month, and of it what counted, seconds
    seconds: int
    counted: int
    #: the exclusion that left some or all of it out: its clause, its window (``during``)
    exclusion: Clause | None = None
    during: str | None = None

    @property
    def excluded(self) -> int:
        return self.seconds - self.counted


@dataclass(frozen=True)
class ExcludedTicket:
    """A ticket left out of the objectives by an exclusion clause (the evidence)."""

    ticket: str
    priority: str
    clause: Clause | None


@dataclass(frozen=True)
class MonthReport:
    month: str
    compliance: tuple[ComplianceRow, ...]
    uptime: tuple[UptimeRow, ...]
    credits: Credits
    #: the month's downtime records (empty: none; see :attr:`Report.downtime_listed`)
    downtime: tuple[DowntimeRow, ...] = ()
    #: tickets excluded by a clause: the first few, and how many (None: not listed)
    excluded: tuple[ExcludedTicket, ...] = ()
    excluded_count: int | None = None

    @property
    def applicable(self) -> tuple[ComplianceRow, ...]:
        return tuple(r for r in self.compliance if r.percent is not None)

    @property
    def missed(self) -> tuple[ComplianceRow, ...]:
        return tuple(r for r in self.compliance if r.achieved is False)

    @property
    def worst_uptime(self) -> UptimeRow | None:
        """The covered service with the lowest uptime (the one uptime credits look at)."""
        return min(self.uptime, key=lambda u: Decimal(u.percent)) if self.uptime else None

    def row(self, metric: str | None, priority: str | None) -> ComplianceRow | None:
        """The compliance row of ``metric`` and ``priority``, if any."""
        return next((r for r in self.compliance if (r.metric, r.priority) == (metric, priority)),
                    None)


@dataclass(frozen=True)
class CustomerReport:
    name: str
    tier: str
    fee: str | None
    currency: str
    months: tuple[MonthReport, ...]
    breaches: tuple[Verdict, ...]
    at_risk: tuple[Verdict, ...]
    #: the period's credit in money (the evaluation's; a sum of the kept months' amounts when
    #: only some months are shown); None when the customer has no fee
    credit_total: str | None
    #: the period's credit in percent of the monthly fee (same rule)
    credit_percent: str
    #: compliance over the whole period's tickets (the evaluation's); empty for a month subset
    period_compliance: tuple[ComplianceRow, ...] = ()
    #: whether ticket verdicts were given (breaches and at-risk lists are meaningful)
    has_verdicts: bool = False
    #: how many breaches and tickets at risk there are (the lists may show only the worst)
    breaches_total: int = 0
    at_risk_total: int = 0

    @property
    def breaches_cut(self) -> bool:
        """Whether some breaches are counted but not listed."""
        return self.breaches_total > len(self.breaches)

    @property
    def at_risk_cut(self) -> bool:
        return self.at_risk_total > len(self.at_risk)

    @property
    def breaches_have_months(self) -> bool:
        """Whether the breach verdicts say their month (the direct path does)."""
        return any(v.month for v in self.breaches)

    @property
    def objectives_missed(self) -> int:
        return sum(len(m.missed) for m in self.months)

    @property
    def objectives_applicable(self) -> int:
        return sum(len(m.applicable) for m in self.months)

    @property
    def promises(self) -> int:
        """Every promise assessed in the period: each decided objective and each promised
        uptime, month by month (the headline counts them all)."""
        return self.objectives_applicable + sum(
            1 for m in self.months for u in m.uptime if u.promised and u.achieved is not None)

    @property
    def promises_missed(self) -> int:
        return self.objectives_missed + sum(
            1 for m in self.months for u in m.uptime if u.promised and u.achieved is False)

    @property
    def promises_kept(self) -> int:
        return self.promises - self.promises_missed

    @property
    def worst_uptime(self) -> UptimeRow | None:
        """The promised uptime that came lowest (None when the tier promises none)."""
        rows = [u for m in self.months for u in m.uptime if u.promised]
        return min(rows, key=lambda u: Decimal(u.percent)) if rows else None

    @property
    def measured_uptime(self) -> bool:
        """Whether any service's uptime was measured (promised or not)."""
        return any(m.uptime for m in self.months)

    @property
    def credit_share(self) -> str:
        """The period's credit as a share of the period's fees, in percent: the mean of the
        monthly shares (never their sum, which is no share of anything), two decimals.

        A month's credit is a percent of that month's fee, so over n months of the same fee
        the credit is (sum of monthly percents) / n of the n fees.
        """
        if not self.months:
            return "0"
        total = sum((Decimal(m.credits.percent) for m in self.months), Decimal(0))
        mean = total / len(self.months)
        if mean == mean.to_integral():
            return str(mean.quantize(Decimal(1)))
        return str(mean.quantize(Decimal("0.01"), ROUND_HALF_EVEN))

    @property
    def excluded_listed(self) -> bool:
        """Whether the evaluation lists the tickets excluded by a clause."""
        return bool(self.months) and all(m.excluded_count is not None for m in self.months)

    @property
    def excluded_total(self) -> int:
        return sum(m.excluded_count or 0 for m in self.months)

    @property
    def excluded_cut(self) -> bool:
        """Whether some excluded tickets are counted but not listed."""
        return self.excluded_total > sum(len(m.excluded) for m in self.months)

    @property
    def decided_tickets(self) -> int:
        """Tickets decided (met or missed) across the period's months and metrics."""
        return sum(r.decided for m in self.months for r in m.compliance)

    @property
    def worst_compliance(self) -> ComplianceRow | None:
        rows = [r for m in self.months for r in m.applicable]
        return min(rows, key=lambda r: Decimal(r.percent or "0")) if rows else None


@dataclass(frozen=True)
class PublicRate:
    """On-time rate of one metric and priority across every customer."""

    metric: str
    priority: str
    met: int
    decided: int
    #: met / decided in percent, two decimals (half-even); None with no decided ticket
    percent: str | None


@dataclass(frozen=True)
class Report:
    """Everything a report template may read (documented in docs/render/reports.md)."""

    policy_name: str
    policy_version: str
    policy_file: str
    currency: str
    timezone: str
    policy_hash: str
    data_hash: str
    slalang_version: str
    as_of: str
    period: str
    months: tuple[str, ...]
    customers: tuple[CustomerReport, ...]
    has_verdicts: bool = False
    #: who promises (the policy's provider), when known
    provider: str = ""
    #: how many tickets each customer-month lists at most (None: every one, from a CSV)
    listed_max: int | None = None
    #: whether the evaluation lists its downtime records (downtime data was given)
    downtime_listed: bool = False
    #: the policy's labels of its codes: code -> language -> words
    labels: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def labels_in(self, lang: str) -> dict[str, str]:
        """The labels in ``lang`` (English where the policy gives no ``lang`` words)."""
        return {code: texts.get(lang) or texts.get("en") for code, texts in self.labels.items()
                if texts.get(lang) or texts.get("en")}

    @property
    def is_quarter(self) -> bool:
        return len(self.months) > 1

    @property
    def credit_total(self) -> str | None:
        """The customers' credits in money, summed (None when no customer has a fee)."""
        amounts = [c.credit_total for c in self.customers if c.credit_total is not None]
        return _sum(amounts) if amounts else None

    @property
    def worst_offenders(self) -> tuple[CustomerReport, ...]:
        """Customers owing credits or missing objectives, worst first (credits, then misses)."""
        def owed(c: CustomerReport) -> Decimal:
            return Decimal(c.credit_total or "0")

        bad = [c for c in self.customers
               if owed(c) > 0 or Decimal(c.credit_percent) > 0 or c.promises_missed]
        return tuple(sorted(bad, key=lambda c: (-owed(c), -Decimal(c.credit_percent),
                                                -c.promises_missed,
                                                c.name)))

    @property
    def public_rates(self) -> tuple[PublicRate, ...]:
        """Ticket counts summed over customers and months, per metric and priority."""
        sums: dict[tuple[str, str], list[int]] = {}
        for c in self.customers:
            for m in c.months:
                for r in m.compliance:
                    s = sums.setdefault((r.metric, r.priority), [0, 0])
                    s[0] += r.met
                    s[1] += r.met + r.breached
        out = []
        for (metric, priority), (met, decided) in sums.items():
            pct = None
            if decided:
                pct = str((Decimal(met * 100) / Decimal(decided)).quantize(
                    Decimal("0.01"), ROUND_HALF_EVEN))
            out.append(PublicRate(metric, priority, met, decided, pct))
        return tuple(out)


def _sum(values) -> str:
    total = sum((Decimal(v) for v in values), Decimal(0))
    return str(total)


# -- reading the evaluation dict ------------------------------------------------------------

def _get(obj: Mapping, key: str, where: str, default: Any = ...) -> Any:
    if not isinstance(obj, Mapping):
        raise DataError(f"evaluation JSON: {where} is not an object")
    if key in obj:
        return obj[key]
    if default is ...:
        raise DataError(f"evaluation JSON: {where} has no {key!r}")
    return default


def _num(value: Any, where: str, allow_none: bool = False) -> str | None:
    """An exact number as the evaluation's string (validated, never re-rounded)."""
    if value is None and allow_none:
        return None
    try:
        to_decimal(value)
    except DataError:
        raise DataError(f"evaluation JSON: {where} is not a number: {value!r}") from None
    return str(value)


def _clause(value: Any) -> Clause | None:
    """``file:line`` (as the evaluation writes it) or a ``{file, line}`` object."""
    if not value:
        return None
    if isinstance(value, Mapping):
        return Clause(str(value.get("file", "")), value.get("line"))
    file, _, line = str(value).rpartition(":")
    if file and line.isdigit():
        return Clause(file, int(line))
    return Clause(str(value))


def _money(value: Any, where: str) -> tuple[str | None, str | None]:
    if value is None:
        return None, None
    return (_num(_get(value, "amount", where), where + ".amount"),
            str(_get(value, "currency", where)))


def _compliance(row: Mapping, where: str) -> ComplianceRow:
    return ComplianceRow(
        metric=str(_get(row, "metric", where)),
        priority=str(_get(row, "priority", where)),
        objective=plain_target(_num(row.get("objective"), where + ".objective",
                                    allow_none=True)),
        met=int(row.get("met", 0)),
        breached=int(row.get("breached", 0)),
        open=int(row.get("open", 0)),
        excluded=int(row.get("excluded", 0)),
        percent=_num(_get(row, "compliance", where), where + ".compliance", allow_none=True),
        achieved=row.get("achieved"),
        clause=_clause(row.get("clause")),
        **_rule(row.get("sample_rule")),
    )


def _rule(rule) -> dict:
    if not isinstance(rule, Mapping):
        return {}
    return {"min_tickets": int(rule["min_tickets"]),
            "allowed_misses": None if rule.get("allowed_misses") is None
            else int(rule["allowed_misses"])}


def _uptime(row: Mapping, where: str) -> UptimeRow:
    return UptimeRow(
        service=str(_get(row, "service", where)),
        seconds=row.get("seconds"),
        downtime_seconds=row.get("downtime_seconds"),
        percent=_num(_get(row, "uptime", where), where + ".uptime") or "",
        objective=plain_target(_num(row.get("target"), where + ".target", allow_none=True)),
        achieved=row.get("met"),
        clause=_clause(row.get("clause")),
    )


def _credits(obj: Mapping, where: str) -> Credits:
    items = tuple(
        CreditItem(str(_get(ln, "clause", f"{where}.lines[{i}]")), str(ln.get("reason") or ""),
                   _num(_get(ln, "percent", f"{where}.lines[{i}]"), f"{where}.lines[{i}]")
                   or "0", _clause(ln.get("source")),
                   _money(ln.get("amount"), f"{where}.lines[{i}].amount")[0],
                   plain_target(_num(ln.get("below"), f"{where}.lines[{i}].below",
                                     allow_none=True)),
                   ln.get("metric"), ln.get("priority"))
        for i, ln in enumerate(_get(obj, "lines", where, [])))
    amount, currency = _money(obj.get("amount"), where + ".amount")
    fee, fee_currency = _money(obj.get("fee"), where + ".fee")
    return Credits(items,
                   percent=_num(_get(obj, "percent", where), where + ".percent") or "0",
                   amount=amount, currency=currency or fee_currency or "", fee=fee,
                   subtotal_percent=_num(obj.get("uncapped_percent"), where, allow_none=True),
                   cap_percent=_num(obj.get("cap"), where, allow_none=True),
                   capped=bool(obj.get("capped", False)), cap_clause=_clause(obj.get("cap_clause")))


def _int_or_none(value: Any) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise DataError(f"verdicts: not a whole number of seconds: {value!r}") from None


def verdict_from_row(row: Mapping) -> Verdict:
    """A :class:`Verdict` from a verdict CSV row (``id, customer, tier, priority, metric,
    status, elapsed_s, target_s, due_at, stopped_at, clause``; empty cells are absent)."""
    try:
        return Verdict(
            ticket=str(row["id"]), customer=str(row["customer"]), metric=str(row["metric"]),
            priority=str(row.get("priority") or ""), outcome=str(row["status"]),
            due_at=row.get("due_at") or None, stopped_at=row.get("stopped_at") or None,
            elapsed_seconds=_int_or_none(row.get("elapsed_s")),
            target_seconds=_int_or_none(row.get("target_s")),
            clause=_clause(row.get("clause")), month=str(row.get("month") or ""))
    except KeyError as exc:
        raise DataError(f"verdicts: a row has no {exc.args[0]!r} column") from None


def _listed(c: str, month: MonthReport, obj: Any, kind: str, where: str
            ) -> tuple[list[Verdict], int] | None:
    """A month's ``breaches``/``at_risk`` list of the evaluation JSON as verdicts (the clause:
    the month's objective row's), and the count; None when the month has none (an evaluation
    saved before lists existed)."""
    if obj is None:
        return None
    out = []
    for i, row in enumerate(_get(obj, "tickets", where)):
        w = f"{where}.tickets[{i}]"
        try:
            metric, priority = str(row["metric"]), str(row.get("priority") or "")
            objective = month.row(metric, priority)
            out.append(Verdict(
                ticket=str(row["id"]), customer=c, metric=metric, priority=priority,
                outcome="breached" if kind == "breaches" else "open",
                due_at=row.get("due_at"), stopped_at=row.get("stopped_at"),
                elapsed_seconds=_int_or_none(row.get("elapsed_s")),
                target_seconds=_int_or_none(row.get("target_s")),
                clause=objective.clause if objective else None, month=month.month,
                delay=_int_or_none(row.get("delay_s"))))
        except (KeyError, TypeError):
            raise DataError(f"evaluation JSON: {w} is not a listed ticket") from None
    return out, int(_get(obj, "count", where))


def read_verdicts(path: str) -> list[Verdict]:
    """The breached and open verdicts of a verdict CSV (``slalang evaluate --csv``)."""
    import csv

    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = {"id", "customer", "metric", "status"} - set(reader.fieldnames or ())
        if missing:
            raise DataError(f"{path}: not a verdict CSV (no column {sorted(missing)[0]!r})")
        return [verdict_from_row(r) for r in reader if r.get("status") in ("breached", "open")]


def _excluded(obj: Any, where: str) -> tuple[tuple[ExcludedTicket, ...], int | None]:
    """A month's ``excluded`` list: the tickets listed and the count (None: not listed)."""
    if obj is None:
        return (), None
    try:
        rows = tuple(ExcludedTicket(str(t["id"]), str(t.get("priority") or ""),
                                    _clause(t.get("clause")))
                     for t in _get(obj, "tickets", where))
    except (KeyError, TypeError, AttributeError):
        raise DataError(f"evaluation JSON: {where} is not a list of excluded tickets") from None
    return rows, int(_get(obj, "count", where))


def _downtime_rows(log: Any) -> dict[tuple[str, str], list[DowntimeRow]]:
    """The evaluation's ``downtime`` list by (customer, month)."""
    out: dict[tuple[str, str], list[DowntimeRow]] = {}
    if not isinstance(log, list):
        raise DataError("evaluation JSON: downtime is not a list")
    for i, e in enumerate(log):
        w = f"downtime[{i}]"
        ex = _get(e, "exclusion", w, None)
        try:
            row = DowntimeRow(
                str(_get(e, "service", w)), str(_get(e, "start", w)), str(_get(e, "end", w)),
                str(_get(e, "kind", w)), e.get("note"), int(_get(e, "seconds", w)),
                int(_get(e, "counted_seconds", w)),
                _clause(ex.get("clause")) if isinstance(ex, Mapping) else None,
                ex.get("during") if isinstance(ex, Mapping) else None)
        except (TypeError, ValueError):
            raise DataError(f"evaluation JSON: {w} is not a downtime record") from None
        out.setdefault((str(_get(e, "customer", w)), str(_get(e, "month", w))), []).append(row)
    return out


def _customer(c: Mapping, where: str, months: Sequence[str] | None,
              verdicts: Sequence[Verdict] | None,
              downtime: dict[tuple[str, str], list[DowntimeRow]] | None = None
              ) -> CustomerReport:
    name = str(_get(c, "customer", where))
    month_rows = []
    listed: list[Verdict] = []
    totals = {"breaches": 0, "at_risk": 0}
    complete = True  # every kept month lists its tickets
    for i, m in enumerate(_get(c, "months", where)):
        w = f"{where}.months[{i}]"
        label = str(_get(m, "month", w))
        if months is not None and label not in months:
            continue
        month_rows.append(MonthReport(
            label,
            tuple(_compliance(r, f"{w}.objectives[{j}]")
                  for j, r in enumerate(_get(m, "objectives", w, []))),
            # an uptime not measured (no downtime data) is left out, never shown as 100 %
            tuple(_uptime(r, f"{w}.uptime[{j}]") for j, r in enumerate(_get(m, "uptime", w, []))
                  if r.get("uptime") is not None),
            _credits(_get(m, "credit", w), w + ".credit"),
            tuple((downtime or {}).get((name, label), ())),
            *_excluded(m.get("excluded"), f"{w}.excluded")))
        for kind in ("breaches", "at_risk"):
            got = _listed(name, month_rows[-1], m.get(kind), kind, f"{w}.{kind}")
            if got is None:
                complete = False
            else:
                listed += got[0]
                totals[kind] += got[1]
    kept = {m.month for m in month_rows}
    given = verdicts is not None or (complete and bool(month_rows))
    if verdicts is None:
        verdicts = listed if given else None
    mine = [v for v in verdicts or () if v.customer == name and (not v.month or v.month in kept)]
    breaches = tuple(sorted((v for v in mine if v.outcome == "breached"),
                            key=lambda v: (v.due_at or "", v.ticket, v.metric)))
    at_risk = tuple(sorted(
        (v for v in mine if v.outcome == "open" and v.consumed is not None
         and v.consumed >= AT_RISK_SHARE),
        key=lambda v: (v.due_at or "", v.ticket, v.metric)))
    fee = next((m.credits.fee for m in month_rows if m.credits.fee is not None), None)
    currency = next((m.credits.currency for m in month_rows if m.credits.currency), "")
    whole = months is None
    if whole:
        credit = _get(c, "credit", where)
        amount, cur = _money(credit.get("amount"), where + ".credit.amount")
        credit_total = amount
        credit_percent = _num(_get(credit, "percent", where + ".credit"), where) or "0"
        currency = cur or currency
    else:
        amounts = [m.credits.amount for m in month_rows if m.credits.amount is not None]
        credit_total = _sum(amounts) if amounts else None
        credit_percent = _sum(m.credits.percent for m in month_rows)
    return CustomerReport(
        name=name, tier=str(c.get("tier") or ""), fee=fee, currency=currency,
        months=tuple(month_rows), breaches=breaches, at_risk=at_risk,
        credit_total=credit_total, credit_percent=credit_percent,
        period_compliance=tuple(_compliance(r, f"{where}.objectives[{j}]")
                                for j, r in enumerate(c.get("objectives") or ())) if whole else (),
        has_verdicts=given,
        breaches_total=totals["breaches"] if verdicts is listed else len(breaches),
        at_risk_total=totals["at_risk"] if verdicts is listed else len(at_risk))


def check_same_run(evaluation: Mapping, verdicts: Sequence[Verdict]) -> None:
    """Refuse ticket verdicts of another run than the evaluation: its breached verdicts must
    be the breaches the evaluation counts, customer by customer and month by month. A July
    CSV beside a quarter's JSON had a report say "No ticket went past its target" above a
    compliance table that counted a breach and its credit."""
    from collections import Counter

    months = [str(m) for m in (evaluation.get("period") or {}).get("months") or ()] or [""]
    by_month = all(v.month for v in verdicts) or len(months) == 1

    def key(customer: str, month: str) -> tuple[str, str]:
        return (customer, month if by_month else "")

    have: Counter = Counter()
    for v in verdicts:
        if v.outcome == "breached":
            have[key(v.customer, v.month or months[0])] += 1
    want: Counter = Counter()
    for c in evaluation.get("customers") or ():
        for m in (c.get("months") or ()) if isinstance(c, Mapping) else ():
            if isinstance(m, Mapping):
                breached = sum(int(o.get("breached") or 0) for o in m.get("objectives") or ()
                               if isinstance(o, Mapping))
                if breached:
                    want[key(str(c.get("customer")), str(m.get("month")))] += breached
    if have == want:
        return
    where = sorted(set(have) | set(want), key=lambda k: (have[k] == want[k], k))[0]
    at = f"{where[0]} {where[1]}".strip()
    raise DataError(f"the ticket verdicts are not of this evaluation: for {at} they hold "
                    f"{have[where]} breached verdict(s), the evaluation counts {want[where]}; "
                    "give the --csv written by the same `slalang evaluate` run as the --json")


def build_report(evaluation: Mapping, *, verdicts: Sequence[Verdict] | None = None,
                 customer: str | None = None, months: Sequence[str] | None = None,
                 provider: str = "") -> Report:
    """Read an evaluation JSON dict (and optionally its ticket verdicts) into a :class:`Report`.

    ``customer`` keeps one customer; ``months`` keeps some months of the period (e.g. one
    month of a quarter's evaluation). Raises :class:`DataError` naming the JSON path of
    anything malformed.
    """
    version = _get(evaluation, "schema_version", "the document")
    if version not in FORMAT_VERSIONS:
        raise DataError(f"evaluation JSON schema_version {version!r} is not supported "
                        f"(this slalang reads {', '.join(map(str, FORMAT_VERSIONS))})")
    policy = _get(evaluation, "policy", "the document")
    period = _get(evaluation, "period", "the document")
    all_months = [str(m) for m in _get(period, "months", "period")]
    if months is not None:
        unknown = [m for m in months if m not in all_months]
        if unknown:
            raise DataError(f"month {unknown[0]} is not in the evaluated period "
                            f"{period.get('label', '')} ({', '.join(all_months)})")
        if list(months) == all_months:
            months = None
        elif verdicts and any(not v.month for v in verdicts):
            # the verdict CSV says nothing of a ticket's month: its breaches cannot be narrowed
            raise DataError(f"the ticket verdicts cover the whole period "
                            f"{period.get('label', '')} and do not say which month each "
                            f"ticket belongs to: evaluate {', '.join(months)} on its own for a "
                            f"report with breaches, or leave out the verdicts")
    customers = []
    log = evaluation.get("downtime")
    downtime = _downtime_rows(log) if log is not None else None
    for i, c in enumerate(_get(evaluation, "customers", "the document")):
        if customer is not None and isinstance(c, Mapping) and str(c.get("customer")) != customer:
            continue  # another customer's entry, not read: one report among thousands
        cr = _customer(c, f"customers[{i}]", months, verdicts, downtime)
        if customer is None or customer == cr.name:
            customers.append(cr)
    if customer is not None and not customers:
        names = [str(c.get("customer")) for c in evaluation["customers"]]
        hint = did_you_mean(customer, names)
        raise DataError(f"no customer {customer!r} in the evaluation"
                        + (f"; {hint}" if hint else f" (customers: {', '.join(names)})"))
    shown = list(months) if months is not None else all_months
    if months is None:
        label = str(period.get("label") or "")
    else:
        label = shown[0] if len(shown) == 1 else f"{shown[0]}..{shown[-1]}"
    currency = next((c.currency for c in customers if c.currency), "")
    listed = _get(evaluation, "tickets_listed", "the document", None) or {}
    return Report(
        policy_name=str(policy.get("name") or ""), policy_version=str(policy.get("version") or ""),
        policy_file=str(policy.get("file") or ""), currency=currency,
        timezone=str(period.get("timezone") or "UTC"),
        policy_hash=str(evaluation.get("policy_hash") or ""),
        data_hash=str(evaluation.get("data_hash") or ""),
        slalang_version=str(evaluation.get("slalang_version") or ""),
        as_of=str(_get(evaluation, "as_of", "the document")), period=label,
        months=tuple(shown), customers=tuple(customers),
        has_verdicts=any(c.has_verdicts for c in customers),
        provider=provider or str(policy.get("provider") or ""),
        listed_max=None if verdicts is not None else listed.get("max"),
        downtime_listed=log is not None,
        labels={str(k): {str(lang): str(x) for lang, x in v.items()}
                for k, v in (policy.get("labels") or {}).items() if isinstance(v, Mapping)})
