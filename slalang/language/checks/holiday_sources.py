"""Public holidays must name a country (and subdivision) the ``holidays`` library knows
(read from its source by :mod:`slalang.holiday_data`, without importing it)."""

from __future__ import annotations

from collections.abc import Iterator

from slalang.diagnostics import Diagnostic, did_you_mean
from slalang.holiday_data import registry, subdivisions
from slalang.language import syntax as s
from slalang.language.context import CheckContext, diag

CODES = {"SLA404": "unknown holiday country or subdivision"}

def run(ctx: CheckContext) -> Iterator[Diagnostic]:
    for cal in ctx.tree.of_type(s.CalendarDecl):
        for st in cal.stmts:
            if not isinstance(st, s.HolidaysStmt):
                continue
            country = st.country.text
            if country not in registry():
                hint = _country_hint(country) or did_you_mean(country, registry()) or \
                    "use an ISO 3166 alpha-2 country code such as IT, DE or US"
                yield diag("SLA404", f"unknown holiday country {country!r}", st.country.span,
                           hint)
            elif (st.subdivision is not None
                  and st.subdivision.text not in subdivisions(country)):
                subs = subdivisions(country)
                # a hundred Italian provinces make a wall of text: show a few and the count
                shown = (", ".join(subs) if len(subs) <= 20
                         else ", ".join(subs[:12]) + f", ... ({len(subs)} in all)")
                hint = did_you_mean(st.subdivision.text, subs) or (
                    f"{country} subdivisions: {shown}" if subs
                    else f"{country} has no subdivisions in the holidays library")
                yield diag("SLA404",
                           f"unknown subdivision {st.subdivision.text!r} of {country}",
                           st.subdivision.span, hint)


def _country_hint(text: str) -> str | None:
    """``it`` -> IT (codes are capitals); ``Italy`` or ``United States`` -> their code."""
    if text.upper() in registry():
        return f"country codes are capital letters: did you mean {text.upper()!r}?"
    # the holidays library names its country classes in English (Italy, UnitedStates)
    wanted = "".join(w[:1].upper() + w[1:] for w in text.split())
    code = next((c for c, (_m, cls) in registry().items() if cls == wanted and len(c) == 2),
                None)
    if code is not None:
        return f"write the ISO 3166 code: {code!r} for {text}"
    return None
