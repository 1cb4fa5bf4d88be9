"""Standard streams a caller closed (a CI step's ``>&-``, a daemonised runner).

Python starts with ``sys.stdout`` (or ``stderr``, ``stdin``) set to None when its descriptor
is closed, and the first flush failed with a traceback and exit 1, the code of a missed
objective, after a run that succeeded. Worse, the next file opened takes the free descriptor:
an output file opened as descriptor 1 would receive whatever is written to standard output.
So a closed descriptor is opened on the null device before anything else, and the stream
reads or writes nothing, as ``>/dev/null`` would have it.
"""

from __future__ import annotations

import os
import sys


def reopen_closed_streams() -> None:
    """Open the null device on each of descriptors 0, 1 and 2 that is closed, and give
    ``sys`` a stream on it where Python has none."""
    for fd, name, mode in ((0, "stdin", "r"), (1, "stdout", "w"), (2, "stderr", "w")):
        try:
            os.fstat(fd)
        except OSError:
            null = os.open(os.devnull, os.O_RDONLY if fd == 0 else os.O_WRONLY)
            if null != fd:  # the lowest free descriptor: fd itself unless a lower one is free
                os.dup2(null, fd)
                os.close(null)
        if getattr(sys, name) is None:
            setattr(sys, name, open(fd, mode, closefd=False, encoding="utf-8",  # noqa: SIM115
                                    errors="replace"))
