"""The one error the business-time engine raises on purpose."""

from __future__ import annotations

from slalang.errors import SlalangError


class TimeError(SlalangError, ValueError):
    """A calendar or an instant the engine cannot work with (naive datetime, unknown zone,
    malformed hours, instant outside the supported years). The message is written for people.

    It is also a ``ValueError``, so callers that only know the standard library can catch it.
    """
