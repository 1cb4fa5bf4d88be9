"""Loading a policy file: read, parse, check, and stamp where it came from."""

from __future__ import annotations

import dataclasses
import errno
import hashlib
import os
from typing import BinaryIO

from slalang.errors import PolicyError
from slalang.language.check import check
from slalang.language.parser import parse
from slalang.model import Policy

#: a policy is a contract written by people (the largest shipped one is a few KB): a bigger
#: input is a wrong path (``/dev/zero``) or an attack on the CI job that checks it
MAX_POLICY_BYTES = 1024 * 1024


def read_source(path: str | os.PathLike) -> tuple[str, str]:
    """The text of a policy file and the sha256 hex of its bytes (raises ``OSError`` or
    ``UnicodeDecodeError`` for unreadable input, ``OSError(EFBIG)`` past MAX_POLICY_BYTES).
    A leading byte-order mark is dropped."""
    with open(path, "rb") as fh:
        data = read_bounded(fh)
    return data.decode("utf-8-sig"), hashlib.sha256(data).hexdigest()


def read_bounded(stream: BinaryIO) -> bytes:
    """At most MAX_POLICY_BYTES from ``stream`` (a file, FIFO or standard input alike)."""
    data = stream.read(MAX_POLICY_BYTES + 1)
    if len(data) > MAX_POLICY_BYTES:
        raise OSError(errno.EFBIG, f"larger than {MAX_POLICY_BYTES // 1024 // 1024} MiB, the "
                      "limit for a policy (is the path right?)")
    return data


def load_policy(path: str | os.PathLike) -> Policy:
    """Read, parse and check a policy file.

    Raises :class:`~slalang.errors.PolicyError` with every error diagnostic when the policy is
    not valid (warnings alone do not stop it). The policy records ``source_path`` (as given) and
    ``source_hash`` (sha256 of the file's bytes).
    """
    source, digest = read_source(path)
    policy, found = check(parse(source, str(path)))
    if policy is None:
        raise PolicyError([d for d in found if d.severity == "error"])
    return dataclasses.replace(policy, source_path=str(path), source_hash=digest)
