"""The header must say when the policy starts, in which currency, and how it is reported."""

from __future__ import annotations

import re
from collections.abc import Iterator

from slalang.diagnostics import Diagnostic
from slalang.language.context import CheckContext, diag
from slalang.language.values import iso_date, unsupported_year

CODES = {"SLA206": "a header field is missing or malformed"}

REQUIRED = ("version", "effective", "currency", "period")


def run(ctx: CheckContext) -> Iterator[Diagnostic]:
    header = ctx.tree.header
    for key in REQUIRED:
        if ctx.header_field(key) is None:
            yield diag("SLA206", f"the header has no `{key}`", header.head_span,
                       f"add `{_EXAMPLES[key]}` inside the policy block")
    effective = ctx.header_field("effective")
    if effective and iso_date(effective.values[0].text) is None:
        yield diag("SLA206", f"no such date {effective.values[0].text!r}",
                   effective.values[0].span, "write the date as YYYY-MM-DD")
    elif effective and (why := unsupported_year(effective.values[0].text)):
        yield diag("SLA206", f"effective {effective.values[0].text}: {why}",
                   effective.values[0].span, None)
    currency = ctx.header_field("currency")
    if currency and not re.fullmatch(r"[A-Z]{3}", currency.values[0].text):
        text = currency.values[0].text
        # `eur` and `EURO` are near misses: name the code rather than the rule
        near = (text.upper() if re.fullmatch(r"[A-Za-z]{3}", text)
                else "EUR" if text.upper() in ("EURO", "EUROS") else None)
        hint = (f"did you mean {near!r}? a currency is three capital letters" if near
                and near != text else "use three capital letters, e.g. EUR or USD")
        yield diag("SLA206", f"{text!r} is not an ISO 4217 currency code",
                   currency.values[0].span, hint)
    roster = ctx.header_field("roster")
    if roster and not str(roster.values[0]).strip():
        # an empty path used to mean "no roster" without a word: say it, so a typo is caught
        yield diag("SLA206", "the roster path is empty", roster.span,
                   'name the roster file (`roster "customers.yaml"`), or leave out the line')


_EXAMPLES = {
    "version": 'version "2026.1"',
    "effective": "effective 2026-01-01",
    "currency": "currency EUR",
    "period": 'period month in "Europe/Rome"',
}
