"""Business time: calendars, holidays, time zones, pauses and due instants.

The engine keeps, per calendar, a monotone business clock B(t) (cumulative working seconds on
the UTC timeline); business time between two instants is a difference of B, and a due instant
is B's inverse. Scalar methods take aware datetimes; ``*_array`` methods take int64 epoch
seconds for millions of tickets at once. See ``docs/time/business-time.md``.
"""

from slalang.businesstime.calendar import NAT, Calendar
from slalang.businesstime.errors import TimeError
from slalang.businesstime.pauses import Pauses, merge_pairs, normalize

__all__ = ["NAT", "Calendar", "Pauses", "TimeError", "merge_pairs", "normalize"]
