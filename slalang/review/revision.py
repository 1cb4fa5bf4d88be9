"""Policies read from a file or from a git revision (``main:policies/reference.sla``).

A revision is read with git itself (``git show REV:PATH``), so anything git understands works:
branch names, ``HEAD~1``, tags, commit hashes. The roster the policy names is read from the
same revision, so an old policy is measured against the customers it was written for.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import posixpath
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from slalang.errors import DataError, PolicyError, SlalangError
from slalang.model import Policy, Roster

#: ``REV:PATH``; a Windows drive (``C:\\…``) is a path, not a revision
_REVISION = re.compile(r"^(?P<rev>[^:\s]+):(?P<path>[^:].*)$")


class RevisionError(SlalangError):
    """git is missing, the directory is not a repository, or the revision or path is unknown."""


@dataclass(frozen=True)
class PolicySource:
    """Where a policy comes from: a file, or a path at a git revision."""

    #: as the user wrote it (``policies/a.sla`` or ``main:policies/a.sla``)
    spec: str
    #: the git revision, None for a file
    revision: str | None
    #: the file path (inside the repository for a revision)
    path: str
    text: str
    digest: str

    def read_relative(self, name: str) -> tuple[str, str]:
        """(text, display name) of a file named relative to this policy (its roster)."""
        if self.revision is None:
            target = Path(self.path).parent / name
            return target.read_text(encoding="utf-8"), str(target)
        rel = posixpath.normpath(posixpath.join(posixpath.dirname(self.path), name))
        data = git_show(self.revision, rel)
        return data.decode("utf-8"), f"{self.revision}:{rel}"


def is_revision(spec: str) -> bool:
    """Whether ``spec`` names a git revision (``REV:PATH``) rather than an existing file.

    >>> is_revision("main:policies/reference.sla"), is_revision("policies/reference.sla")
    (True, False)
    """
    return not os.path.exists(spec) and _REVISION.match(spec) is not None


def git_show(revision: str, path: str) -> bytes:
    """The bytes of ``path`` at ``revision``, read with ``git show`` in the current directory.

    Raises :class:`RevisionError` with git's own reason when git is not installed, the
    directory is not a repository, or the revision or path does not exist.
    """
    try:
        done = subprocess.run(["git", "show", f"{revision}:{path}"], capture_output=True,
                              check=False, timeout=60)
    except FileNotFoundError:
        raise RevisionError(f"cannot read {revision}:{path}: git is not installed (a policy "
                            "at a revision is read with git)") from None
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
        why = reason[0].removeprefix("fatal: ") if reason else f"git exited {done.returncode}"
        raise RevisionError(f"cannot read {revision}:{path}: {why}")
    return done.stdout


def read_policy_source(spec: str) -> PolicySource:
    """Read a policy file, or ``REV:PATH`` from git when no such file exists."""
    m = _REVISION.match(spec)
    if m is not None and not os.path.exists(spec):
        data = git_show(m["rev"], m["path"])
        revision, path = m["rev"], m["path"]
    else:
        with open(spec, "rb") as fh:
            data = fh.read()
        revision, path = None, spec
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DataError("the policy is not UTF-8 text", file=spec) from None
    return PolicySource(spec, revision, path, text, hashlib.sha256(data).hexdigest())


def load_policy_source(source: PolicySource) -> Policy:
    """Parse and check a policy read by :func:`read_policy_source` (raises ``PolicyError``)."""
    from slalang.language import check, parse

    policy, found = check(parse(source.text, source.spec))
    if policy is None or any(d.severity == "error" for d in found):
        raise PolicyError([d for d in found if d.severity == "error"])
    path = source.spec if source.revision is not None else source.path
    return dataclasses.replace(policy, source_path=path, source_hash=source.digest)


def roster_of(source: PolicySource, policy: Policy) -> Roster | None:
    """The roster the policy names, read beside it (from the same revision for a revision)."""
    from slalang.roster import load_roster, roster_for

    if not policy.header.roster:
        return None
    if source.revision is None:
        return roster_for(dataclasses.replace(policy, source_path=source.path))
    text, name = source.read_relative(policy.header.roster)
    # load_roster reads a file: hand it a private copy, and name the revision in its errors
    with tempfile.TemporaryDirectory(prefix="slalang-roster-") as tmp:
        copy = Path(tmp) / Path(policy.header.roster).name
        copy.write_text(text, encoding="utf-8")
        try:
            roster = load_roster(copy, policy)
        except DataError as exc:
            where = ":".join(str(p) for p in (exc.file, exc.row) if p is not None)
            message = str(exc).removeprefix(f"{where}: ")
            if exc.field:
                message = message.removesuffix(f" (field {exc.field!r})")
            raise DataError(message, file=name, row=exc.row, field=exc.field) from None
    return dataclasses.replace(roster, source_path=name)
