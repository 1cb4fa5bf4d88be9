"""The words every stage shares: verdict codes and names, ticket status names, event columns,
and the one encoder of a string column into integer codes.

Defined once here so the evaluation, the explanation, the writers and the renderings cannot
drift apart (they once held three copies that disagreed on the codes' type and on whether an
empty label is absent). numpy is imported only by :func:`codes_labels`, so a rendering that
needs a status name does not pay for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

#: verdict codes of one ticket and metric, as stored in the outcomes' ``status`` column
MET, BREACHED, OPEN, EXCLUDED, INVALID = 0, 1, 2, 3, 4
#: how many verdict codes there are (the last axis of the counts)
N_STATUS = 5
#: the verdicts' names, indexed by code (the words of the CSV, JSON and explanations)
STATUS_NAMES = ("met", "breached", "open", "excluded", "invalid")
#: ticket statuses a ticket leaves when it is reopened
DONE_STATUSES = ("resolved", "closed")
#: the columns of a status event, in canonical order (the events CSV's header)
EVENT_FIELDS = ("ticket_id", "at", "status", "priority")


def codes_labels(column) -> tuple[np.ndarray, tuple[str, ...]]:
    """``(codes, labels)`` of a categorical or plain string column: int32 codes, -1 where
    the value is absent (None or an empty string), labels as a tuple of strings.

    A categorical column (anything with ``codes`` and ``labels``) keeps its codes (no copy)
    unless one of its labels is empty; a plain column is encoded with sorted labels.

    >>> import numpy as np
    >>> codes, labels = codes_labels(np.array(["b", "", "a", None, "b"], dtype=object))
    >>> codes.tolist(), labels
    ([1, -1, 0, -1, 1], ('a', 'b'))
    """
    import numpy as np

    if hasattr(column, "codes"):
        # map, not a generator: a chunk of the 10m set has 5,000 customer labels, read this
        # way several times per chunk
        labels = tuple(map(str, column.labels))
        codes = np.asarray(column.codes, dtype=np.int32)
        if "" in labels:  # an empty label is an absent value
            empty = [i for i, x in enumerate(labels) if x == ""]
            codes = np.where(np.isin(codes, empty), -1, codes).astype(np.int32)
        return codes, labels
    arr = np.asarray(column, dtype=object)
    arr = np.where(np.equal(arr, None), "", arr).astype(str)
    found, codes = np.unique(arr, return_inverse=True)
    codes = codes.reshape(-1).astype(np.int32)
    labels = tuple(str(x) for x in found)
    if labels and labels[0] == "":  # "" sorts first: shift it out to -1
        codes -= 1
        labels = labels[1:]
    return codes, labels


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """``np.unique(values)`` for a 1-d array, without the masked-array check that makes
    numpy import ``numpy.ma`` (a tenth of a second of a short run) on its first call.

    >>> import numpy as np
    >>> sorted_unique(np.array([3, 1, 3, 2])).tolist()
    [1, 2, 3]
    """
    import numpy as np

    s = np.sort(np.asarray(values).reshape(-1), kind="stable")
    if len(s) < 2:
        return s
    return s[np.concatenate(([True], s[1:] != s[:-1]))]
