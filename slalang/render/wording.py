"""The policy in words: calendars, clocks, conditions and durations as a contract states them.

Every function takes a :class:`~slalang.render.i18n.Wording` (the language) and a piece of the
checked model, and returns finished text. Numbers come from the model, words from the
catalogue, so the same function serves the contract appendix and the reports.
"""

from __future__ import annotations

from itertools import groupby

from slalang.model import (
    CalendarDef,
    ClockDef,
    ClockEvent,
    Condition,
    Exclusion,
    Policy,
    Priority,
    TimeRange,
)
from slalang.render.i18n import Wording
from slalang.vocabulary import DONE_STATUSES

#: statuses that mean "done": pausing in them is bookkeeping, not a delay outside our control


# -- calendars ---------------------------------------------------------------------------

def always_words(w: Wording, cal: CalendarDef, short: bool = False) -> str:
    """``24 hours a day, 7 days a week`` (``short``: ``24×7``), counted from the calendar."""
    hours = max((r.end for day in cal.weekly for r in day), default=0) // 60
    days = sum(1 for day in cal.weekly if day)
    return w.t("calendar.always_short" if short else "calendar.always", hours=hours, days=days)


def ranges_words(w: Wording, ranges: tuple[TimeRange, ...]) -> str:
    """``08:30–13:00 and 14:00–18:00``."""
    return w.join(w.time_range(r) for r in ranges)


def weekly_words(w: Wording, cal: CalendarDef) -> str:
    """The weekly hours, consecutive days with equal hours grouped:
    ``Monday to Friday, 08:30–13:00 and 14:00–18:00``."""
    groups = []
    indexed = list(enumerate(cal.weekly))
    # consecutive runs of days with the same hours (a run breaks on a change of hours)
    for ranges, run in groupby(indexed, key=lambda item: item[1]):
        days = [i for i, _ in run]
        if ranges:
            groups.append((days, ranges))
    if not groups:
        return w.t("calendar.never")
    parts = []
    for days, ranges in groups:
        if len(days) == len(cal.weekly):
            when = w.t("calendar.every_day")
        elif len(days) == 1:
            when = w.items("weekday.on")[days[0]]
        elif len(days) == 2:
            on = w.items("weekday.on")
            when = w.join([on[days[0]], on[days[1]]])
        else:
            when = w.t("calendar.day_run", first=w.items("weekday.from")[days[0]],
                       last=w.items("weekday.to")[days[-1]])
        parts.append(w.t("calendar.group", days=when, hours=ranges_words(w, ranges)))
    return w.t("calendar.group_separator").join(parts)


def timezone_words(w: Wording, timezone: str) -> str:
    """``Europe/Rome time`` / ``ora di Roma``."""
    return w.t("calendar.timezone", tz=timezone, city=w.city(timezone))


def _day_month(w: Wording, days: list[int], month: int) -> str:
    texts = [w.number(d) for d in days]
    if w.lang == "it" and texts[0] == "1":
        texts[0] = "1º"
    first = w.forms("d", texts[0])["d_il"] if w.lang == "it" else texts[0]
    return w.t("calendar.day_month", days=w.join([first, *texts[1:]]), month=w.month(month))


def _a_date(w: Wording, date) -> str:
    return w.forms("d", w.date(date))["d_il"] if w.lang == "it" else w.date(date)


def holidays_words(w: Wording, cal: CalendarDef) -> list[str]:
    """``Italian public holidays`` / ``i giorni festivi nazionali italiani``, one per source."""
    out = []
    for source in cal.holidays:
        code = source.country.upper()
        adjectives = w.items("country_adjective")
        if code in adjectives:
            text = w.t("calendar.holidays", adjective=adjectives[code])
        else:
            text = w.t("calendar.holidays_of", country=w.country(code))
        if source.subdivision:
            text += w.t("calendar.subdivision", subdivision=source.subdivision)
        out.append(text)
    return out


def closed_days(cal: CalendarDef) -> list:
    """One-off closures and overrides without hours, sorted: both mean the office is shut."""
    shut = set(cal.closures) | {d for d, ranges in cal.overrides if not ranges}
    return sorted(shut)


def exceptions_words(w: Wording, cal: CalendarDef) -> str:
    """``except Italian public holidays and 24 and 31 December``; empty when none."""
    items = holidays_words(w, cal)
    by_month = groupby(sorted(cal.yearly_closures), key=lambda md: md[0])
    for month, pairs in by_month:
        items.append(_day_month(w, [d for _, d in pairs], month))
    items.extend(_a_date(w, d) for d in closed_days(cal))
    return w.t("calendar.except", items=w.join(items)) if items else ""


def special_hours_words(w: Wording, cal: CalendarDef) -> str:
    """Dates with their own hours: ``special hours: 23 December 2026, 08:30–12:30``."""
    items = [w.t("calendar.special_day", date=w.date(d), hours=ranges_words(w, ranges))
             for d, ranges in sorted(cal.overrides) if ranges]
    return w.t("calendar.special", items=w.join(items)) if items else ""


def calendar_words(w: Wording, cal: CalendarDef) -> str:
    """The whole calendar as one phrase (no closing full stop).

    ``Monday to Friday, 08:30–13:00 and 14:00–18:00 (Europe/Rome time), except Italian public
    holidays and 24 and 31 December``; a 24x7 calendar is ``24 hours a day, 7 days a week``.
    """
    if cal.always:
        return always_words(w, cal)
    text = w.t("calendar.weekly", weekly=weekly_words(w, cal), tz=timezone_words(w, cal.timezone))
    exceptions = exceptions_words(w, cal)
    if exceptions:
        text += w.t("calendar.except_separator") + exceptions
    special = special_hours_words(w, cal)
    if special:
        text += w.t("calendar.special_separator") + special
    return text


# -- metrics, priorities, clocks ---------------------------------------------------------

def metric_words(w: Wording, metric: str, form: str = "title") -> str:
    """A metric's name: ``title`` (``Response time``), ``subject`` (``Il tempo di risposta``),
    ``noun`` (``response time``)."""
    if w.has(f"metric.{metric}.{form}"):
        return w.t(f"metric.{metric}.{form}")
    return w.t(f"metric._other.{form}", name=metric.replace("_", " "),
               Name=metric.replace("_", " ").capitalize())


def priority_words(w: Wording, priority: Priority) -> str:
    """``P1 – Critical`` / ``P1 – Critica``: the policy's label in the document's language
    (``P1 "Critical" it "Critica"``, or ``label P1 ...``), else a label the catalogue
    translates, else the policy's own."""
    own = priority.text.get(w.lang) if priority.text else None
    label = own or w.codes.get(priority.code) or (
        w.label("priority_label", priority.label, "{code}") if priority.label else "")
    if not label or label == priority.code:
        return priority.code
    return w.t("priority", code=priority.code, label=label)


def status_words(w: Wording, status: str) -> str:
    """``waiting on the customer`` / ``in attesa del cliente``: the policy's label, else the
    catalogue's, else ``in the status “x”``."""
    if status in w.codes:  # the policy's label of a status reads as a state ("in attesa di …")
        return w.codes[status]
    known = w.items("status")
    return known[status] if status in known else w.t("status_other", status=w.quote(status))


def event_words(w: Wording, event: ClockEvent, role: str) -> str:
    """What starts (``role="from"``) or stops (``"to"``) a clock, as the preposition needs."""
    status = w.quote(w.code(event.status)) if event.status else ""
    return w.t(f"event.{event.kind}.{role}", status=status)


def clock_sentences(w: Wording, clock: ClockDef, subject: bool = True) -> list[str]:
    """The clock in words: what it measures, what pauses it, reopening, priority changes.

    ``subject=False`` leaves the metric's name out of the first sentence (for a definition
    list, where the term already names it).
    """
    out = [w.t("clock.measured" if subject else "clock.measured_short",
               subject=metric_words(w, clock.name, "subject"),
               start=event_words(w, clock.start, "from"), stop=event_words(w, clock.stop, "to"))]
    pauses = shown_pauses(clock)
    if pauses:
        statuses = w.join((status_words(w, s) for s in pauses), "or")
        out.append(w.t("clock.pauses", statuses=statuses))
    elif not clock.pause_statuses:
        out.append(w.t("clock.never_pauses"))
    if clock.stop.kind in ("resolved", "closed"):
        out.append(w.t(f"clock.reopen_{clock.on_reopen}",
                       stop=w.t(f"event.{clock.stop.kind}.last")))
    out.append(w.t(f"clock.priority_{clock.on_priority_change}"))
    # what counts as the start and stop events, right after the sentence naming them
    for event, means in ((clock.stop, clock.stop_means), (clock.start, clock.start_means)):
        text = means.get(w.lang) or means.get("en") if means else None
        if text:
            out.insert(1, w.t("clock.means", event=event_words(w, event, "noun"), means=text))
    return out


def shown_pauses(clock: ClockDef) -> tuple[str, ...]:
    """The pause statuses worth a sentence: a clock that stops at the resolution does not
    need "it pauses while the ticket is resolved or closed" (the reopening sentence says what
    happens then); one that stops at closure still pauses while resolved.

    >>> from slalang.model import ClockEvent
    >>> c = ClockDef("resolution", ClockEvent("created"), ClockEvent("resolved"),
    ...              ("waiting_on_customer", "resolved", "closed"))
    >>> shown_pauses(c)
    ('waiting_on_customer',)
    """
    after_stop = {"resolved": DONE_STATUSES, "closed": ("closed",)}.get(clock.stop.kind, ())
    return tuple(s for s in clock.pause_statuses if s not in after_stop)


def delay_statuses(clock: ClockDef) -> tuple[str, ...]:
    """Pause statuses that stand for waiting on someone else (not the ticket being done)."""
    return tuple(s for s in clock.pause_statuses if s not in DONE_STATUSES)


# -- exclusions --------------------------------------------------------------------------

def condition_words(w: Wording, cond: Condition) -> str:
    """``category is “change_request”`` / ``categoria «change_request»``."""
    field = w.label("field", cond.field, w.quote(w.code(cond.field)))
    values = [w.quote(w.code(v)) for v in cond.values]
    key = {"=": "is", "in": "is", "!=": "is_not", "not in": "is_not"}[cond.op]
    if len(values) > 1:
        key += "_any"
    field_not = (w.items("field_not") or {}).get(cond.field) or w.t(
        "condition.field_not_other", field=field)
    return w.t(f"condition.{key}", field=field, field_not=field_not, value=values[0],
               values=w.join(values, "or"), all=w.join(values))


def exclusion_words(w: Wording, policy: Policy, exclusion: Exclusion) -> str:
    """One exclusion as a contract sentence, the downtime window spelled out."""
    conditions = w.join(condition_words(w, c) for c in exclusion.conditions)
    if exclusion.subject == "tickets":
        return w.t("exclusion.tickets", conditions=conditions)
    if exclusion.during:
        cal = policy.calendar(exclusion.during)
        notice = (w.t("contract.notice", notice=w.duration(exclusion.notice))
                  if exclusion.notice else "")
        return w.t("exclusion.downtime_during", conditions=conditions,
                   window=calendar_words(w, cal), notice=notice)
    return w.t("exclusion.downtime", conditions=conditions)
