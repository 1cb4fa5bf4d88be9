"""Formatting helpers shared by the renderings."""

from __future__ import annotations

import datetime as dt
import re
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


#: what XML 1.0 forbids in text and attributes: C0 controls but tab, newline and carriage
#: return; lone surrogates; U+FFFE and U+FFFF
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    """``text`` with every character XML 1.0 cannot carry written as a visible escape, so a
    NUL or an escape character in a customer name cannot make CI reject the whole file.

    >>> xml_text("Alfa\\x00Srl\\x1b[31m\\tok")
    'Alfa\\\\x00Srl\\\\x1b[31m\\tok'
    """
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 256
                        else f"\\u{ord(m.group()):04x}", text)


def xml_safe_tree(root) -> None:
    """Make every text, tail and attribute value of an ElementTree element (and below)
    legal XML 1.0, in place (see :func:`xml_text`)."""
    for element in root.iter():
        if element.text:
            element.text = xml_text(element.text)
        if element.tail:
            element.tail = xml_text(element.tail)
        for key, value in element.attrib.items():
            element.attrib[key] = xml_text(value)
