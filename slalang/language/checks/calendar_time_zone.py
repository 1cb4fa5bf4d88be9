"""Time zones must exist in the IANA database (``zoneinfo``), and every calendar needs one."""

from __future__ import annotations

import functools
import re
import zoneinfo
from collections.abc import Iterator

from slalang.diagnostics import Diagnostic, did_you_mean
from slalang.language import syntax as s
from slalang.language.context import CheckContext, diag
from slalang.model import Span

CODES = {"SLA403": "unknown time zone, or a calendar without one"}


def run(ctx: CheckContext) -> Iterator[Diagnostic]:
    period = ctx.header_field("period")
    if period is not None:
        yield from _zone(period.values[1], period.span)
    for cal in ctx.tree.of_type(s.CalendarDecl):
        zones = [st for st in cal.stmts if isinstance(st, s.TimezoneStmt)]
        for st in zones:
            yield from _zone(st.zone, st.span)
        if not zones and not cal.always:
            yield diag("SLA403", f"calendar {cal.name.text!r} has no time zone", cal.name.span,
                       'add e.g. `timezone "Europe/Rome"`; only 24x7 calendars default to the '
                       "header's period zone")


def known_zone(name: str) -> bool:
    try:
        zoneinfo.ZoneInfo(name)
    # OSError: zoneinfo opens a file named after the zone, so a name over 255 characters
    # fails with "File name too long", and one naming a folder ("Europe") with EISDIR
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


@functools.cache
def _all_zones() -> tuple[str, ...]:
    return tuple(sorted(zoneinfo.available_timezones()))


#: ``+01:00``, ``UTC+1``, ``GMT-05:00``: an offset, not a zone
_OFFSET = re.compile(r"(?i)(utc|gmt)?\s*[+-]\d{1,2}(:?\d{2})?")


def _zone(name: str, span: Span) -> Iterator[Diagnostic]:
    if not known_zone(name):
        yield diag("SLA403", f"unknown time zone {name!r}", span, _zone_hint(name))


def _zone_hint(name: str) -> str:
    if _OFFSET.fullmatch(name.strip()):
        # a fixed offset knows nothing of daylight saving time: half the year would be wrong
        return ('a fixed offset ignores daylight saving time; name the place\'s zone, e.g. '
                '"Europe/Rome" (+01:00 in winter, +02:00 in summer)')
    # `Rome`, `new york`: the city part of a zone name
    city = name.strip().replace(" ", "_").lower()
    by_city = [z for z in _all_zones() if z.rsplit("/", 1)[-1].lower() == city]
    if by_city:
        return f"did you mean {by_city[0]!r}?"
    return did_you_mean(name, _all_zones()) or \
        'use an IANA zone name such as "Europe/Rome" or "America/New_York"'

