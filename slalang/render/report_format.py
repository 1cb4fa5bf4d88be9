"""Locale formatting for reports: numbers keep the digits the evaluation gave them.

A report never rounds or recomputes a measured number: ``"97.50"`` in the evaluation JSON is
shown as ``97.50 %`` in English and ``97,50 %`` in Italian, with exactly the same digits. Only
the decimal and grouping symbols follow the locale (Babel's CLDR data).

>>> f = ReportFormatter("it", "Europe/Rome")
>>> f.percent("97.50"), f.money("1250.00", "EUR"), f.number("44640")
('97,50 %', '1.250,00\\xa0€', '44.640')
>>> ReportFormatter("en", "Europe/Rome").duration(5400)
'1 h 30 min'
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal

from slalang.errors import DataError

#: the languages reports are written in
LANGUAGES = ("en", "it")


def to_decimal(value: object, what: str = "number") -> Decimal:
    """The evaluation writes exact numbers as strings (or ints); read them without floats."""
    if isinstance(value, bool) or value is None:
        raise DataError(f"expected a {what}, got {value!r}")
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise DataError(f"expected a {what}, got {value!r}") from None


def _pattern(value: Decimal) -> str:
    """A Babel pattern showing exactly the fraction digits ``value`` carries."""
    exponent = value.as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return "#,##0" + ("." + "0" * places if places else "")


class ReportFormatter:
    """Formats numbers, money, instants and durations for one language and time zone."""

    def __init__(self, lang: str, timezone: str) -> None:
        if lang not in LANGUAGES:
            raise DataError(f"unsupported report language {lang!r} (choose from: "
                            f"{', '.join(LANGUAGES)})")
        self.lang = lang
        self.tz = ZoneInfo(timezone)

    def number(self, value: object) -> str:
        d = to_decimal(value)
        return format_decimal(d, format=_pattern(d), locale=self.lang, decimal_quantization=True)

    def percent(self, value: object) -> str:
        """A percentage given as a plain number (``"99.50"`` means 99.50 %)."""
        if value is None:
            return "n/a" if self.lang == "en" else "n.d."
        # both CLDR locales put a space before % in our house style; keep one style per report
        return f"{self.number(value)} %"

    def money(self, amount: object, currency: str | None) -> str:
        """An amount with its currency, digits as given; ``—`` for none (no fee)."""
        if amount is None:
            return "—"
        d = to_decimal(amount, "money amount")
        if not currency:
            return self.number(d)
        return format_currency(d, currency, format=None, locale=self.lang,
                               currency_digits=False, decimal_quantization=False)

    def instant(self, value: str | None) -> str:
        """An ISO 8601 instant shown in the policy's time zone, e.g. ``3 Jul 2026 16:05``."""
        if not value:
            return "—"
        t = parse_instant(value)
        return format_datetime(t, "d MMM y HH:mm", tzinfo=self.tz, locale=self.lang)

    def date(self, value: str | None) -> str:
        if not value:
            return "—"
        return format_date(parse_instant(value).astimezone(self.tz), "d MMM y", locale=self.lang)

    def month(self, month: str) -> str:
        """``2026-07`` → ``July 2026`` / ``luglio 2026``."""
        year, mon = _month_parts(month)
        return format_date(dt.date(year, mon, 1), "LLLL y", locale=self.lang)

    def short_month(self, month: str) -> str:
        year, mon = _month_parts(month)
        return format_date(dt.date(year, mon, 1), "LLL y", locale=self.lang)

    def duration(self, seconds: object) -> str:
        """Whole seconds as days, hours and minutes (``2 d 4 h``, ``15 min``, ``0 min``)."""
        if seconds is None:
            return "—"
        total = int(to_decimal(seconds, "duration"))
        sign = "-" if total < 0 else ""
        total = abs(total)
        d, rest = divmod(total, 86400)
        h, rest = divmod(rest, 3600)
        m = rest // 60
        day = "d" if self.lang == "en" else "g"
        parts = [f"{d} {day}"] if d else []
        if h:
            parts.append(f"{h} h")
        if m or not parts:
            parts.append(f"{m} min")
        return sign + " ".join(parts)


def parse_instant(value: str) -> dt.datetime:
    """Parse an ISO 8601 instant with an offset (``Z`` accepted)."""
    try:
        t = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        raise DataError(f"not an ISO 8601 instant: {value!r}") from None
    if t.tzinfo is None:
        raise DataError(f"instant without a UTC offset: {value!r}")
    return t


def _month_parts(month: str) -> tuple[int, int]:
    try:
        year, mon = (int(p) for p in month.split("-"))
        dt.date(year, mon, 1)
    except (ValueError, AttributeError):
        raise DataError(f"not a month (YYYY-MM): {month!r}") from None
    return year, mon
