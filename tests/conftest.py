"""Options for the whole test suite, and the environment it runs in.

pytest only honours ``pytest_addoption`` in conftests it loads at start-up (this one, for a
plain ``pytest`` run), so the fuzz suite's option lives here and its fixtures in
tests/fuzz/conftest.py.
"""

from __future__ import annotations

import os

import pytest

# the checked-policy cache (slalang.policy_cache) stays out of the suite: tests write
# policies by the hundred and some swap parts of the checker, and the user's cache folder
# is not the tests' to fill; tests/cli/test_policy_cache.py turns it on in a folder of its own
os.environ.setdefault("SLALANG_NO_CACHE", "1")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--fuzz-minutes", type=float, default=None, metavar="N",
        help="spend N minutes in the fuzz tests (tests/fuzz) instead of about one in all",
    )
    parser.addoption(
        "--fuzz-seed", type=int, default=None, metavar="S",
        help="start the fuzz tests' seeded batches at S (a failure names its batch's seed; "
             "the default repeats the same seeds every run)",
    )
