"""Options for the whole test suite.

pytest only honours ``pytest_addoption`` in conftests it loads at start-up (this one, for a
plain ``pytest`` run), so the fuzz suite's option lives here and its fixtures in
tests/fuzz/conftest.py.
"""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--fuzz-minutes", type=float, default=None, metavar="N",
        help="spend N minutes in the fuzz tests (tests/fuzz) instead of about one in all",
    )
