"""Whether a process that left files behind still runs: its id, in this process's namespace.

Temporary files carry the id of the process that writes them (outputs written beside their
target, the chunked engine's scratch folders), so that a later run can remove those of a run
that was killed. A process id means something only in its pid namespace: a folder shared
between containers (a host's ``/tmp`` or ``/dev/shm`` mounted in several) may hold another
namespace's ids, so scratch folders name the namespace too.
"""

from __future__ import annotations

import os


def alive(pid: int) -> bool:
    """Whether process ``pid`` still runs (one of another user counts as alive). A zombie
    does not: a process killed while its parent has not reaped it yet (a caller reading the
    killed run's output pipes to their end before it waits) exists only as its exit status,
    and its workers, which hold those pipes open, must not wait for it."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process: alive
        return True
    return not zombie(pid)


def zombie(pid: int) -> bool:
    """Whether process ``pid`` has ended and waits to be reaped (its state in
    ``/proc/PID/stat`` is ``Z``; False where there is no such file to read)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            stat = fh.read()
    except OSError:
        return False
    # the command name, in parentheses, may itself hold spaces and parentheses
    return stat[stat.rfind(b")") + 2:stat.rfind(b")") + 3] == b"Z"


def namespace() -> str:
    """This process's pid namespace, as the inode number of ``/proc/self/ns/pid`` ("0"
    where there is none to read)."""
    try:
        return str(os.stat("/proc/self/ns/pid").st_ino)
    except OSError:
        return "0"
