"""Reading an input while the policy is still being loaded.

A command's first second goes to importing the language and the engine and parsing the
policy, one core busy and the other idle; reading and parsing the tickets needs neither the
policy nor the plan. :class:`Prefetch` starts the read on a background thread as soon as the
command knows its input, and the driver takes the table from it when the plan is ready:
the read overlaps the start-up instead of following it (Arrow's CSV parser and numpy
release the interpreter lock while they work).

Only an input the in-memory engine will surely read is prefetched (a file below
:data:`AUTO_BYTES` with the ``auto`` engine, any file with ``memory``); the driver chooses
for everything else, as without a prefetch. A failed read is raised where the table is
taken, so a broken policy is still reported first, exactly as without a prefetch. The
thread is a daemon: a command that stops early (a policy error) does not wait for it.

This module imports nothing heavy, so a command can start a prefetch before it imports
the engine.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from slalang.data.table import TicketTable

#: inputs (tickets + events) at least this large are evaluated in chunks by the ``auto``
#: engine (the CSV exports that can be streamed; see the drivers)
AUTO_BYTES = 256 << 20


def surely_in_memory(tickets: str | Path, events: str | Path | None, engine: str,
                     chunk_rows: int | None) -> bool:
    """Whether the drivers will read this input whole with the in-memory engine, whatever
    the file holds: ``memory`` asked for, or ``auto`` on files smaller than
    :data:`AUTO_BYTES`; a directory (a dataset) never. Missing files count as small (the
    reader names them)."""
    if chunk_rows is not None or engine not in ("auto", "memory") or os.path.isdir(tickets):
        return False
    if engine == "memory":
        return True
    size = 0
    for path in (tickets, events):
        if path is None:
            continue
        try:
            size += os.stat(path).st_size
        except OSError:
            return True
    return size < AUTO_BYTES


class Prefetch:
    """The whole-input read of ``tickets`` (and ``events``, through ``mapping``) on a
    background thread, started when :func:`surely_in_memory` says the in-memory engine
    will read it (``started`` tells); :meth:`table` gives the result."""

    def __init__(self, tickets: str | Path, events: str | Path | None = None,
                 mapping: Any = None, *, engine: str = "auto",
                 chunk_rows: int | None = None, max_errors: int | float | None = None
                 ) -> None:
        self._args = (tickets, events, mapping, engine, chunk_rows, max_errors)
        self._table: TicketTable | None = None
        self._error: BaseException | None = None
        self._done = threading.Event()
        self.started = surely_in_memory(tickets, events, engine, chunk_rows)
        if self.started:
            threading.Thread(target=self._run, name="slalang-prefetch", daemon=True).start()
        else:
            self._done.set()

    def _run(self) -> None:
        from slalang.data.read import read_tickets

        tickets, events, mapping, _engine, _rows, max_errors = self._args
        try:
            self._table = read_tickets(tickets, events=events, mapping=mapping,
                                       max_errors=max_errors)
        except BaseException as exc:  # handed to the thread that takes the table
            self._error = exc
        finally:
            self._done.set()

    def matches(self, *args: Any) -> bool:
        """Whether this prefetch was started with these arguments (tickets, events, mapping,
        engine, chunk_rows, max_errors)."""
        return _key(args) == _key(self._args)

    def table(self) -> TicketTable | None:
        """The table read (None when nothing was prefetched); raises what the read raised."""
        self._done.wait()
        if self._error is not None:
            raise self._error
        return self._table


def _key(args: tuple) -> tuple:
    return tuple(str(a) if isinstance(a, Path) else a for a in args)


