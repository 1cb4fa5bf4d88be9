"""The canonical layout of a policy: one statement per line, four-space indents, comments kept.

The formatter prints the syntax tree, so it normalises spacing, one-line blocks, durations
(``90m`` -> ``1h30m``) and time digits (``8:30`` -> ``08:30``) without ever changing meaning.
Statements keep their source order. Comments are re-attached by line: a comment alone on its
line stays before the statement that follows it; a comment after code stays at the end of
that statement's line. Blank lines are kept (at most one in a row) and every multi-line block
at the top level is set off by one.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from slalang.language import syntax as s
from slalang.language.parser import parse
from slalang.language.values import duration_seconds, format_duration

INDENT = "    "


def format_source(source: str, filename: str) -> str:
    """Format policy text canonically (raises ``PolicyError`` if it does not parse).

    >>> print(format_source('policy "P" {currency EUR}  # hi', "p.sla"), end="")
    policy "P" {
        currency EUR
    }  # hi
    """
    tree = parse(source, filename)
    return _Printer(tree, source).run()


@dataclass
class _Entry:
    """One output line, with the source lines it came from."""

    text: str
    depth: int
    start: int
    end: int
    kind: str = "leaf"  # "open" | "close" | "leaf"
    #: index of the top-level declaration it belongs to
    decl: int = 0
    block: bool = False


class _Printer:
    def __init__(self, tree: s.PolicyFile, source: str) -> None:
        self.tree = tree
        lines = source.splitlines()
        self.blank = [i for i, line in enumerate(lines, start=1) if not line.strip()]
        self.lines = lines
        self.entries: list[_Entry] = []

    # --- layout ----------------------------------------------------------------------------
    def run(self) -> str:
        self._collect()
        standalone, trailing = self._split_comments()
        for c in trailing:
            covering = [e for e in self.entries if e.start <= c.span.line <= e.end]
            if covering:
                covering[-1].text += "  " + c.text
            else:
                standalone.append(c)
        standalone.sort(key=lambda c: c.span.line)
        out: list[str] = []
        last_line = 0
        last_decl = -1
        pending = list(standalone)

        def put(text: str, depth: int, line: int, force_blank: bool = False,
                closing: bool = False) -> None:
            nonlocal last_line
            opened = out and out[-1].endswith("{") and not out[-1].lstrip().startswith("#")
            nxt = bisect.bisect_right(self.blank, last_line)
            gap = nxt < len(self.blank) and self.blank[nxt] < line
            if out and out[-1] != "" and not opened and not closing and (force_blank or gap):
                out.append("")
            out.append(INDENT * depth + text)
            last_line = max(last_line, line)

        blocks = {e.decl for e in self.entries if e.block}
        for entry in self.entries:
            # a multi-line block at the top level is always set off by a blank line
            force = entry.decl != last_decl and last_decl >= 0 and (
                entry.decl in blocks or last_decl in blocks)
            depth = entry.depth + 1 if entry.kind == "close" else entry.depth
            while pending and pending[0].span.line < entry.start:
                c = pending.pop(0)
                put(c.text, depth, c.span.line, force_blank=force)
                force = False
            put(entry.text, entry.depth, entry.end if entry.kind != "open" else entry.start,
                force_blank=force, closing=entry.kind == "close")
            last_decl = entry.decl
        for c in pending:
            put(c.text, 0, c.span.line)
        return "\n".join(out) + "\n"

    def _split_comments(self) -> tuple[list[s.Comment], list[s.Comment]]:
        standalone, trailing = [], []
        for c in self.tree.comments:
            before = self.lines[c.span.line - 1][: c.span.column - 1]
            (trailing if before.strip() else standalone).append(c)
        return standalone, trailing

    def _add(self, text: str, depth: int, node, kind: str = "leaf", decl: int = 0,
             block: bool = False, line: int | None = None) -> None:
        span = node.span
        start = line if line is not None else span.line
        end = line if line is not None else span.end_line
        self.entries.append(_Entry(text, depth, start, end, kind, decl, block))

    def _block(self, head: str, node, stmts, decl: int) -> None:
        self._add(head + " {", 0, node, "open", decl, True, line=node.span.line)
        for st in stmts:
            self._add(self._stmt(st), 1, st, decl=decl, block=True)
        self._add("}", 0, node, "close", decl, True, line=node.span.end_line)

    # --- the tree --------------------------------------------------------------------------
    def _collect(self) -> None:
        h = self.tree.header
        self._add(f"policy {_q(h.name)} {{", 0, h, "open", 0, True, line=h.span.line)
        for f in h.fields:
            self._add(_field(f), 1, f, decl=0, block=True)
        self._add("}", 0, h, "close", 0, True, line=h.span.end_line)
        for i, d in enumerate(self.tree.declarations, start=1):
            self._decl(d, i)

    def _decl(self, d, i: int) -> None:
        if isinstance(d, s.CalendarDecl):
            head = f"calendar {d.name}" + (" 24x7" if d.always else "")
            if d.has_body:
                self._block(head, d, d.stmts, i)
            else:
                self._add(head, 0, d, decl=i)
        elif isinstance(d, s.StatusesDecl):
            self._block("statuses", d, d.items, i)
        elif isinstance(d, s.PrioritiesDecl):
            self._block("priorities", d, d.items, i)
        elif isinstance(d, s.MatrixDecl):
            self._block("priority from " + ", ".join(f.text for f in d.fields), d, d.rows, i)
        elif isinstance(d, s.ClockDecl):
            head = f"clock {d.name}" + (f" {_q(d.description)}" if d.description else "")
            self._block(head, d, d.stmts, i)
        elif isinstance(d, s.ExclusionDecl):
            self._add(_exclusion(d), 0, d, decl=i)
        elif isinstance(d, s.TierDecl):
            head = f"tier {d.name}" + (f" extends {d.extends}" if d.extends else "")
            self._block(head, d, d.stmts, i)
        elif isinstance(d, s.LabelDecl):
            code = d.code if d.code.replace("_", "a").isalnum() else _q(d.code)
            self._add(f"label {code} {_text(d.text)}", 0, d, decl=i)
        elif isinstance(d, s.ScopeDecl):
            self._block("scope", d, d.items, i)
        elif isinstance(d, s.SupportDecl):
            self._block("support", d, d.stmts, i)
        elif isinstance(d, s.CreditTermsDecl):
            self._block("credits", d, d.stmts, i)
        elif isinstance(d, s.ReportingDecl):
            self._block("reporting", d, d.stmts, i)

    def _stmt(self, st) -> str:
        return _PRINTERS[type(st)](st)


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _field(f: s.HeaderField) -> str:
    if f.key == "period":
        return f"period {f.values[0]} in {_q(f.values[1])}"
    value = f.values[0]
    shown = _q(value) if isinstance(value, str) else getattr(value, "text", str(value))
    return f"{f.key} {shown}"


def _time(lit: s.Literal) -> str:
    hours, minutes = lit.text.split(":")
    return f"{int(hours):02d}:{minutes}"


def _ranges(ranges) -> str:
    return ", ".join(f"{_time(r.start)}-{_time(r.end)}" for r in ranges)


def _days(days) -> str:
    return ", ".join(f"{d.first}-{d.last}" if d.last else str(d.first) for d in days)


def _duration(lit: s.Literal) -> str:
    seconds = duration_seconds(lit.text)
    return lit.text if seconds is None else format_duration(seconds)


def _target_line(t: s.TargetLine) -> str:
    rule = f" {t.sample}" if t.sample is not None else ""
    if not t.items:
        return f"{t.metric} objective {t.objective}{rule}"
    head = str(t.metric) + (f" on {t.calendar}" if t.calendar else "") + ":"
    items = ", ".join(f"{i.priority} {_duration(i.duration)}" +
                      (f" on {i.calendar}" if i.calendar else "") for i in t.items)
    return f"{head} {items}" + (f" objective {t.objective}{rule}" if t.objective else "")


def _condition(c: s.ConditionNode) -> str:
    if c.op in ("=", "!="):
        return f"{c.field} {c.op} {_q(c.values[0])}"
    return f"{c.field} {c.op} (" + ", ".join(_q(v) for v in c.values) + ")"


def _exclusion(e: s.ExclusionDecl) -> str:
    text = f"exclude {e.subject} where " + " and ".join(_condition(c) for c in e.conditions)
    if e.during:
        text += f" during {e.during}"
    if e.notice is not None:
        text += f" notice {_duration(e.notice)}"
    if e.reason is not None:
        text += f" because {_q(e.reason)}"
    return text


def _text(t: s.TextLit) -> str:
    """``"Change request" it "Richiesta di modifica"``: English first, as written."""
    return " ".join(_q(text) if i == 0 else f"{lang} {_q(text)}"
                    for i, (lang, text) in enumerate(t.texts))


def _priority(st: s.PriorityItem) -> str:
    text = f"{st.code} {_text(st.text)}" if st.text else f"{st.code} {_q(st.label)}"
    return text + (f" means {_text(st.meaning)}" if st.meaning else "")


def _clock_event(st: s.ClockEventStmt) -> str:
    return f"{st.which} at {_event(st.event)}" + (f" means {_text(st.means)}" if st.means
                                                   else "")


def _channel(st: s.ChannelStmt) -> str:
    text = f"channel {st.name} {_q(st.address)}"
    if st.calendar:
        text += f" on {st.calendar}"
    if st.priorities:
        text += " for " + ", ".join(p.text for p in st.priorities)
    return text


def _reporting(st: s.ReportingStmt) -> str:
    return {"monthly": lambda: f"monthly report within {st.number} days",
            "quarterly": lambda: "quarterly review",
            "measured": lambda: f"measured by {_text(st.text)}",
            "review": lambda: f"review every {st.number} months"}[st.kind]()


def _step(x: s.UptimeStep) -> str:
    of = f" of {x.service}" if x.service else ""
    return f"{x.percent} when uptime{of} < {x.below}"


def _event(ev: s.EventRef) -> str:
    return f"status {ev.status}" if ev.status else str(ev.kind)


_PRINTERS = {
    s.TimezoneStmt: lambda st: f"timezone {_q(st.zone)}",
    s.WeeklyHoursStmt: lambda st: f"{_days(st.days)} {_ranges(st.ranges)}",
    s.HolidaysStmt: lambda st: f"holidays {st.country}" + (
        f" subdivision {st.subdivision}" if st.subdivision else ""),
    s.ClosedStmt: lambda st: "closed " + ("every " if st.every else "") + ", ".join(
        d.text for d in st.dates),
    s.OverrideStmt: lambda st: f"hours {st.date.text} " + (_ranges(st.ranges) or "none"),
    s.PriorityItem: _priority,
    s.StatusItem: lambda st: str(st.name),
    s.MatrixRow: lambda st: ", ".join(_q(v) for v in st.values) + f" -> {st.priority}",
    s.ClockEventStmt: _clock_event,
    s.PausesStmt: lambda st: "pauses while status in (" + ", ".join(
        i.text for i in st.statuses) + ")",
    s.OnStmt: lambda st: f"on {st.what} {st.action}",
    s.FeeStmt: lambda st: f"fee {st.amount:f} {st.currency} monthly",  # never 1E-7
    s.TargetLine: _target_line,
    s.UptimeStmt: lambda st: "uptime " + (f"{st.service} " if st.service else "") + str(
        st.percent),
    s.UptimeCreditStmt: lambda st: "credit " + ", ".join(_step(x) for x in st.steps),
    s.ObjectiveCreditStmt: lambda st: f"credit {st.percent} when {st.metric} {st.priority} "
                                      "misses objective",
    s.CapStmt: lambda st: f"cap {st.percent}",
    s.ScopeItem: lambda st: ("covers " if st.covered else "excludes ") + _text(st.text),
    s.ChannelStmt: _channel,
    s.ClassifiedStmt: lambda st: f"classified by {st.by}",
    s.ClaimStmt: lambda st: "claim automatic" if st.days is None else (
        f"claim on request within {st.days} days"),
    s.PaidByStmt: lambda st: f"paid by {st.how}",
    s.SoleRemedyStmt: lambda st: "sole remedy" if st.sole else "not sole remedy",
    s.ReportingStmt: _reporting,
}
