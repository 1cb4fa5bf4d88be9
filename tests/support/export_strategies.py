"""Small messy CSV exports drawn by hypothesis: tickets whose ids repeat, carry invisible
characters or a BOM, whose instants are missing or out of order, and events for unknown
tickets or with bogus statuses. Rows of ``id,customer,tier,priority,created_at,
first_response_at,resolved_at`` and of ``ticket_id,at,status``: single rows
(:data:`ticket_line`, :data:`event_line`, July 2026) or whole exports with a chunk size
(:func:`small_exports`, July-August 2026)."""

from __future__ import annotations

from hypothesis import strategies as st

TICKETS_HEADER = "id,customer,tier,priority,created_at,first_response_at,resolved_at\n"
EVENTS_HEADER = "ticket_id,at,status\n"

IDS_DRAWN = ["A1", "A2", "B1", "B\u200b1", "\ufeffA2", "C3"]
STATUSES = ["in_progress", "waiting_on_customer", "resolved", "closed", "bogus"]


def _instant(minutes: int) -> str:
    import datetime as dt

    at = dt.datetime(2026, 7, 1, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    return (at + dt.timedelta(minutes=minutes)).isoformat()


ticket_line = st.builds(
    lambda i, c, p, t, r, s: ",".join([
        i, c, "", p, t and _instant(t[0]) or "",
        r is not None and t and _instant(t[0] + r) or "",
        s is not None and t and _instant(t[0] + s) or ""]),
    st.sampled_from(IDS_DRAWN), st.sampled_from(["Alfa Srl", "Beta SpA", "Omega Srl"]),
    st.sampled_from(["P1", "P2", "P9", ""]), st.one_of(st.none(), st.tuples(
        st.integers(0, 30 * 24 * 60))),
    st.one_of(st.none(), st.integers(-60, 600)), st.one_of(st.none(), st.integers(-60, 6000)))
event_line = st.builds(
    lambda i, m, s: f"{i},{_instant(m)},{s}",
    st.sampled_from([*IDS_DRAWN, "ZZ"]), st.integers(-600, 40 * 24 * 60),
    st.sampled_from(STATUSES))


@st.composite
def small_exports(draw):
    """A small tickets CSV (repeated, missing and oddly shaped ids, ids with a byte-order
    mark or a zero-width space, as concatenated exports carry them; bad rows) and an events
    CSV in any order (unknown tickets, missing fields)."""
    n = draw(st.integers(0, 25))
    ids = draw(st.lists(st.sampled_from(["T1", "T2", "T3", "T01", "T10", "X-9", "", "T4",
                                         "T5", "T6", "T7", "\ufeffT2", "T\u200b3",
                                         "\ufeff"]), min_size=n, max_size=n))
    lines = ["id,customer,tier,priority,created_at,first_response_at,resolved_at"]
    for tid in ids:
        day = draw(st.integers(1, 60))
        hour = draw(st.integers(0, 23))
        created = f"2026-07-01T{hour:02d}:00:00+02:00" if day > 30 else (
            f"2026-08-{day:02d}T{hour:02d}:00:00+02:00")
        response = draw(st.sampled_from(["", "2026-09-01T10:00:00+02:00",
                                         "2026-06-01T10:00:00+02:00"]))
        resolved = draw(st.sampled_from(["", "2026-09-02T10:00:00+02:00"]))
        lines.append(",".join([tid, draw(st.sampled_from(["C1", "C2", ""])),
                               draw(st.sampled_from(["Gold", "Silver", "Bronze", "Tin", ""])),
                               draw(st.sampled_from(["P1", "P2", "P4", "P9", ""])),
                               created, response, resolved]))
    events = ["ticket_id,at,status"]
    for _ in range(draw(st.integers(0, 30))):
        events.append(",".join([
            draw(st.sampled_from(["T1", "T2", "T3", "T01", "X-9", "T99", "", "\ufeffT1",
                                  "\ufeffT99"])),
            draw(st.sampled_from(["2026-08-10T09:00:00+02:00", "2026-08-10T11:00:00+02:00",
                                  "2026-08-11T09:00:00+02:00", ""])),
            draw(st.sampled_from(["waiting_on_customer", "in_progress", ""]))]))
    return "\n".join(lines) + "\n", "\n".join(events) + "\n", draw(st.integers(1, 9))


def _july(day: int, hour: int, minute: int = 0) -> str:
    return f"2026-07-{day:02d}T{hour:02d}:{minute:02d}:00+02:00"


@st.composite
def rich_exports(draw):
    """A small export in the reference policy's terms: categories and services (some
    excluded), every status the clocks pause or stop on, priority changes, responses,
    resolutions and closings in any order against creation, repeated ids and ids with a
    byte-order mark, events for unknown tickets; ``(tickets, events, chunk rows)``."""
    ids = ["T1", "T2", "T3", "T4", "\ufeffT2", ""]
    lines = ["id,customer,tier,priority,category,service,created_at,first_response_at,"
             "resolved_at,closed_at"]
    for _ in range(draw(st.integers(1, 15))):
        day, hour = draw(st.integers(1, 28)), draw(st.integers(0, 23))
        # the response in the hour of creation, or 10:00 up to 3 days later (possibly
        # before creation); the resolution at 15:00, the closing at 18:00, or none
        response = draw(st.sampled_from(["", "same hour", "later"]))
        response = ("" if response == "" else
                    _july(day, hour, draw(st.integers(0, 59))) if response == "same hour"
                    else _july(min(day + draw(st.integers(0, 3)), 31), 10))
        resolved = draw(st.sampled_from(["", _july(min(day + draw(st.integers(0, 4)), 31),
                                                   15)]))
        closed = draw(st.sampled_from(["", _july(min(day + draw(st.integers(0, 6)), 31),
                                                 18)]))
        lines.append(",".join([
            draw(st.sampled_from(ids)),
            draw(st.sampled_from(["Alfa Srl", "Beta SpA", "Gamma Snc", "Nuovo"])), "",
            draw(st.sampled_from(["P1", "P2", "P3", "P4", ""])),
            draw(st.sampled_from(["incident", "change_request", ""])),
            draw(st.sampled_from(["email", "web", ""])), _july(day, hour), response,
            resolved, closed]))
    events = ["ticket_id,at,status,priority"]
    for _ in range(draw(st.integers(0, 25))):
        at = _july(draw(st.integers(1, 31)), draw(st.integers(0, 23)), draw(st.integers(0, 59)))
        events.append(",".join([
            draw(st.sampled_from([*ids, "ZZ"])), at,
            draw(st.sampled_from(["in_progress", "waiting_on_customer", "waiting_on_vendor",
                                  "resolved", "closed", ""])),
            draw(st.sampled_from(["", "", "P1", "P3"]))]))
    return "\n".join(lines) + "\n", "\n".join(events) + "\n", draw(st.integers(1, 6))
