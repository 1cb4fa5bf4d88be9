"""The customer roster: loading, validation errors, fee fallback."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

import slalang.roster as roster_module
from slalang.cli import main
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


# issue 9, defect 2: the header's `roster` path comes from whoever wrote the policy

SECRET = "root:x:0:0:the-secret-line:/root:/bin/bash\ndaemon:x:1:1:another:/usr/sbin\n"


def _policy_naming(tmp_path: Path, roster: str) -> Path:
    text = (ROOT / "policies" / "reference.sla").read_text(encoding="utf-8")
    path = tmp_path / "policy.sla"
    path.write_text(text.replace('roster "customers.yaml"', f"roster {roster}"),
                    encoding="utf-8")
    return path


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_a_file_that_is_not_a_roster_is_not_quoted(tmp_path, fmt):
    (tmp_path / "passwd").write_text(SECRET, encoding="utf-8")
    (tmp_path / "config.yaml").write_text("password: the-secret-line\n", encoding="utf-8")
    for name in ("passwd", "config.yaml"):
        result = CliRunner().invoke(
            main, ["check", "--format", fmt, str(_policy_naming(tmp_path, f'"{name}"'))])
        assert result.exit_code == 1
        assert "SLA501" in result.output and "not a roster" in result.output
        assert "the-secret-line" not in result.output and "password" not in result.output


def test_a_bad_value_is_quoted_cut_short(tmp_path, policy):
    path = tmp_path / "roster.yaml"
    path.write_text(f"customers:\n  - name: A\n    tier: Gold\n    services: [x]\n"
                    f"    fee: {'y' * 5000}\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"fee 'yyyy.*\(cut\) is not an amount") as err:
        load_roster(path, policy)
    assert "y" * 100 not in str(err.value)


@pytest.mark.parametrize("special", ["/dev/zero", "fifo", "folder"])
def test_a_roster_is_a_regular_file(tmp_path, policy, special):
    if special == "fifo":
        os.mkfifo(tmp_path / "fifo")  # opening it must not wait for a writer
    elif special == "folder":
        (tmp_path / "folder").mkdir()
    elif not os.path.exists(special):
        pytest.skip("no /dev/zero here")
    path = special if special.startswith("/") else tmp_path / special
    with pytest.raises(DataError, match="not a regular file|directory"):
        load_roster(path, policy)


def test_a_roster_has_a_size_limit(tmp_path, policy, monkeypatch):
    monkeypatch.setattr(roster_module, "MAX_ROSTER_BYTES", 1000)
    path = tmp_path / "roster.yaml"
    path.write_text("customers:\n" + "  - {name: A, tier: Gold, services: [x]}\n" * 100,
                    encoding="utf-8")
    with pytest.raises(DataError, match="larger than"):
        load_roster(path, policy)


def test_yaml_aliases_cannot_blow_up_a_roster(tmp_path, policy):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    path = tmp_path / "roster.yaml"
    path.write_text("\n".join(lines) + "\ncustomers: *a8\n", encoding="utf-8")
    with pytest.raises(DataError, match="expands to more than"):
        load_roster(path, policy)


def test_an_empty_roster_path_is_an_error(tmp_path):
    result = CliRunner().invoke(main, ["check", str(_policy_naming(tmp_path, '""'))])
    assert result.exit_code == 1
    assert "SLA206" in result.output and "the roster path is empty" in result.output


def test_export_fails_when_check_reports_the_roster(tmp_path):
    # issue 9, defect 9: export exited 0 while check reported SLA501
    policy = _policy_naming(tmp_path, '"missing.yaml"')
    out = tmp_path / "out.json"
    result = CliRunner().invoke(main, ["export", str(policy), "-o", str(out)])
    assert result.exit_code == 1
    assert "SLA501" in result.output and not out.exists()


def test_a_roster_path_with_a_nul_character(tmp_path):
    # found by scanning edits of the shipped policies: os.open raised ValueError
    result = CliRunner().invoke(main, ["check", str(_policy_naming(tmp_path, '"cust\0omers"'))])
    assert result.exit_code == 1
    assert "SLA501" in result.output and "NUL character" in result.output
