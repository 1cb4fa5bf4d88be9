"""What an editor asks about a policy, answered from its text: diagnostics (as ``check``),
hover, definitions, references, the outline, completions and formatting.

Plain functions of an :class:`Analysis` (one parse and check of the document's text), so they
are tested without an editor; positions are the spans' 1-based lines and columns, and
:mod:`slalang.lsp.server` converts them to the protocol's.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from functools import cached_property

from slalang.diagnostics import Diagnostic
from slalang.errors import PolicyError
from slalang.language import check, format_source, parse
from slalang.language import syntax as s
from slalang.lsp.names import Name, name_at, names
from slalang.model import Policy, Span


@dataclass
class Analysis:
    """One document, parsed and checked; ``tree`` and ``policy`` are None when they could not
    be made (a syntax error; error diagnostics)."""

    path: str
    source: str
    tree: s.PolicyFile | None = None
    policy: Policy | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @cached_property
    def names(self) -> list[Name]:
        return names(self.tree) if self.tree is not None else []

    @cached_property
    def plan(self):
        from slalang.plan import compile_plan

        return compile_plan(self.policy) if self.policy is not None else None


def analyse(source: str, path: str) -> Analysis:
    """Parse and check ``source`` as the file ``path`` (the roster it names is read relative
    to it, as ``slalang check`` does): the same codes, spans and hints as ``check``."""
    result = Analysis(path, source)
    try:
        result.tree = parse(source, path)
    except PolicyError as exc:
        result.diagnostics = list(exc.diagnostics)
        return result
    policy, result.diagnostics = check(result.tree)
    if policy is not None:
        from slalang.cli.check import roster_diagnostics

        result.policy = dataclasses.replace(policy, source_path=path)
        result.diagnostics.extend(roster_diagnostics(result.policy, result.tree))
    return result


# -- definitions and references ------------------------------------------------------------

def definition(a: Analysis, line: int, column: int) -> Span | None:
    """Where the name under the cursor is defined (calendars, clocks, tiers, priorities)."""
    here = name_at(a.names, line, column)
    if here is None:
        return None
    found = next((n for n in a.names if n.defines and (n.kind, n.text) == (here.kind, here.text)),
                 None)
    return found.span if found is not None else None


def references(a: Analysis, line: int, column: int, declaration: bool = True) -> list[Span]:
    """Every place the name under the cursor is written (its definition too, if asked)."""
    here = name_at(a.names, line, column)
    if here is None:
        return []
    return [n.span for n in a.names if (n.kind, n.text) == (here.kind, here.text)
            and (declaration or not n.defines)]


# -- hover ---------------------------------------------------------------------------------

def hover(a: Analysis, line: int, column: int, known: Analysis | None = None) -> str | None:
    """Markdown about the name under the cursor: a target's effective value after inheritance
    with its calendar in words and the clause it comes from; a tier's effective targets; a
    calendar in words; a clock's rules; which clocks a status pauses.

    While the text has an error elsewhere (so no policy is built), the meaning comes from
    ``known``, the document's last version that checked clean, if given."""
    here = name_at(a.names, line, column)
    if a.policy is None and known is not None and known.policy is not None:
        a = _with_meaning(a, known)
    if here is None and a.policy is not None and a.tree is not None:
        # the duration of `P1 1h` is the target as much as its priority is
        found = _duration_at(a.tree, line, column)
        if found is not None:
            tier, metric, item = found
            return _target_text(a, tier.name.text, metric, item.priority.text)
    if here is None or a.policy is None:
        return None
    if here.kind == "priority" and isinstance(here.node, s.TargetItem) and here.tier:
        metric = _metric_of(here.tier, here.node)
        return _target_text(a, here.tier.name.text, metric, here.text)
    if here.kind == "tier":
        return _tier_text(a, here.text)
    if here.kind == "calendar":
        cal = _lookup(a.policy.calendars, here.text)
        return None if cal is None else f"**calendar {here.text}**: {_calendar_words(cal)}"
    if here.kind == "clock":
        clock = _lookup(a.policy.clocks, here.text)
        if clock is None:
            return None
        from slalang.render.i18n import Wording
        from slalang.render.wording import clock_sentences

        return f"**clock {here.text}**: " + " ".join(clock_sentences(Wording("en"), clock))
    if here.kind == "priority":
        label = next((p.label for p in a.policy.priorities if p.code == here.text), None)
        return None if label is None else f"**{here.text}**: {label}"
    if here.kind == "status":
        pausing = [c.name for c in a.policy.clocks if here.text in c.pause_statuses]
        return (f"**status {here.text}**: pauses " + ", ".join(pausing) if pausing
                else f"**status {here.text}**")
    return None


def _duration_at(tree: s.PolicyFile, line: int, column: int
                 ) -> tuple[s.TierDecl, str, s.TargetItem] | None:
    """The tier, metric and target item whose duration covers ``line``/``column``."""
    for decl in tree.declarations:
        if not isinstance(decl, s.TierDecl):
            continue
        for st in decl.stmts:
            if not isinstance(st, s.TargetLine):
                continue
            for item in st.items:
                sp = item.duration.span
                if sp.line == line and sp.column <= column <= sp.end_column:
                    return decl, st.metric.text, item
    return None


def _with_meaning(a: Analysis, known: Analysis) -> Analysis:
    """``a``'s text and names with ``known``'s policy and plan."""
    merged = Analysis(a.path, a.source, a.tree, known.policy, a.diagnostics)
    merged.__dict__["names"] = a.names
    merged.__dict__["plan"] = known.plan
    return merged


def _metric_of(tier: s.TierDecl, item: s.TargetItem) -> str:
    line = next(st for st in tier.stmts if isinstance(st, s.TargetLine) and item in st.items)
    return line.metric.text


def _lookup(items, name: str):
    return next((x for x in items if x.name == name), None)


def _calendar_words(cal) -> str:
    from slalang.render.i18n import Wording
    from slalang.render.wording import calendar_words

    return calendar_words(Wording("en"), cal)


def _target_text(a: Analysis, tier: str, metric: str, priority: str) -> str | None:
    from slalang.plan.text import format_duration, objective_text, where

    row = a.plan.row(tier, metric, priority) if a.plan is not None else None
    if row is None:
        return None
    cal = _lookup(a.policy.calendars, row.calendar)
    origin = "" if row.origin_tier == tier else f", inherited from tier {row.origin_tier}"
    return (f"**{tier} · {metric} {priority}**: {format_duration(row.target_seconds)} of "
            f"`{row.calendar}` time, objective {objective_text(row)}\n\n"
            f"`{row.calendar}`: {_calendar_words(cal) if cal else ''}\n\n"
            f"from {where(row.span)}{origin}")


def _tier_text(a: Analysis, tier: str) -> str | None:
    from slalang.plan.text import format_duration, objective_text

    if a.plan is None or tier not in a.plan.tiers:
        return None
    rows = [r for r in a.plan.rows if r.tier == tier]
    t = _lookup(a.policy.tiers, tier)
    head = f"**tier {tier}**" + (f" (extends {t.extends})" if t is not None and t.extends
                                  else "")
    lines = [f"- {r.metric} {r.priority}: {format_duration(r.target_seconds)} on "
             f"`{r.calendar}`, objective {objective_text(r)}"
             + ("" if r.origin_tier == tier else f" (from {r.origin_tier})") for r in rows]
    return "\n".join([head, "", *lines])


# -- outline -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Symbol:
    name: str
    kind: str  # "policy", "calendar", "priority", "clock", "exclusion", "tier", "target"
    span: Span
    selection: Span
    children: tuple[Symbol, ...] = ()
    detail: str = ""


def symbols(a: Analysis) -> list[Symbol]:
    """The outline: the header, calendars, priorities, clocks, exclusions and tiers (with
    their target lines)."""
    if a.tree is None:
        return []
    h = a.tree.header
    out = [Symbol(h.name, "policy", h.span, h.head_span)]
    for d in a.tree.declarations:
        if isinstance(d, s.CalendarDecl):
            out.append(Symbol(d.name.text, "calendar", d.span, d.name.span,
                              detail="24x7" if d.always else ""))
        elif isinstance(d, s.PrioritiesDecl):
            kids = tuple(Symbol(p.code.text, "priority", p.span, p.code.span, detail=p.label)
                         for p in d.items)
            out.append(Symbol("priorities", "priority", d.span, d.span, kids))
        elif isinstance(d, s.ClockDecl):
            out.append(Symbol(d.name.text, "clock", d.span, d.name.span,
                              detail=d.description or ""))
        elif isinstance(d, s.ExclusionDecl):
            out.append(Symbol(f"exclude {d.subject.text}", "exclusion", d.span, d.subject.span,
                              detail=d.reason or ""))
        elif isinstance(d, s.TierDecl):
            kids = tuple(Symbol(st.metric.text, "target", st.span, st.metric.span)
                         for st in d.stmts if isinstance(st, s.TargetLine))
            out.append(Symbol(d.name.text, "tier", d.span, d.name.span, kids,
                              detail=f"extends {d.extends.text}" if d.extends else ""))
    return out


# -- completion ----------------------------------------------------------------------------

def keywords() -> tuple[str, ...]:
    """The language's keywords, from the grammar's named keyword terminals."""
    from slalang.language.grammar import grammar_text

    return tuple(sorted(set(re.findall(r'^[A-Z_]+:\s*"([a-z_-]+)"', grammar_text(), re.M))))


def completions(a: Analysis, line: int, column: int) -> list[tuple[str, str, str]]:
    """(label, kind, detail) for the word being typed: after ``on`` the calendars, after
    ``extends`` the tiers, else keywords and every defined name."""
    text = a.source.splitlines()[line - 1] if line - 1 < len(a.source.splitlines()) else ""
    before = text[:column - 1]
    prefix = re.search(r"[A-Za-z_0-9]*$", before).group(0)
    word_before = (re.findall(r"[A-Za-z_]+", before[:len(before) - len(prefix)]) or [""])[-1]
    defined = [(n.text, n.kind) for n in _definitions(a)]
    wanted = {"on": ("calendar",), "extends": ("tier",), "during": ("calendar",)}.get(
        word_before)
    if wanted:
        items = [(t, k, k) for t, k in defined if k in wanted]
    else:
        items = [(k, "keyword", "keyword") for k in keywords()] + [(t, k, k) for t, k in defined]
    return [i for i in items if i[0].startswith(prefix)]


def _definitions(a: Analysis) -> list[Name]:
    if a.tree is not None:
        return [n for n in a.names if n.defines]
    # a file that does not parse still offers the names it defines, found by their keywords
    found = []
    for m in re.finditer(r"^\s*(calendar|clock|tier)\s+([A-Za-z_][A-Za-z0-9_]*)", a.source,
                         re.M):
        found.append(Name(m.group(1), m.group(2), True, s.Ident(m.group(2), _nowhere()),
                          None, None))
    return found


def _nowhere() -> Span:
    from slalang.model import NOWHERE

    return NOWHERE


# -- formatting ----------------------------------------------------------------------------

def formatted(source: str, path: str) -> str | None:
    """The canonical layout (as ``slalang fmt``), or None when the text does not parse."""
    try:
        return format_source(source, path)
    except PolicyError:
        return None
