"""Formatting helpers shared by the renderings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

from slalang.model import Span


@lru_cache(maxsize=16)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def iso_local(epoch: int, tz: str) -> str:
    """An epoch instant as ISO 8601 with the zone's offset.

    >>> iso_local(1785540600, "Europe/Rome")
    '2026-08-01T01:30:00+02:00'
    """
    return dt.datetime.fromtimestamp(int(epoch), zone(tz)).isoformat()


def dec(value: Decimal | None) -> str | None:
    """A Decimal as plain text without exponent or trailing zeros (exact values stay exact).

    >>> dec(Decimal("10.0")), dec(Decimal("99.5")), dec(None)
    ('10', '99.5', None)
    """
    if value is None:
        return None
    text = f"{value.normalize():f}"
    return text


def clause(span: Span | None) -> str | None:
    """``file:line`` of a policy clause.

    >>> clause(Span("reference.sla", 12, 5, 12, 9))
    'reference.sla:12'
    """
    return f"{span.file}:{span.line}" if span is not None and span.line else None
