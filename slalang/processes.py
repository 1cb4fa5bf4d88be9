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


def process_prefix(prefix: str) -> str:
    """``prefix`` followed by this process's pid namespace and id (mkdtemp adds the rest)."""
    return f"{prefix}{namespace()}-{os.getpid()}-"


def remove_stale(folder: str | os.PathLike, prefix: str) -> None:
    """Remove the folders in ``folder`` named exactly as :func:`process_prefix` and
    ``mkdtemp`` name them (``prefix``, this pid namespace, a pid, random letters) whose
    process is gone: a run killed outright (SIGKILL, the OOM killer, a CI timeout) cannot
    remove its temporary folders, and in shared memory they hold memory until a restart.
    Anything else is left alone: another namespace's folders (its pids mean nothing here), a
    running conversion's, a file or a symlink of that name."""
    import re
    import shutil
    from pathlib import Path

    pattern = re.compile(re.escape(f"{prefix}{namespace()}-") + r"(\d+)-[a-z0-9_]+")
    try:
        names = os.listdir(folder)
    except OSError:  # not there, or not readable: nothing of ours to remove
        return
    for name in names:
        found = pattern.fullmatch(name)
        if found is None:
            continue
        pid = int(found.group(1))
        path = Path(folder) / name
        if pid == os.getpid() or alive(pid) or path.is_symlink() or not path.is_dir():
            continue
        shutil.rmtree(path, ignore_errors=True)
