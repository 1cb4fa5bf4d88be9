"""The wording the contract (and the reports) are written in: Babel formats, durations and
plurals, calendars, clocks and conditions in English and Italian."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slalang.model import (
    CalendarDef,
    ClockDef,
    ClockEvent,
    Condition,
    HolidaySource,
    Money,
    TimeRange,
)
from slalang.render import RenderError, Wording
from slalang.render import wording as say
from slalang.render.environment import make_environment

EN, IT = Wording("en"), Wording("it")
H = 3600


def office(**extra) -> CalendarDef:
    week = tuple([(TimeRange(510, 780), TimeRange(840, 1080))] * 5 + [(), ()])
    return CalendarDef("office", "Europe/Rome", False, week, holidays=(HolidaySource("IT"),),
                       yearly_closures=((12, 24), (12, 31)), **extra)


ALWAYS = CalendarDef("always", "Europe/Rome", True, tuple((TimeRange(0, 1440),)
                                                         for _ in range(7)))


# -- Babel formats -----------------------------------------------------------------------

def test_money_per_locale():
    assert IT.money(4000, "EUR") == "4.000,00\xa0€"
    assert EN.money(Money(Decimal("2500"), "EUR")) == "€2,500.00"
    assert EN.money(Decimal("1234.5"), "USD") == "US$1,234.50"
    with pytest.raises(RenderError, match="currency"):
        EN.money(5)


def test_percent_keeps_the_policy_precision():
    assert EN.percent(Decimal("99.5")) == "99.5%"
    assert IT.percent(Decimal("99.95")) == "99,95%"
    assert IT.percent(Decimal("99.0")) == "99,0%"
    assert EN.percent(Decimal("5")) == "5%"
    assert IT.percent(Decimal("2.5")) == "2,5%"


def test_dates_long_and_ordinal_first_in_italian():
    assert EN.date(dt.date(2026, 1, 1)) == "1 January 2026"
    assert IT.date(dt.date(2026, 1, 1)) == "1º gennaio 2026"
    assert IT.date(dt.date(2026, 3, 8)) == "8 marzo 2026"
    assert IT.date(dt.date(2026, 3, 8), format="short") == "08/03/26"


def test_unknown_language():
    with pytest.raises(RenderError, match="unknown language 'fr'; choose one of en, it"):
        Wording("fr")


# -- durations and plurals ---------------------------------------------------------------

@pytest.mark.parametrize("seconds, business, en, it", [
    (4 * H, True, "4 business hours", "4 ore lavorative"),
    (4 * H, False, "4 hours", "4 ore"),
    (H, True, "1 business hour", "1 ora lavorativa"),
    (H, False, "1 hour", "1 ora"),
    (15 * 60, False, "15 minutes", "15 minuti"),
    (60, True, "1 business minute", "1 minuto lavorativo"),
    (30 * 60, True, "30 business minutes", "30 minuti lavorativi"),
    (H + 30 * 60, False, "1 hour 30 minutes", "1 ora e 30 minuti"),
    (H + 30 * 60, True, "1 hour 30 minutes of business time", "1 ora e 30 minuti lavorativi"),
    (2 * H + 60 + 1, False, "2 hours 1 minute 1 second", "2 ore, 1 minuto e 1 secondo"),
    (80 * H, True, "80 business hours", "80 ore lavorative"),
    (1000 * H, False, "1,000 hours", "1.000 ore"),
    (0, False, "0 minutes", "0 minuti"),
])
def test_durations_in_words(seconds, business, en, it):
    assert EN.duration(seconds, business=business) == en
    assert IT.duration(seconds, business=business) == it


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=0, max_value=500 * H), st.booleans())
def test_durations_never_show_a_wrong_plural(seconds, business):
    for w in (EN, IT):
        text = w.duration(seconds, business=business)
        assert "{" not in text
    # a 1 is always followed by a singular noun, anything else by a plural one
    en = EN.duration(seconds, business=business)
    for singular in ("1 hour", "1 minute", "1 second", "1 business hour"):
        assert f" {singular}s" not in f" {en}"
    it = IT.duration(seconds, business=business)
    for wrong in (" 1 ore", " 1 minuti", " 1 secondi"):
        assert wrong not in f" {it}"


def test_plural_forms_follow_cldr():
    assert IT.t("unit.hour", 1_000_000) == "1.000.000 ore"  # CLDR "many" falls back to other
    with pytest.raises(RenderError, match="has plural forms"):
        EN.t("unit.hour")
    with pytest.raises(RenderError, match="needs the value 'tier'"):
        EN.t("contract.scope_tier")


# -- Italian articles before numbers -------------------------------------------------------

@pytest.mark.parametrize("text, il, del_, al", [
    ("5%", "il 5%", "del 5%", "al 5%"),
    ("8%", "l'8%", "dell'8%", "all'8%"),
    ("80%", "l'80%", "dell'80%", "all'80%"),
    ("11%", "l'11%", "dell'11%", "all'11%"),
    ("1%", "l'1%", "dell'1%", "all'1%"),
    ("1,5%", "l'1,5%", "dell'1,5%", "all'1,5%"),
    ("18%", "il 18%", "del 18%", "al 18%"),
    ("99,5%", "il 99,5%", "del 99,5%", "al 99,5%"),
    ("1º gennaio 2026", "il 1º gennaio 2026", "del 1º gennaio 2026", "al 1º gennaio 2026"),
])
def test_italian_articles(text, il, del_, al):
    forms = IT.forms("x", text)
    assert (forms["x_il"], forms["x_del"], forms["x_al"]) == (il, del_, al)
    assert set(EN.forms("x", text).values()) == {text}


# -- calendars in words --------------------------------------------------------------------

def test_office_calendar_in_both_languages():
    assert say.calendar_words(EN, office()) == (
        "Monday to Friday, 08:30–13:00 and 14:00–18:00 (Europe/Rome time), except Italian "
        "public holidays and 24 and 31 December")
    assert say.calendar_words(IT, office()) == (
        "dal lunedì al venerdì, 08:30–13:00 e 14:00–18:00 (ora di Roma), esclusi i giorni "
        "festivi nazionali italiani e il 24 e 31 dicembre")


def test_always_calendar():
    assert say.calendar_words(EN, ALWAYS) == "24 hours a day, 7 days a week"
    assert say.calendar_words(IT, ALWAYS) == "24 ore su 24, 7 giorni su 7"
    assert say.always_words(EN, ALWAYS, short=True) == "24×7"
    assert say.always_words(IT, ALWAYS, short=True) == "24 ore su 24, 7 giorni su 7"


@pytest.mark.parametrize("week, en, it", [
    ([()] * 6 + [(TimeRange(120, 360),)], "Sunday, 02:00–06:00", "la domenica, 02:00–06:00"),
    ([()] * 5 + [(TimeRange(0, 1440),)] * 2, "Saturday and Sunday, 00:00–24:00",
     "il sabato e la domenica, 00:00–24:00"),
    ([(TimeRange(480, 1200),)] * 7, "every day, 08:00–20:00", "tutti i giorni, 08:00–20:00"),
    ([()] + [(TimeRange(540, 1080),)] * 6, "Tuesday to Sunday, 09:00–18:00",
     "dal martedì alla domenica, 09:00–18:00"),
    ([(TimeRange(540, 1080),)] * 5 + [(TimeRange(540, 780),), ()],
     "Monday to Friday, 09:00–18:00; Saturday, 09:00–13:00",
     "dal lunedì al venerdì, 09:00–18:00; il sabato, 09:00–13:00"),
    ([(TimeRange(540, 1080),), (), (TimeRange(540, 1080),), (), (), (), ()],
     "Monday, 09:00–18:00; Wednesday, 09:00–18:00",
     "il lunedì, 09:00–18:00; il mercoledì, 09:00–18:00"),
])
def test_weekly_hours_grouped(week, en, it):
    cal = CalendarDef("c", "Europe/Rome", False, tuple(week))
    assert say.weekly_words(EN, cal) == en
    assert say.weekly_words(IT, cal) == it


def test_closures_overrides_and_other_countries():
    cal = office(closures=(dt.date(2026, 8, 14),),
                 overrides=((dt.date(2026, 12, 23), (TimeRange(510, 750),)),
                            (dt.date(2026, 1, 2), ())))
    cal = CalendarDef(**{**cal.__dict__, "holidays": (HolidaySource("FR"),
                                                      HolidaySource("JP", "13")),
                         "yearly_closures": ((8, 15), (12, 8), (12, 24))})
    assert say.exceptions_words(EN, cal) == (
        "except French public holidays, public holidays in Japan (with the local holidays of "
        "13), 15 August, 8 and 24 December, 2 January 2026 and 14 August 2026")
    assert say.exceptions_words(IT, cal) == (
        "esclusi i giorni festivi nazionali francesi, i giorni festivi nazionali (Giappone) "
        "(compresi i festivi locali di 13), il 15 agosto, l'8 e 24 dicembre, il 2 gennaio 2026 "
        "e il 14 agosto 2026")
    assert say.special_hours_words(EN, cal) == "with special hours on 23 December 2026 " \
                                                "(08:30–12:30)"
    assert say.special_hours_words(IT, cal) == "con orario speciale il 23 dicembre 2026 " \
                                                "(08:30–12:30)"


def test_first_of_the_month_closure_in_italian():
    cal = CalendarDef("c", "Europe/Rome", False, tuple([(TimeRange(540, 1080),)] * 7),
                      yearly_closures=((5, 1), (1, 1), (1, 6)))
    assert say.exceptions_words(IT, cal) == "esclusi il 1º e 6 gennaio e il 1º maggio"
    assert say.exceptions_words(EN, cal) == "except 1 and 6 January and 1 May"


# -- clocks and conditions -----------------------------------------------------------------

def test_clock_sentences():
    clock = ClockDef("resolution", ClockEvent("created"), ClockEvent("resolved"),
                     pause_statuses=("waiting_on_customer", "waiting_on_vendor"))
    assert say.clock_sentences(EN, clock) == [
        "Resolution time is measured from the creation of the ticket to the final resolution.",
        "The clock pauses while the ticket is waiting on the customer or waiting on a "
        "third-party vendor.",
        "If the ticket is reopened, the clock resumes where it stopped: only the last "
        "resolution stops it.",
        "If the priority changes, the time already elapsed counts towards the maximum time of the "
        "new priority.",
    ]
    assert say.clock_sentences(IT, clock)[:2] == [
        "Il tempo di risoluzione si misura dall'apertura del ticket alla risoluzione "
        "definitiva.",
        # "fornitore" alone is the provider (the appendix's header says so): the vendor is
        # "fornitore terzo"
        "Il conteggio si sospende mentre il ticket è in attesa del cliente o in attesa di un "
        "fornitore terzo.",
    ]
    odd = ClockDef("pickup", ClockEvent("status", "assigned"), ClockEvent("first_response"),
                   pause_statuses=("parked",))
    assert say.clock_sentences(EN, odd)[:2] == [
        "Pickup is measured from the first time the ticket enters the status “assigned” to "
        "the first response.",
        "The clock pauses while the ticket is in the status “parked”.",
    ]
    assert say.clock_sentences(IT, odd)[0] == (
        "Il tempo «pickup» si misura dal primo passaggio del ticket allo stato «assigned» alla "
        "prima risposta.")


@pytest.mark.parametrize("cond, en, it", [
    (Condition("category", "=", ("change_request",)), "category is “change_request”",
     "categoria «change_request»"),
    (Condition("kind", "!=", ("planned",)), "kind is not “planned”",
     "tipo diverso da «planned»"),
    (Condition("service", "in", ("email", "vpn")), "service is “email” or “vpn”",
     "servizio «email» o «vpn»"),
    (Condition("priority", "not in", ("P1", "P2")), "priority is none of “P1” and “P2”",
     "priorità diversa da «P1» e «P2»"),
    (Condition("region", "!=", ("lab",)), "“region” is not “lab”", "«region» diverso da «lab»"),
    (Condition("site", "!=", ("lab",)), "site is not “lab”", "sede diversa da «lab»"),
])
def test_conditions(cond, en, it):
    assert say.condition_words(EN, cond) == en
    assert say.condition_words(IT, cond) == it


# -- the shared environment ----------------------------------------------------------------

def test_environment_filters_for_report_authors():
    env = make_environment("it")
    out = env.from_string(
        "{{ 4000|money('EUR') }}|{{ 99.5|percent }}|{{ d|date }}|{{ 5400|duration }}|"
        "{{ 14400|duration(business=True) }}|{{ ['a','b','c']|words }}|"
        "{{ ['a','b']|words('or') }}|{{ 'x'|quote }}|{{ 'a|b'|md }}|{{ lang }}"
    ).render(d=dt.date(2026, 12, 24))
    assert out == ("4.000,00\xa0€|99,5%|24 dicembre 2026|1 ora e 30 minuti|4 ore lavorative|"
                   "a, b e c|a o b|«x»|a\\|b|it")


def test_html_autoescape_only_for_html_templates(tmp_path):
    (tmp_path / "x.html.j2").write_text("{{ v }}", encoding="utf-8")
    (tmp_path / "x.md.j2").write_text("{{ v }}", encoding="utf-8")
    env = make_environment("en", tmp_path)
    assert env.get_template("x.html.j2").render(v="<b>&") == "&lt;b&gt;&amp;"
    assert env.get_template("x.md.j2").render(v="<b>&") == "<b>&"
