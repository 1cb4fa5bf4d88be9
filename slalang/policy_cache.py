"""Checked policies kept between runs: a command does not parse and check an unchanged policy
again.

Reading a policy costs a tenth of a second before any ticket is read: importing the
language (its parser and its checks) and parsing and checking the text. A pipeline runs
``slalang evaluate`` on the same policy every day, so a policy that checked without errors
is kept, pickled, and read back in a few milliseconds.

An entry is found by the policy file's bytes (sha256), the path as given (the policy's
spans name it) and the code that checks it: slalang's version and the sizes and modified
times of its sources and of the parser and holiday libraries, so an edited checkout or an
upgraded library never reads an entry written before. Only a policy with no
error is kept (its warnings are not printed by the verbs that read it this way, exactly as
without a cache). Entries live in the user's cache folder (``$XDG_CACHE_HOME/slalang``, as
the parser's tables and the holiday dates), in a folder created private: they are
unpickled, so only this user may write them. Whatever fails (an unreadable folder, a
corrupt entry, a full disk) means no cache, never an error; ``SLALANG_NO_CACHE=1`` turns
it off.

This module imports nothing heavy: the language is imported only when the cache misses.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import pickle
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from slalang.model import Policy

#: the first bytes of every entry, so that another file in the folder is never unpickled
_MAGIC = b"slalang-policy-1\n"
#: entries kept; the oldest go first (a policy edited every day would otherwise leave an
#: entry per version)
MAX_ENTRIES = 200


def folder() -> Path:
    """Where the entries live."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "slalang" \
        / "policies"


@functools.cache
def _code_key() -> str:
    """What the checked policy depends on besides its text: slalang's version and, by size
    and modified time, every source file of the package (the checks reach into the calendar
    engine and the holiday tables: all of it, so that nothing is missed; a millisecond of
    stat calls) and the parser and holiday libraries."""
    import slalang
    from slalang.version import __version__

    root = os.path.dirname(slalang.__file__)
    files = sorted(os.path.join(where, name) for where, _dirs, names in os.walk(root)
                   for name in names if name.endswith((".py", ".lark")))
    for library in ("lark", "holidays"):
        origin = _module_file(library)
        if origin is not None:
            files.append(str(origin))
    parts = [__version__, sys.version]
    for f in files:
        try:
            st = os.stat(f)
        except OSError:
            continue
        parts.append(f"{f}:{st.st_size}:{st.st_mtime_ns}")
    return "\n".join(parts)


def _module_file(name: str) -> Path | None:
    import importlib.util

    spec = importlib.util.find_spec(name)
    return Path(spec.origin) if spec is not None and spec.origin else None


def _entry(path: str) -> Path | None:
    """The entry for the policy at ``path`` as it is now (None when it cannot be read)."""
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError:
        return None
    key = hashlib.sha256(b"\0".join([data, os.fsencode(path),
                                     _code_key().encode()])).hexdigest()
    return folder() / f"{key[:32]}.pickle"


def cached_policy(path: str) -> Policy | None:
    """The checked policy at ``path`` when an entry holds it, else None."""
    if os.environ.get("SLALANG_NO_CACHE"):
        return None
    entry = _entry(path)
    if entry is None:
        return None
    try:
        data = entry.read_bytes()
        if not data.startswith(_MAGIC):
            return None
        return pickle.loads(data[len(_MAGIC):])  # noqa: S301 - a private folder of ours
    except Exception:  # a missing, partial or stale entry: parse and check as usual
        return None


def keep_policy(path: str, policy: Policy) -> None:
    """Keep a policy that checked without errors (written whole or not at all)."""
    if os.environ.get("SLALANG_NO_CACHE"):
        return
    entry = _entry(path)
    if entry is None:
        return
    tmp = None
    try:
        entry.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=entry.parent, prefix=".policy-")
        with os.fdopen(fd, "wb") as out:
            out.write(_MAGIC + pickle.dumps(policy, protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(tmp, entry)
        tmp = None
        _prune(entry.parent)
    except (OSError, pickle.PicklingError):
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _prune(directory: Path) -> None:
    """Remove the oldest entries beyond :data:`MAX_ENTRIES`."""
    entries = sorted(directory.glob("*.pickle"), key=lambda p: p.stat().st_mtime_ns)
    for old in entries[:max(len(entries) - MAX_ENTRIES, 0)]:
        old.unlink(missing_ok=True)


def checked_policy_or_exit(path: str) -> Policy:
    """The checked policy at ``path`` (from the cache, or read, parsed and checked and then
    kept); a policy with errors prints its diagnostics and exits 2, as
    :func:`~slalang.cli.check.load_or_exit` does."""
    policy = cached_policy(path)
    if policy is not None:
        return policy
    from slalang.cli.check import load_or_exit

    policy = load_or_exit(path)
    keep_policy(path, policy)
    return policy
