"""Loading a policy file: read, parse, check, and stamp where it came from."""

from __future__ import annotations

import dataclasses
import hashlib
import os

from slalang.errors import PolicyError
from slalang.language.check import check
from slalang.language.parser import parse
from slalang.model import Policy


def read_source(path: str | os.PathLike) -> tuple[str, str]:
    """The text of a policy file and the sha256 hex of its bytes (raises ``OSError`` or
    ``UnicodeDecodeError`` for unreadable input). A leading byte-order mark is dropped."""
    with open(path, "rb") as fh:
        data = fh.read()
    return data.decode("utf-8-sig"), hashlib.sha256(data).hexdigest()


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
