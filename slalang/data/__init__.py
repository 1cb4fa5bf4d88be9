"""Ticket and downtime ingest: the canonical form, CSV/JSONL readers, and mappings.

Public names::

    read_tickets(path, events=None, mapping=None, max_errors=None) -> TicketTable
    read_downtime(path, mapping=None, max_errors=None) -> DowntimeTable
    load_mapping(path) -> Mapping

:class:`TicketTable` is columnar (numpy); its layout is documented in
:mod:`slalang.data.table`. Instants are int64 epoch seconds (UTC), :data:`NAT` when absent.
"""

from slalang.data.downtime import DowntimeRecord, DowntimeTable, read_downtime
from slalang.data.mapping import Mapping, load_mapping
from slalang.data.read import read_tickets
from slalang.data.table import NAT, Categorical, Rejection, TicketTable

__all__ = [
    "NAT",
    "Categorical",
    "DowntimeRecord",
    "DowntimeTable",
    "Mapping",
    "Rejection",
    "TicketTable",
    "load_mapping",
    "read_downtime",
    "read_tickets",
]
