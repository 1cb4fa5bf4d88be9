"""Ticket and downtime ingest: the canonical form, CSV/JSONL readers, and mappings.

Public names::

    read_tickets(path, events=None, mapping=None, max_errors=None) -> TicketTable
    read_downtime(path, mapping=None, max_errors=None) -> DowntimeTable
    load_mapping(path) -> Mapping

:class:`TicketTable` is columnar (numpy); its layout is documented in
:mod:`slalang.data.table`. Instants are int64 epoch seconds (UTC), :data:`NAT` when absent.

The public names are imported on first use: importing one module of the package (the
table, a reader) does not load the mapping language or the downtime reader, so a command
can start reading its input before the rest of the engine is imported.
"""

from __future__ import annotations

from slalang.lazy import exports

_EXPORTS: dict[str, tuple[str, ...]] = {
    "slalang.data.downtime": ("DowntimeRecord", "DowntimeTable", "read_downtime"),
    "slalang.data.mapping": ("Mapping", "load_mapping"),
    "slalang.data.read": ("read_tickets",),
    "slalang.data.table": ("NAT", "Categorical", "Rejection", "TicketTable"),
}
_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}
__all__ = sorted(_MODULE_OF)


__getattr__ = exports("slalang.data", _MODULE_OF, globals())
