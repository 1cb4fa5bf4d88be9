"""Every name written in a policy, with what it names and whether it defines or uses it: the
index behind go to definition, find references, rename-free outlines and completion.

The syntax tree is walked generically (every frozen dataclass's fields), and a table of
(node type, field) says what an :class:`~slalang.language.syntax.Ident` there names, so a new
node type only needs a row here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass

from slalang.language import syntax as s

#: (node type, field) -> (kind of name, defines?)
ROLES: dict[tuple[type, str], tuple[str, bool]] = {
    (s.CalendarDecl, "name"): ("calendar", True),
    (s.ClockDecl, "name"): ("clock", True),
    (s.TierDecl, "name"): ("tier", True),
    (s.TierDecl, "extends"): ("tier", False),
    (s.PriorityItem, "code"): ("priority", True),
    (s.MatrixRow, "priority"): ("priority", False),
    (s.TargetLine, "metric"): ("clock", False),
    (s.TargetLine, "calendar"): ("calendar", False),
    (s.TargetItem, "priority"): ("priority", False),
    (s.TargetItem, "calendar"): ("calendar", False),
    (s.ObjectiveCreditStmt, "metric"): ("clock", False),
    (s.ObjectiveCreditStmt, "priority"): ("priority", False),
    (s.ExclusionDecl, "during"): ("calendar", False),
    (s.PausesStmt, "statuses"): ("status", False),
    (s.EventRef, "status"): ("status", False),
    (s.UptimeStmt, "service"): ("service", False),
}


@dataclass(frozen=True)
class Name:
    """One written name: what it names (``kind``), whether it is the definition, where."""

    kind: str
    text: str
    defines: bool
    ident: s.Ident
    #: the node holding it (a TargetItem, a TierDecl, ...), and the tier it is inside, if any
    node: object
    tier: s.TierDecl | None

    @property
    def span(self):
        return self.ident.span


def _walk(node: object, tier: s.TierDecl | None) -> Iterator[Name]:
    if isinstance(node, tuple | list):
        for child in node:
            yield from _walk(child, tier)
        return
    if not dataclasses.is_dataclass(node) or isinstance(node, s.Ident):
        return
    tier = node if isinstance(node, s.TierDecl) else tier
    for f in dataclasses.fields(node):
        value = getattr(node, f.name)
        role = ROLES.get((type(node), f.name))
        if role is not None:
            idents = value if isinstance(value, tuple) else (value,)
            for ident in idents:
                if isinstance(ident, s.Ident):
                    yield Name(role[0], ident.text, role[1], ident, node, tier)
        elif f.name != "span":
            yield from _walk(value, tier)


def names(tree: s.PolicyFile) -> list[Name]:
    """Every name in the file, in the order written."""
    return list(_walk(tree.declarations, None))


def name_at(found: list[Name], line: int, column: int) -> Name | None:
    """The name whose text covers ``line``/``column`` (1-based, as spans are), if any."""
    for n in found:
        sp = n.span
        if sp.line == line and sp.column <= column <= sp.end_column:
            return n
    return None
