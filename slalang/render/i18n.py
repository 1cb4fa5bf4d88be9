"""Locale-aware wording shared by every rendered document (contract appendix, reports).

:class:`Wording` binds a language (``en`` or ``it``) and offers the formatting every template
needs: money, numbers, percentages and dates through Babel, durations in words with correct
plurals, lists ("a, b and c" / "a, b e c"), and the message catalogue
(``slalang/render/locales/<lang>.yaml``). The Jinja environment registers these methods as
filters (see :mod:`slalang.render.environment`), so a template never formats a number itself.

The contract and the reports share it. Numbers given as *text* are the evaluation's exact
decimals (``"97.50"``): they are shown with exactly their digits, never rounded again; numbers
given as ``int``/``Decimal`` come from the policy and follow the usual rules (money with the
currency's cents). Instants (ISO 8601 text or aware datetimes) are shown in the Wording's time
zone (the policy's, for a report).

>>> w = Wording("it")
>>> w.money(4000, "EUR")
'4.000,00\\xa0€'
>>> w.duration(5400)
'1 ora e 30 minuti'
>>> Wording("en").duration(4 * 3600, business=True)
'4 business hours'
>>> w.percent("97.50"), w.money("1250.00", "EUR"), w.number("44640")
('97,50%', '1.250,00\xa0€', '44.640')
>>> Wording("en").duration(95400, short=True)
'26 h 30 min'
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from babel import Locale
from babel.dates import format_date, format_datetime, get_timezone_location
from babel.lists import format_list
from babel.numbers import format_currency, format_decimal, format_percent

from slalang.document import to_decimal  # noqa: F401 - the filters use it
from slalang.errors import DataError
from slalang.model import Money, TimeRange
from slalang.render.errors import RenderError

#: language code -> Babel locale. en_GB: day-month-year dates and the euro as a European reads it
LOCALES = {"en": "en_GB", "it": "it_IT"}
LANGS = tuple(LOCALES)

_PLACEHOLDER = re.compile(r"\{[^{}]*\}")


@functools.cache
def catalogue(lang: str) -> dict:
    """The message catalogue of ``lang`` (nested mapping of keys to text)."""
    if lang not in LOCALES:
        raise RenderError(f"unknown language {lang!r}; choose one of {', '.join(LANGS)}")
    text = resources.files("slalang.render").joinpath("locales").joinpath(f"{lang}.yaml").read_text(
        encoding="utf-8")
    return yaml.safe_load(text)


class Wording:
    """Formatting and phrases for one language; cheap to build, stateless once built."""

    def __init__(self, lang: str, timezone: str | None = None,
                 labels: Mapping[str, str] | None = None) -> None:
        self.messages = catalogue(lang)
        #: the policy's own labels of its codes in this language (``label`` declarations)
        self.codes: Mapping[str, str] = labels or {}
        #: ``en`` or ``it``
        self.lang = lang
        #: the Babel locale name (``en_GB``, ``it_IT``)
        self.locale = LOCALES[lang]
        self._babel = Locale.parse(self.locale)
        #: the zone instants are shown in (IANA name); None: as given
        self.timezone = timezone
        self._tz = ZoneInfo(timezone) if timezone else None

    # -- the catalogue -------------------------------------------------------------------

    def has(self, key: str) -> bool:
        """Whether the catalogue holds ``key`` (dotted path)."""
        try:
            self._lookup(key)
        except RenderError:
            return False
        return True

    def t(self, key: str, count: int | Decimal | None = None, **args: Any) -> str:
        """The message ``key`` (dotted path), formatted with ``args``.

        A message with plural forms (``one``/``other``) picks the form for ``count`` by the
        language's CLDR plural rule; ``{n}`` in it is ``count`` formatted for the locale.

        >>> Wording("en").t("unit.hour", 1)
        '1 hour'
        >>> Wording("it").t("unit.business_hour", 4)
        '4 ore lavorative'
        """
        entry = self._lookup(key)
        if isinstance(entry, Mapping):
            if count is None:
                raise RenderError(f"message {key!r} has plural forms: a count is needed")
            form = self._babel.plural_form(count)
            entry = entry.get(form) or entry["other"]
            args.setdefault("n", self.number(count))
        if not isinstance(entry, str):
            raise RenderError(f"message {key!r} is not text")
        try:
            return entry.format(**args)
        except KeyError as exc:
            raise RenderError(f"message {key!r} needs the value {exc.args[0]!r}") from None

    def items(self, key: str) -> Any:
        """A raw catalogue entry: a list (weekday names) or a mapping (known labels)."""
        return self._lookup(key)

    def label(self, group: str, code: str, fallback: str) -> str:
        """The policy's label for ``code``, else the catalogue's in ``group``, else
        ``fallback`` with ``{code}``."""
        if code in self.codes:
            return self.codes[code]
        known = self.messages.get(group) or {}
        if code in known:
            return known[code]
        return fallback.format(code=code)

    def _lookup(self, key: str) -> Any:
        node: Any = self.messages
        for part in key.split("."):
            if not isinstance(node, Mapping) or part not in node:
                raise RenderError(f"no message {key!r} in the {self.lang!r} catalogue")
            node = node[part]
        return node

    # -- numbers, money, dates -----------------------------------------------------------

    def number(self, value: int | Decimal | float | str | None,
               exact: bool | None = None) -> str:
        """A number with the locale's separators.

        ``exact`` (the default for text, i.e. the evaluation's decimals) keeps exactly the
        digits given, trailing zeros included; otherwise trailing zeros are dropped.

        >>> Wording("it").number(Decimal("1234.5")), Wording("it").number("1234.50")
        ('1.234,5', '1.234,50')
        """
        if value is None:
            return self.t("none")
        if exact is None:
            exact = isinstance(value, str)
        if exact:
            d = to_decimal(value)
            return format_decimal(d, format=_pattern(d), locale=self.locale)
        return format_decimal(_plain(value), locale=self.locale, decimal_quantization=False)

    def percent(self, value: int | Decimal | str | None, article: str | None = None) -> str:
        """``value`` percent (``99.5`` means 99.5 %), as the locale writes it; the decimals
        given are kept (``99.0%``, ``"97.50"`` -> ``97.50%``); None is "not applicable".
        ``article`` (``il``, ``al``, ``del``, ``dal``) puts the Italian article before it, as
        :meth:`forms` does (English ignores it).

        >>> Wording("it").percent(Decimal("99.5")), Wording("it").percent("80", article="al")
        ('99,5%', "all'80%")
        >>> Wording("en").percent(Decimal("99.0")), Wording("it").percent(None)
        ('99.0%', 'n.d.')
        """
        if value is None:
            return self.t("not_applicable_short")
        if article is not None:
            return self.forms("p", self.percent(value))[f"p_{article}"]
        value = to_decimal(value, "percentage")
        decimals = max(0, -int(value.as_tuple().exponent))
        pattern = self._babel.percent_formats[None].pattern
        if decimals:  # "#,##0%" -> "#,##0.0%": as many decimals as the policy wrote
            pattern = re.sub(r"0(?=[^0-9]*$)", "0." + "0" * decimals, pattern, count=1)
        return format_percent(value / 100, format=pattern, locale=self.locale)

    def money(self, value: Money | Decimal | int | str | None,
              currency: str | None = None) -> str:
        """An amount in a currency, as the locale writes it (``€2,500.00`` / ``2.500,00 €``).

        Text amounts (the evaluation's) keep their digits; None (no fee) is a dash.
        """
        if value is None:
            return self.t("none")
        if isinstance(value, Money):
            value, currency = value.amount, value.currency
        if isinstance(value, str):
            amount = to_decimal(value, "money amount")
            if not currency:
                return self.number(value)
            return format_currency(amount, currency, locale=self.locale, currency_digits=False,
                                   decimal_quantization=False)
        if not currency:
            raise RenderError("an amount of money needs a currency")
        return format_currency(value, currency, locale=self.locale)

    def date(self, value: dt.date | str | None, format: str = "long") -> str:
        """A date (or an ISO instant's date in the Wording's zone); ``long`` is
        ``1 January 2026`` / ``1º gennaio 2026``.

        >>> Wording("it").date(dt.date(2026, 1, 1))
        '1º gennaio 2026'
        """
        if not value:
            return self.t("none")
        if isinstance(value, str):
            value = self._local(value).date()
        text = format_date(value, format=format, locale=self.locale)
        if self.lang == "it" and format == "long" and value.day == 1:
            text = "1º" + text[1:]  # Italian writes the first of the month as an ordinal
        return text

    def datetime(self, value: dt.datetime | str | None, format: str = "d MMM y HH:mm",
                 tz: str | None = None) -> str:
        """An instant (aware datetime or ISO 8601 text) in ``tz`` (default: the Wording's
        zone), as the locale writes it; None is a dash.

        >>> Wording("en", "Europe/Rome").datetime("2026-09-13T01:10:00Z")
        '13 Sept 2026 03:10'
        """
        if not value:
            return self.t("none")
        if isinstance(value, str):
            value = parse_instant(value)
        return format_datetime(value, format=format, tzinfo=tz or self._tz, locale=self.locale)

    def month_label(self, value: str, short: bool = False) -> str:
        """A month of an evaluation: ``2026-07`` -> ``July 2026`` (``short``: ``Jul 2026``).

        >>> Wording("it").month_label("2026-07"), Wording("it").month_label("2026-07", True)
        ('luglio 2026', 'lug 2026')
        """
        try:
            year, mon = (int(p) for p in str(value).split("-"))
            first = dt.date(year, mon, 1)
        except ValueError:
            raise DataError(f"not a month (YYYY-MM): {value!r}") from None
        return format_date(first, "LLL y" if short else "LLLL y", locale=self.locale)

    def _local(self, value: str) -> dt.datetime:
        t = parse_instant(value)
        return t.astimezone(self._tz) if self._tz else t

    def city(self, timezone: str) -> str:
        """The exemplar city of a time zone in this language (``Roma`` for Europe/Rome)."""
        return get_timezone_location(timezone, locale=self.locale, return_city=True)

    def currency_name(self, code: str) -> str:
        """``euro`` for ``EUR`` in either language (Babel's CLDR name, lower case as in
        running text)."""
        from babel.numbers import get_currency_name

        name = get_currency_name(code, locale=self._babel)
        return name.lower() if name and name != code else code

    def country(self, code: str) -> str:
        """A country's name from its ISO 3166 code (``Italia``)."""
        return self._babel.territories.get(code.upper(), code)

    def month(self, number: int) -> str:
        """The month's name as used inside a date (``December`` / ``dicembre``)."""
        return self._babel.months["format"]["wide"][number]

    # -- words ---------------------------------------------------------------------------

    def join(self, items: Iterable[str], style: str = "and") -> str:
        """``a, b and c`` (``style="or"``: ``a, b or c``), by the locale's list patterns.

        >>> Wording("it").join(["a", "b", "c"], "or")
        'a, b o c'
        """
        items = list(items)
        if not items:
            return ""
        return format_list(items, style="standard" if style == "and" else "or",
                           locale=self.locale)

    def duration(self, seconds: int | str | None, business: bool = False,
                 short: bool = False) -> str:
        """A duration in words: hours, minutes and seconds, never days (contracts count hours).

        ``business`` marks time counted on a calendar with working hours. ``short`` is the
        compact form tables use: hours and minutes (``52 h 15 min``, ``15 min``; a negative
        duration keeps its sign), never days, which would read as calendar days when the
        seconds are business seconds. None is a dash.

        >>> Wording("en").duration(5400)
        '1 hour 30 minutes'
        >>> Wording("it").duration(3600, business=True)
        '1 ora lavorativa'
        >>> Wording("it").duration(5400, business=True)
        '1 ora e 30 minuti lavorativi'
        >>> Wording("it").duration(2 * 86400 + 900, short=True)
        '48 h 15 min'
        """
        if seconds is None:
            return self.t("none")
        if short:
            return self._short_duration(int(to_decimal(seconds, "duration")))
        hours, rest = divmod(int(seconds), 3600)
        minutes, secs = divmod(rest, 60)
        units = [(n, unit) for n, unit in ((hours, "hour"), (minutes, "minute"),
                                           (secs, "second")) if n]
        if not units:
            return self.t("unit.minute", 0)
        if business and len(units) == 1:
            n, unit = units[0]
            return self.t(f"unit.business_{unit}", n)
        parts = [self.t(f"unit.{unit}", n) for n, unit in units]
        text = " ".join(parts) if self.t("duration.style") == "space" else self.join(parts)
        return self.t("duration.business_mixed", parts=text) if business else text

    def _short_duration(self, total: int) -> str:
        sign, total = ("-" if total < 0 else ""), abs(total)
        hours, rest = divmod(total, 3600)
        minutes = rest // 60
        parts = []
        if hours:
            parts.append(self.t("unit_short.hour", n=self.number(hours)))
        if minutes or not parts:
            parts.append(self.t("unit_short.minute", n=self.number(minutes)))
        return sign + " ".join(parts)

    def time_range(self, span: TimeRange) -> str:
        """``08:30–13:00``: minutes after midnight as clock times joined by an en dash."""
        def hhmm(m: int) -> str:
            return f"{m // 60:02d}:{m % 60:02d}"

        return f"{hhmm(span.start)}\u2013{hhmm(span.end)}"

    def code(self, code: str, group: str = "") -> str:
        """How a code of the data reads: the policy's label, the catalogue's (``group``), or
        as a last resort the code itself, exactly as the data holds it (``slalang check``
        warns about it, SLA601, long before a customer reads it).

        >>> Wording("it", labels={"planned": "Manutenzione programmata"}).code("planned")
        'Manutenzione programmata'
        >>> Wording("en").code("waiting_on_customer", "status"), Wording("en").code("hw_order")
        ('waiting on the customer', 'hw_order')
        """
        return self.label(group, code, "{code}") if group else self.codes.get(code, code)

    def quote(self, text: str) -> str:
        """A code or name quoted as the language does (“x” / «x»)."""
        return self.t("quote", text=text)

    def forms(self, name: str, text: str) -> dict[str, str]:
        """``text`` with the article forms Italian needs before a number.

        Returns ``{name: text, name_il: "il 5%", name_al: "al 5%", name_del: "del 5%"}``;
        in English every form is ``text`` itself, so one catalogue message shape serves both.

        >>> Wording("it").forms("x", "8%")["x_del"]
        "dell'8%"
        """
        forms = {name: text}
        for prep in ("il", "al", "del", "dal"):
            forms[f"{name}_{prep}"] = text if self.lang != "it" else _it_article(prep, text)
        return forms


def parse_instant(value: str) -> dt.datetime:
    """An ISO 8601 instant with an offset (``Z`` accepted)."""
    try:
        t = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        raise DataError(f"not an ISO 8601 instant: {value!r}") from None
    if t.tzinfo is None:
        raise DataError(f"instant without a UTC offset: {value!r}")
    return t


def _pattern(value: Decimal) -> str:
    """A Babel pattern showing exactly the fraction digits ``value`` carries."""
    exponent = value.as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return "#,##0" + ("." + "0" * places if places else "")


def _plain(value: int | Decimal | float) -> int | Decimal | float:
    """Drop trailing zeros a Decimal may carry (``5.0`` -> ``5``) so no false precision shows."""
    if isinstance(value, Decimal):
        return value.quantize(Decimal(1)) if value == value.to_integral() else value.normalize()
    return value


def _it_article(prep: str, text: str) -> str:
    """``il``/``al``/``del``/``dal`` before a number, elided before a vowel sound (8, 11, 1)."""
    digits = re.match(r"\d+", text.replace(".", ""))
    integer = digits.group(0) if digits else ""
    if text.startswith("1º"):  # "primo": a consonant
        integer = ""
    vowel = integer.startswith("8") or integer in ("1", "11") or (
        integer.startswith("11") and len(integer) in (4, 5))  # 11.000 (undicimila)
    if not vowel:
        return f"{prep} {text}"
    return {"il": "l'", "al": "all'", "del": "dell'", "dal": "dall'"}[prep] + text
