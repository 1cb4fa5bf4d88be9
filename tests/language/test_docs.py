"""The language tour quotes the reference policy: the quotes must stay true."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOUR = ROOT / "docs" / "language" / "tour.md"
POLICY = (ROOT / "policies" / "reference.sla").read_text(encoding="utf-8")

# the tour's policy quotes are its ```slalang blocks (highlighted by slalang's own lexer)
BLOCKS = re.findall(r"^```slalang\n(.*?)^```", TOUR.read_text(encoding="utf-8"),
                    flags=re.S | re.M)


def test_the_tour_quotes_the_whole_policy_in_blocks():
    assert len(BLOCKS) >= 7


@pytest.mark.parametrize("block", BLOCKS, ids=lambda b: b.split("\n", 1)[0][:30])
def test_tour_quotes_the_reference_policy(block):
    for declaration in block.split("\n\n"):  # a block may quote several declarations
        assert declaration.strip() + "\n" in POLICY
