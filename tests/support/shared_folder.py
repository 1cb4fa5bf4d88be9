"""Where the project's ``shared/`` folder is, for the few tests that use it, and what a skip
says when it is not there.

``shared/`` is the project's working folder beside a clone (``../shared``): the benchmark
generator with its known answers, and full public ITSM logs. It is not part of the repository,
and a clone does not need it: every other test runs on committed fixtures. ``SLALANG_SHARED``
points at a copy elsewhere.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def shared_path(*parts: str) -> Path | None:
    """``shared/<parts>`` when it exists ($SLALANG_SHARED, else ``../shared`` beside the clone)."""
    bases = [Path(os.environ["SLALANG_SHARED"])] if os.environ.get("SLALANG_SHARED") else []
    bases.append(ROOT.parent / "shared")
    for base in bases:
        path = base.joinpath(*parts)
        if path.exists():
            return path
    return None


def needs(*parts: str) -> str:
    """A skip reason naming what is missing, what it is, and how to provide it."""
    return (f"needs ../shared/{'/'.join(parts)}: the project's working folder beside the clone "
            "(benchmark generator, full public ITSM logs), not part of the repository; "
            "committed fixtures cover the rest. Set SLALANG_SHARED=DIR to use a copy.")
