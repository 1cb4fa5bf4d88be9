"""An ignore rule whose ``matches`` is no regular expression is refused as the mapping's
error, naming its key (it was "internal error: ArrowInvalid: Invalid regular expression ...
This is a bug in slalang" on the first table read)."""

from __future__ import annotations

import pytest

from slalang.data.mapping import load_mapping
from slalang.errors import DataError

BASE = """mapping: 1
shape: ticket
fields: {id: id, customer: cust, created_at: opened}
"""


@pytest.mark.parametrize(("rules", "where"), [
    ("ignore:\n  - {column: t, matches: '(tru'}\n", "ignore/0/matches"),
    ("events:\n  ignore:\n    - {column: s, equals: x}\n    - {column: s, matches: '[a-'}\n",
     "events/ignore/1/matches"),
])
def test_a_pattern_that_is_no_regular_expression_is_the_mappings_error(tmp_path, rules, where):
    path = tmp_path / "m.yaml"
    path.write_text(BASE + rules, encoding="utf-8")
    with pytest.raises(DataError, match=rf"invalid mapping at {where}: .* is not a regular "
                                        r"expression"):
        load_mapping(path)


def test_a_good_pattern_loads(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text(BASE + "ignore:\n  - {column: t, matches: '^TEST'}\n", encoding="utf-8")
    assert load_mapping(path).ignore == ({"column": "t", "matches": "^TEST"},)


def test_a_yaml_error_says_its_column_and_where_the_construct_began(tmp_path):
    """An unclosed ``[`` is noticed on the next line: the line alone named the wrong one."""
    path = tmp_path / "m.yaml"
    path.write_text("mapping: 1\nshape: ticket\nfields:\n  id: Ticket ID\n"
                    "  customer: [Company\n  priority: Prio\n", encoding="utf-8")
    with pytest.raises(DataError) as err:
        load_mapping(path)
    assert str(err.value) == (
        f"{path}:6: invalid YAML: expected ',' or ']', but got ':' (column 11), while parsing "
        "a flow sequence that began on line 5, column 13\n    priority: Prio\n"
        "            ^")
