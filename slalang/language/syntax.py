"""The syntax tree: what a policy file says, before any meaning is checked.

Every node is a frozen dataclass with the :class:`~slalang.model.Span` of its text. Values stay
close to the source (a duration keeps its text, a date its digits) so the checker can reject
them with a precise diagnostic and the formatter can print them back. :class:`ToSyntax` is the
Lark ``Transformer`` building the tree: one method per grammar rule or alias.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from lark import Token, Transformer, v_args

from slalang.model import Span


@dataclass(frozen=True)
class Ident:
    """A name as written, e.g. a calendar reference, with where it was written."""

    text: str
    span: Span

    def __str__(self) -> str:
        return self.text


#: the largest count of days or months a term may name (`claim on request within N days`)
MAX_COUNT = 9999


class BadCount(ValueError):
    """A count that is not a whole number from 1 to MAX_COUNT; the parser reports it."""

    def __init__(self, token: Token, span: Span) -> None:
        super().__init__(f"{token!s}")
        self.text = str(token)
        self.span = span


@dataclass(frozen=True)
class Literal:
    """A literal kept as source text (date, time, duration); the checker gives it meaning."""

    text: str
    span: Span


@dataclass(frozen=True)
class Percent:
    value: Decimal
    span: Span

    def __str__(self) -> str:
        # positional notation: str(Decimal("0.0000000001")) is "1E-10", which does not parse
        return f"{self.value:f}%"


@dataclass(frozen=True)
class TextLit:
    """Words a customer reads: ``(lang, text)`` pairs, English first (``"Change request" it
    "Richiesta di modifica"``)."""

    texts: tuple[tuple[str, str], ...]
    span: Span

    @property
    def english(self) -> str:
        return self.texts[0][1]


@dataclass(frozen=True)
class Comment:
    """A ``#`` comment; kept out of the tree proper but carried for the formatter."""

    text: str
    span: Span


# --- header -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class HeaderField:
    """``provider "..."``, ``effective 2026-01-01``, ``period month in "Europe/Rome"``..."""

    key: str
    #: the field's value(s) as written: strings unquoted, names and dates as Ident/Literal
    values: tuple
    span: Span


@dataclass(frozen=True)
class HeaderDecl:
    name: str
    fields: tuple[HeaderField, ...]
    span: Span
    #: span of the ``policy "..."`` line, where header-wide diagnostics point
    head_span: Span


# --- calendars --------------------------------------------------------------------------------

@dataclass(frozen=True)
class DayItem:
    first: Ident
    last: Ident | None
    span: Span


@dataclass(frozen=True)
class TimeRangeLit:
    start: Literal
    end: Literal
    span: Span


@dataclass(frozen=True)
class TimezoneStmt:
    zone: str
    span: Span


@dataclass(frozen=True)
class WeeklyHoursStmt:
    days: tuple[DayItem, ...]
    ranges: tuple[TimeRangeLit, ...]
    span: Span


@dataclass(frozen=True)
class HolidaysStmt:
    country: Ident
    subdivision: Ident | None
    span: Span


@dataclass(frozen=True)
class ClosedStmt:
    """``closed every 12-24`` (``every`` true, MM-DD) or ``closed 2026-08-14``."""

    every: bool
    dates: tuple[Literal, ...]
    span: Span


@dataclass(frozen=True)
class OverrideStmt:
    """``hours 2026-12-23 08:30-12:30``; no ranges means ``none`` (closed that day)."""

    date: Literal
    ranges: tuple[TimeRangeLit, ...]
    span: Span


CalendarStmt = TimezoneStmt | WeeklyHoursStmt | HolidaysStmt | ClosedStmt | OverrideStmt


@dataclass(frozen=True)
class CalendarDecl:
    name: Ident
    always: bool
    stmts: tuple[CalendarStmt, ...]
    #: whether the source wrote a ``{ }`` body (the formatter keeps an empty one)
    has_body: bool
    span: Span


# --- statuses ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class StatusItem:
    name: Ident
    span: Span


@dataclass(frozen=True)
class StatusesDecl:
    """The policy's status vocabulary: ``statuses { new in_progress ... }``."""

    items: tuple[StatusItem, ...]
    span: Span


# --- priorities -------------------------------------------------------------------------------

@dataclass(frozen=True)
class PriorityItem:
    code: Ident
    label: str
    span: Span
    #: the label with its translations (``label`` is its English text)
    text: TextLit | None = None
    #: ``means "..."``: what the priority stands for
    meaning: TextLit | None = None


@dataclass(frozen=True)
class PrioritiesDecl:
    items: tuple[PriorityItem, ...]
    span: Span


@dataclass(frozen=True)
class MatrixRow:
    values: tuple[str, ...]
    priority: Ident
    span: Span


@dataclass(frozen=True)
class MatrixDecl:
    fields: tuple[Ident, ...]
    rows: tuple[MatrixRow, ...]
    span: Span


# --- clocks -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class EventRef:
    """``created`` (kind only) or ``status waiting`` (kind ``status``)."""

    kind: Ident
    status: Ident | None
    span: Span


@dataclass(frozen=True)
class ClockEventStmt:
    which: str  # "starts" | "stops"
    event: EventRef
    span: Span
    #: ``means "..."``: what counts as the event, in the customer's words
    means: TextLit | None = None


@dataclass(frozen=True)
class PausesStmt:
    statuses: tuple[Ident, ...]
    span: Span


@dataclass(frozen=True)
class OnStmt:
    what: str  # "reopen" | "priority change"
    action: Ident
    span: Span


ClockStmt = ClockEventStmt | PausesStmt | OnStmt


@dataclass(frozen=True)
class ClockDecl:
    name: Ident
    description: str | None
    stmts: tuple[ClockStmt, ...]
    span: Span


# --- exclusions -------------------------------------------------------------------------------

@dataclass(frozen=True)
class ConditionNode:
    field: Ident
    op: str  # "=", "!=", "in", "not in"
    values: tuple[str, ...]
    span: Span


@dataclass(frozen=True)
class ExclusionDecl:
    subject: Ident
    conditions: tuple[ConditionNode, ...]
    during: Ident | None
    reason: str | None
    span: Span
    #: ``notice 48h``: how long ahead planned work is announced
    notice: Literal | None = None


# --- tiers ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class FeeStmt:
    amount: Decimal
    currency: Ident
    span: Span


@dataclass(frozen=True)
class TargetItem:
    priority: Ident
    duration: Literal
    calendar: Ident | None
    span: Span


@dataclass(frozen=True)
class SampleRule:
    """``over at least N tickets [else at most M missed]`` after an objective."""

    min_tickets: Literal
    allowed_misses: Literal | None
    span: Span

    def __str__(self) -> str:
        text = f"over at least {self.min_tickets.text} tickets"
        return text + (f" else at most {self.allowed_misses.text} missed"
                       if self.allowed_misses is not None else "")


@dataclass(frozen=True)
class TargetLine:
    """``metric [on cal]: items [objective N% [rule]]``; no items for ``metric objective N%``."""

    metric: Ident
    calendar: Ident | None
    items: tuple[TargetItem, ...]
    objective: Percent | None
    span: Span
    sample: SampleRule | None = None


@dataclass(frozen=True)
class UptimeStmt:
    service: Ident | None
    percent: Percent
    span: Span


@dataclass(frozen=True)
class UptimeStep:
    percent: Percent
    below: Percent
    span: Span
    #: ``uptime of <service>``: the step measures that service only
    service: Ident | None = None


@dataclass(frozen=True)
class UptimeCreditStmt:
    steps: tuple[UptimeStep, ...]
    span: Span


@dataclass(frozen=True)
class ObjectiveCreditStmt:
    percent: Percent
    metric: Ident
    priority: Ident
    span: Span


@dataclass(frozen=True)
class CapStmt:
    percent: Percent
    span: Span


TierStmt = FeeStmt | TargetLine | UptimeStmt | UptimeCreditStmt | ObjectiveCreditStmt | CapStmt


@dataclass(frozen=True)
class TierDecl:
    name: Ident
    extends: Ident | None
    stmts: tuple[TierStmt, ...]
    span: Span


# --- customer text: labels and terms ---------------------------------------------------------

@dataclass(frozen=True)
class LabelDecl:
    """``label change_request "Change request" it "Richiesta di modifica"``."""

    code: str
    code_span: Span
    text: TextLit
    span: Span


@dataclass(frozen=True)
class ScopeItem:
    covered: bool
    text: TextLit
    span: Span


@dataclass(frozen=True)
class ScopeDecl:
    items: tuple[ScopeItem, ...]
    span: Span


@dataclass(frozen=True)
class ChannelStmt:
    """``channel phone "+39 02 1234 5678" on always for P1``."""

    name: Ident
    address: str
    calendar: Ident | None
    priorities: tuple[Ident, ...]
    span: Span


@dataclass(frozen=True)
class ClassifiedStmt:
    by: Ident
    span: Span


@dataclass(frozen=True)
class SupportDecl:
    stmts: tuple[ChannelStmt | ClassifiedStmt, ...]
    span: Span


@dataclass(frozen=True)
class ClaimStmt:
    """``claim automatic`` (days None) or ``claim on request within 30 days``."""

    days: int | None
    span: Span


@dataclass(frozen=True)
class PaidByStmt:
    how: Ident
    span: Span


@dataclass(frozen=True)
class SoleRemedyStmt:
    sole: bool
    span: Span


@dataclass(frozen=True)
class CreditTermsDecl:
    stmts: tuple[ClaimStmt | PaidByStmt | SoleRemedyStmt, ...]
    span: Span


@dataclass(frozen=True)
class ReportingStmt:
    """One reporting term: ``monthly report within 10 days`` (kind ``monthly``, number 10),
    ``quarterly review``, ``measured by "..."`` (text), ``review every 12 months``."""

    kind: str  # "monthly" | "quarterly" | "measured" | "review"
    number: int | None
    text: TextLit | None
    span: Span


@dataclass(frozen=True)
class ReportingDecl:
    stmts: tuple[ReportingStmt, ...]
    span: Span


Declaration = (CalendarDecl | StatusesDecl | PrioritiesDecl | MatrixDecl | ClockDecl
               | ExclusionDecl | TierDecl | LabelDecl | ScopeDecl | SupportDecl | CreditTermsDecl
               | ReportingDecl)


@dataclass(frozen=True)
class PolicyFile:
    """A parsed file: the header, declarations in source order, comments, and the source."""

    filename: str
    source: str
    header: HeaderDecl
    declarations: tuple[Declaration, ...]
    comments: tuple[Comment, ...] = field(default=(), repr=False)

    def of_type(self, kind: type) -> list:
        return [d for d in self.declarations if isinstance(d, kind)]


# --- the transformer --------------------------------------------------------------------------

def _unquote(token: Token) -> str:
    body = str(token)[1:-1]
    return body.replace('\\"', '"').replace("\\\\", "\\")


def _percent(token: Token, span: Span) -> Percent:
    return Percent(Decimal(str(token).rstrip("%").strip()), span)


@v_args(meta=True)
class ToSyntax(Transformer):
    """Parse tree -> syntax tree. Keyword tokens are dropped; names keep their spans."""

    def __init__(self, filename: str) -> None:
        super().__init__()
        self.filename = filename

    # helpers ---------------------------------------------------------------------------------
    def _span(self, meta) -> Span:
        return Span(self.filename, meta.line, meta.column, meta.end_line, meta.end_column)

    def _tspan(self, tok: Token) -> Span:
        return Span(self.filename, tok.line, tok.column, tok.end_line, tok.end_column)

    def _ident(self, tok: Token) -> Ident:
        return Ident(str(tok), self._tspan(tok))

    def _lit(self, tok: Token) -> Literal:
        return Literal(str(tok), self._tspan(tok))

    @staticmethod
    def _of(children, *types: str) -> list:
        return [c for c in children if isinstance(c, Token) and c.type in types]

    def _names(self, children) -> list[Ident]:
        return [self._ident(t) for t in self._of(children, "NAME")]

    def _strings(self, children) -> list[str]:
        return [_unquote(t) for t in self._of(children, "STRING")]

    def _percents(self, children) -> list[Percent]:
        return [_percent(t, self._tspan(t)) for t in self._of(children, "PERCENT")]

    def _nodes(self, children, kind) -> tuple:
        return tuple(c for c in children if isinstance(c, kind))

    def _text(self, children) -> TextLit | None:
        texts = self._nodes(children, TextLit)
        return texts[0] if texts else None

    def _number(self, children) -> int:
        token = self._of(children, "NUMBER")[0]
        text = str(token)
        # a count of days or months: whole, at least 1 (the export schema's rule), and short
        # enough for int() (which refuses 4,300 digits); else a syntax error at the number
        if not text.isdigit() or len(text) > 12 or not 1 <= int(text) <= MAX_COUNT:
            raise BadCount(token, Span(self.filename, token.line, token.column,
                                       token.end_line, token.end_column))
        return int(text)

    # file and header -------------------------------------------------------------------------
    def start(self, meta, children):
        header, *decls = children
        return PolicyFile(self.filename, "", header, tuple(decls))

    def header(self, meta, children):
        name_tok = self._of(children, "STRING")[0]
        head = Span(self.filename, children[0].line, children[0].column,
                    name_tok.end_line, name_tok.end_column)
        return HeaderDecl(_unquote(name_tok), self._nodes(children, HeaderField),
                          self._span(meta), head)

    def _field(self, key, meta, children) -> HeaderField:
        values = []
        for tok in children[1:]:
            if tok.type == "STRING":
                values.append(_unquote(tok))
            elif tok.type == "NAME":
                values.append(self._ident(tok))
            elif tok.type == "DATE":
                values.append(self._lit(tok))
        return HeaderField(key, tuple(values), self._span(meta))

    def provider(self, meta, children):
        return self._field("provider", meta, children)

    def version(self, meta, children):
        return self._field("version", meta, children)

    def effective(self, meta, children):
        return self._field("effective", meta, children)

    def currency(self, meta, children):
        return self._field("currency", meta, children)

    def period(self, meta, children):
        return self._field("period", meta, children)

    def roster(self, meta, children):
        return self._field("roster", meta, children)

    # calendars -------------------------------------------------------------------------------
    def calendar(self, meta, children):
        body = next((c for c in children if isinstance(c, tuple)), None)
        return CalendarDecl(self._names(children)[0], bool(self._of(children, "ALWAYS_OPEN")),
                            body or (), body is not None, self._span(meta))

    def calendar_body(self, meta, children):
        return tuple(children)

    def timezone(self, meta, children):
        return TimezoneStmt(self._strings(children)[0], self._span(meta))

    def weekly_hours(self, meta, children):
        days, *ranges = children
        return WeeklyHoursStmt(days, tuple(ranges), self._span(meta))

    def day_list(self, meta, children):
        return tuple(children)

    def day_item(self, meta, children):
        days = [self._ident(t) for t in children]
        return DayItem(days[0], days[1] if len(days) > 1 else None, self._span(meta))

    def time_range(self, meta, children):
        start, end = (self._lit(t) for t in children)
        return TimeRangeLit(start, end, self._span(meta))

    def holidays(self, meta, children):
        names = self._names(children)
        return HolidaysStmt(names[0], names[1] if len(names) > 1 else None, self._span(meta))

    def closed_every(self, meta, children):
        dates = tuple(self._lit(t) for t in self._of(children, "MONTH_DAY"))
        return ClosedStmt(True, dates, self._span(meta))

    def closed_dates(self, meta, children):
        dates = tuple(self._lit(t) for t in self._of(children, "DATE"))
        return ClosedStmt(False, dates, self._span(meta))

    def override(self, meta, children):
        date = self._lit(self._of(children, "DATE")[0])
        return OverrideStmt(date, self._nodes(children, TimeRangeLit), self._span(meta))

    # priorities ------------------------------------------------------------------------------
    def statuses(self, meta, children):
        return StatusesDecl(self._nodes(children, StatusItem), self._span(meta))

    def status_item(self, meta, children):
        return StatusItem(self._ident(children[0]), self._span(meta))

    def priorities(self, meta, children):
        return PrioritiesDecl(self._nodes(children, PriorityItem), self._span(meta))

    def priority_item(self, meta, children):
        texts = self._nodes(children, TextLit)
        return PriorityItem(self._ident(children[0]), texts[0].english, self._span(meta),
                            texts[0], texts[1] if len(texts) > 1 else None)

    def priority_matrix(self, meta, children):
        return MatrixDecl(tuple(self._names(children)), self._nodes(children, MatrixRow),
                          self._span(meta))

    def matrix_row(self, meta, children):
        return MatrixRow(tuple(self._strings(children)), self._names(children)[0],
                         self._span(meta))

    # clocks ----------------------------------------------------------------------------------
    def clock(self, meta, children):
        strings = self._strings(children)
        stmts = tuple(c for c in children if not isinstance(c, Token))
        return ClockDecl(self._names(children)[0], strings[0] if strings else None, stmts,
                         self._span(meta))

    def event(self, meta, children):
        return EventRef(self._ident(children[0]), None, self._span(meta))

    def status_event(self, meta, children):
        kind = Ident("status", self._tspan(children[0]))
        return EventRef(kind, self._ident(children[1]), self._span(meta))

    def starts(self, meta, children):
        return ClockEventStmt("starts", self._nodes(children, EventRef)[0], self._span(meta),
                              self._text(children))

    def stops(self, meta, children):
        return ClockEventStmt("stops", self._nodes(children, EventRef)[0], self._span(meta),
                              self._text(children))

    def pauses(self, meta, children):
        return PausesStmt(tuple(self._names(children)), self._span(meta))

    def on_reopen(self, meta, children):
        return OnStmt("reopen", self._names(children)[0], self._span(meta))

    def on_priority_change(self, meta, children):
        return OnStmt("priority change", self._names(children)[0], self._span(meta))

    # exclusions ------------------------------------------------------------------------------
    def exclusion(self, meta, children):
        names = self._names(children)
        during = None
        for i, tok in enumerate(children):
            if isinstance(tok, Token) and tok.type == "DURING":
                during = self._ident(children[i + 1])
        reasons = self._strings(children)
        notice = self._of(children, "DURATION")
        return ExclusionDecl(names[0], self._nodes(children, ConditionNode), during,
                             reasons[0] if reasons else None, self._span(meta),
                             self._lit(notice[0]) if notice else None)

    def _cond(self, op, meta, children) -> ConditionNode:
        return ConditionNode(self._names(children)[0], op, tuple(self._strings(children)),
                             self._span(meta))

    def cond_eq(self, meta, children):
        return self._cond("=", meta, children)

    def cond_ne(self, meta, children):
        return self._cond("!=", meta, children)

    def cond_in(self, meta, children):
        return self._cond("in", meta, children)

    def cond_not_in(self, meta, children):
        return self._cond("not in", meta, children)

    # tiers -----------------------------------------------------------------------------------
    def tier(self, meta, children):
        names = self._names(children)
        extends = names[1] if self._of(children, "EXTENDS") else None
        stmts = tuple(c for c in children if not isinstance(c, Token))
        return TierDecl(names[0], extends, stmts, self._span(meta))

    def fee(self, meta, children):
        amount = self._of(children, "NUMBER")[0]
        return FeeStmt(Decimal(str(amount)), self._names(children)[0], self._span(meta))

    def target_line(self, meta, children):
        metric = self._ident(children[0])
        calendar = None
        if len(children) > 1 and isinstance(children[1], Token) and children[1].type == "ON":
            calendar = self._ident(children[2])
        objective = self._percents(children)
        return TargetLine(metric, calendar, self._nodes(children, TargetItem),
                          objective[0] if objective else None, self._span(meta),
                          next(iter(self._nodes(children, SampleRule)), None))

    def objective_line(self, meta, children):
        return TargetLine(self._ident(children[0]), None, (), self._percents(children)[0],
                          self._span(meta), next(iter(self._nodes(children, SampleRule)), None))

    def sample_rule(self, meta, children):
        numbers = [self._lit(t) for t in self._of(children, "NUMBER")]
        return SampleRule(numbers[0], numbers[1] if len(numbers) > 1 else None,
                          self._span(meta))

    def target_item(self, meta, children):
        names = self._names(children)
        duration = self._lit(self._of(children, "DURATION")[0])
        return TargetItem(names[0], duration, names[1] if len(names) > 1 else None,
                          self._span(meta))

    def uptime(self, meta, children):
        names = self._names(children)
        return UptimeStmt(names[0] if names else None, self._percents(children)[0],
                          self._span(meta))

    def uptime_credit(self, meta, children):
        return UptimeCreditStmt(self._nodes(children, UptimeStep), self._span(meta))

    def uptime_step(self, meta, children):
        percent, below = self._percents(children)
        names = self._names(children)
        return UptimeStep(percent, below, self._span(meta), names[0] if names else None)

    def objective_credit(self, meta, children):
        metric, priority = self._names(children)
        return ObjectiveCreditStmt(self._percents(children)[0], metric, priority,
                                   self._span(meta))

    def cap(self, meta, children):
        return CapStmt(self._percents(children)[0], self._span(meta))

    # customer text ---------------------------------------------------------------------------
    def text(self, meta, children):
        texts, lang = [], "en"
        for tok in children:
            if tok.type == "LANG":
                lang = str(tok)
            else:
                texts.append((lang, _unquote(tok)))
        return TextLit(tuple(texts), self._span(meta))

    def label(self, meta, children):
        code = children[1]
        text = code if code.type == "NAME" else _unquote(code)
        return LabelDecl(str(text), self._tspan(code), self._text(children), self._span(meta))

    def scope(self, meta, children):
        return ScopeDecl(self._nodes(children, ScopeItem), self._span(meta))

    def covers(self, meta, children):
        return ScopeItem(True, self._text(children), self._span(meta))

    def not_covered(self, meta, children):
        return ScopeItem(False, self._text(children), self._span(meta))

    def support(self, meta, children):
        return SupportDecl(self._nodes(children, ChannelStmt | ClassifiedStmt), self._span(meta))

    def channel(self, meta, children):
        names = self._names(children)
        calendar = None
        for i, tok in enumerate(children):
            if isinstance(tok, Token) and tok.type == "ON":
                calendar = self._ident(children[i + 1])
        rest = [n for n in names[1:] if calendar is None or n.span != calendar.span]
        return ChannelStmt(names[0], self._strings(children)[0], calendar, tuple(rest),
                           self._span(meta))

    def classified_by(self, meta, children):
        return ClassifiedStmt(self._names(children)[0], self._span(meta))

    def credit_terms(self, meta, children):
        return CreditTermsDecl(self._nodes(children, ClaimStmt | PaidByStmt | SoleRemedyStmt),
                               self._span(meta))

    def claim_automatic(self, meta, children):
        return ClaimStmt(None, self._span(meta))

    def claim_on_request(self, meta, children):
        return ClaimStmt(self._number(children), self._span(meta))

    def paid_by(self, meta, children):
        return PaidByStmt(self._names(children)[0], self._span(meta))

    def sole_remedy(self, meta, children):
        return SoleRemedyStmt(not self._of(children, "NOT"), self._span(meta))

    def reporting(self, meta, children):
        return ReportingDecl(self._nodes(children, ReportingStmt), self._span(meta))

    def monthly_report(self, meta, children):
        return ReportingStmt("monthly", self._number(children), None, self._span(meta))

    def quarterly_review(self, meta, children):
        return ReportingStmt("quarterly", None, None, self._span(meta))

    def measured_by(self, meta, children):
        return ReportingStmt("measured", None, self._text(children), self._span(meta))

    def review_every(self, meta, children):
        return ReportingStmt("review", self._number(children), None, self._span(meta))
