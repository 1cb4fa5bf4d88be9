"""Small messy CSV exports drawn by hypothesis: tickets whose ids repeat, carry invisible
characters or a BOM, whose instants are missing or out of order, and events for unknown
tickets or with bogus statuses. Rows of ``id,customer,tier,priority,created_at,
first_response_at,resolved_at`` and of ``ticket_id,at,status``."""

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
