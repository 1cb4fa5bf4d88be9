"""Customer text: every code a customer document would show has a label in every language
the documents are rendered in, and every text is given once per language.

A code is a word the policy uses as data (a ticket category, a downtime kind, a service, a
status, a channel, a calendar). The contract appendix never prints one raw: it prints the
policy's ``label``, or the wording catalogue's own label for the common ones (statuses such as
``waiting_on_customer``, fields such as ``category``). A code with neither in some language is
reported here, so the gap is found by ``slalang check``, not by the customer.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from pathlib import Path

from slalang.diagnostics import Diagnostic
from slalang.language import syntax as s
from slalang.language.context import CheckContext, diag

CODES = {
    "SLA601": "a code shown in a customer document has no label in some language (warning)",
    "SLA602": "a text gives the same language twice",
    "SLA603": "the steps of one uptime credit clause measure different services",
}

#: the languages customer documents are rendered in (slalang.render.i18n.LANGS)
LANGS = ("en", "it")
#: the wording catalogue; read as data, so checking a policy does not load the renderer
_LOCALES = Path(__file__).resolve().parents[2] / "render" / "locales"


@functools.cache
def builtin_labels(lang: str) -> dict[str, frozenset[str]]:
    """The catalogue's own labels in ``lang``, by group (``status``, ``field``, ``channel``,
    ``priority_label``)."""
    import yaml  # only checks that meet a customer-facing text read the catalogue

    # libyaml's safe loader when there is one: the pure-Python loader took most of a check
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    data = yaml.load((_LOCALES / f"{lang}.yaml").read_text(encoding="utf-8"), Loader=loader)  # noqa: S506
    return {group: frozenset(data.get(group) or ()) for group in
            ("status", "field", "channel", "priority_label")}


def run(ctx: CheckContext) -> Iterator[Diagnostic]:
    tree = ctx.tree
    labels: dict[str, set[str]] = {}
    for decl in tree.of_type(s.LabelDecl):
        labels.setdefault(decl.code, set()).update(lang for lang, _ in decl.text.texts)
    for text in _texts(tree):
        yield from _languages_once(text)
    for group, code, span in _shown_codes(ctx):
        missing = [lang for lang in LANGS if lang not in labels.get(code, ())
                   and (group is None or code not in builtin_labels(lang)[group])]
        if missing:
            yield diag("SLA601", f"{_WHAT.get(group, 'the code')} {code!r} would be shown raw "
                       f"in a customer document ({' and '.join(missing)})", span,
                       f'declare its label, e.g. `label {_code(code)} "..." it "..."`',
                       "warning")
    for item in ctx.priorities.values():
        # the label is English; other languages need `it "..."` on the item, a `label P1`, or
        # a label the catalogue knows ("Critical")
        given = {lang for lang, _ in item.text.texts} if item.text else {"en"}
        given |= labels.get(item.code.text, set())
        missing = [lang for lang in LANGS if lang not in given
                   and item.label not in builtin_labels(lang)["priority_label"]]
        if missing:
            yield diag("SLA601", f"the priority {item.code.text!r} has no label in "
                       f"{' and '.join(missing)}", item.span,
                       f'translate it on the item, e.g. `{item.code.text} "{item.label}" '
                       f'{missing[0]} "..."`', "warning")
    for tier in tree.of_type(s.TierDecl):
        for stmt in tier.stmts:
            if isinstance(stmt, s.UptimeCreditStmt):
                yield from _one_service(stmt)


_WHAT = {"status": "the status", "field": "the field", "channel": "the channel",
         "priority_label": "the priority"}


def _code(code: str) -> str:
    return code if code.replace("_", "a").isalnum() and not code[0].isdigit() else f'"{code}"'


def _shown_codes(ctx: CheckContext) -> Iterator[tuple[str | None, str, object]]:
    """(catalogue group or None, code, span) for every code a document would print."""
    tree = ctx.tree
    for decl in tree.declarations:
        if isinstance(decl, s.ExclusionDecl):
            for cond in decl.conditions:
                yield "field", cond.field.text, cond.field.span
                for value in cond.values:
                    yield None, value, cond.span
        elif isinstance(decl, s.ClockDecl):
            for st in decl.stmts:
                if isinstance(st, s.PausesStmt):
                    for status in st.statuses:
                        if status.text not in ("resolved", "closed"):
                            yield "status", status.text, status.span
                elif isinstance(st, s.ClockEventStmt) and st.event.status is not None:
                    yield "status", st.event.status.text, st.event.status.span
        elif isinstance(decl, s.SupportDecl):
            for st in decl.stmts:
                if isinstance(st, s.ChannelStmt):
                    yield "channel", st.name.text, st.name.span
        elif isinstance(decl, s.TierDecl):
            for st in decl.stmts:
                if isinstance(st, s.UptimeStmt) and st.service is not None:
                    yield None, st.service.text, st.service.span
                elif isinstance(st, s.UptimeCreditStmt):
                    for step in st.steps:
                        if step.service is not None:
                            yield None, step.service.text, step.service.span


def _texts(tree: s.PolicyFile) -> Iterator[s.TextLit]:
    for decl in tree.declarations:
        if isinstance(decl, s.LabelDecl):
            yield decl.text
        elif isinstance(decl, s.PrioritiesDecl):
            for item in decl.items:
                yield from (t for t in (item.text, item.meaning) if t is not None)
        elif isinstance(decl, s.ClockDecl):
            yield from (st.means for st in decl.stmts
                        if isinstance(st, s.ClockEventStmt) and st.means is not None)
        elif isinstance(decl, s.ScopeDecl):
            yield from (item.text for item in decl.items)
        elif isinstance(decl, s.ReportingDecl):
            yield from (st.text for st in decl.stmts if st.text is not None)


def _languages_once(text: s.TextLit) -> Iterator[Diagnostic]:
    seen: set[str] = set()
    for lang, _ in text.texts:
        if lang in seen:
            first = "the first string is English" if lang == "en" else f"{lang!r} is given twice"
            yield diag("SLA602", f"the text gives {lang!r} twice", text.span,
                       f"{first}; keep one {lang!r} text")
        seen.add(lang)


def _one_service(stmt: s.UptimeCreditStmt) -> Iterator[Diagnostic]:
    first = stmt.steps[0].service
    for step in stmt.steps[1:]:
        if (step.service and step.service.text) != (first and first.text):
            named = f"uptime of {first.text}" if first else "uptime (every service)"
            yield diag("SLA603", "the steps of one credit clause measure different services",
                       step.span, f"every step measures {named}: write one `credit` line per "
                       "service")
