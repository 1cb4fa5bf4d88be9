"""The customer roster: loading, validation errors, fee fallback."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from slalang.errors import DataError
from slalang.language import load_policy
from slalang.roster import load_roster, roster_for

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def policy():
    return load_policy(ROOT / "policies" / "reference.sla")


def test_reference_roster(policy):
    roster = roster_for(policy)
    fees = {c.name: (c.tier, str(c.fee), c.services) for c in roster.customers}
    assert fees == {
        "Alfa Srl": ("Gold", "4000 EUR", ("email",)),
        "Beta SpA": ("Silver", "2500 EUR", ("email",)),
        "Gamma Snc": ("Bronze", "1000 EUR", ("email",)),
    }
    assert roster.get("Beta SpA").fee.amount == Decimal(2500)


def test_without_policy_fees_stay_absent():
    roster = load_roster(ROOT / "policies" / "customers.yaml")
    assert roster.get("Alfa Srl").fee is None


@pytest.mark.parametrize(("text", "message", "field"), [
    ("customers:\n  - name: A\n    tier: Gold\n", "customer #1: 'services' is a required property",
     "services"),
    ("customers:\n  - name: A\n    tier: Gold\n    services: [email]\n    fee: ten\n",
     "customer #1: fee 'ten' is not an amount like 2500 or \"2500 EUR\"", "fee"),
    ("customers:\n  - name: A\n    tier: Platinum\n    services: [email]\n",
     "customer #1 (A): unknown tier 'Platinum' (the policy has Bronze, Silver, Gold)", "tier"),
    ("customers:\n  - name: A\n    tier: Gold\n    services: [email]\n    fee: 10 USD\n",
     "customer #1 (A): fee in USD but the policy's currency is EUR", "fee"),
    ("customers: [\n", "not valid YAML", None),
    ("customers:\n  - name: A\n    tier: Gold\n    services: [email]\n    fee: 4.000 EUR\n",
     "customer #1 (A): fee '4.000 EUR' has more than two decimals; for 4000 EUR write", "fee"),
    ("customers:\n  - {name: A, tier: Gold, services: [x]}\n  - {name: A, tier: Gold, "
     "services: [x]}\n", "customer 'A' is listed twice", "name"),
])
def test_errors_name_file_entry_and_field(tmp_path, policy, text, message, field):
    path = tmp_path / "roster.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError) as err:
        load_roster(path, policy)
    assert message in str(err.value)
    assert err.value.file == str(path)
    assert err.value.field == field


def test_numeric_fee_takes_the_policy_currency(tmp_path, policy):
    path = tmp_path / "roster.yaml"
    path.write_text("customers:\n  - {name: A, tier: Gold, fee: 3500.50, services: [x]}\n",
                    encoding="utf-8")
    assert str(load_roster(path, policy).get("A").fee) == "3500.5 EUR"
    with pytest.raises(DataError, match="needs `currency:`"):
        load_roster(path)


@pytest.mark.parametrize(("text", "row", "message", "field"), [
    # the entry's field, the second listing of a duplicate, the unknown key itself
    ("customers:\n  - name: A\n    tier: Gold\n    services: [x]\n  - name: B\n"
     "    tier: Platinum\n    services: [x]\n", 6, "customer #2 (B): unknown tier 'Platinum'",
     "tier"),
    ("customers:\n  - {name: A, tier: Gold, services: [x]}\n  - {name: A, tier: Gold, "
     "services: [x]}\n", 3, "customer 'A' is listed twice", "name"),
    ("customers:\n  - name: A\n    tier: Gold\n    services: [x]\n    colour: red\n", 5,
     "customer #1: unknown field 'colour' (known: name, id, tier, fee, services)", "colour"),
    ("customers:\n  - name: A\n    tier: Gold\n", 2,
     "customer #1: 'services' is a required property", "services"),
])
def test_errors_name_the_line(tmp_path, policy, text, row, message, field):
    path = tmp_path / "roster.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError) as err:
        load_roster(path, policy)
    assert (err.value.row, err.value.field) == (row, field)
    assert str(err.value).startswith(f"{path}:{row}: {message}")


def test_an_empty_roster_says_so(tmp_path, policy):
    path = tmp_path / "roster.yaml"
    path.write_text("# nobody yet\n", encoding="utf-8")
    with pytest.raises(DataError, match="the roster is empty; it lists `customers:`"):
        load_roster(path, policy)
