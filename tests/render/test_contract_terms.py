"""The terms around the numbers, labels and clause numbers in the contract appendix (issue 11).

The reference policy's goldens (test_contract.py) hold one choice of every term; this module
renders the other choices (automatic claims, deduction, credits not the sole remedy, priorities
classified by the customer, a channel on its own calendar), each with a golden file in both
languages, and checks what a customer and an Italian lawyer would: no code in the text, no list
price in a customer's appendix, names printed as written, and report citations that match the
appendix's numbers.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from slalang.language import check, load_policy, parse
from slalang.model import Customer, Money, Roster
from slalang.render.clauses import outline
from slalang.render.contract import render_contract

HERE = Path(__file__).parent
ROOT = HERE.parents[1]
GOLDEN = HERE / "golden" / "contract"
UPDATE = bool(os.environ.get("SLALANG_UPDATE_GOLDEN"))

SOURCE = '''policy "Alt terms" {
    provider "Verdi Servizi S.r.l."
    version "1"
    effective 2026-03-01
    currency EUR
    period month in "Europe/Rome"
}
calendar office {
    timezone "Europe/Rome"
    mon-fri 09:00-18:00
    holidays IT
}
calendar evenings {
    timezone "Europe/Rome"
    mon-fri 18:00-22:00
}
calendar always 24x7
calendar window {
    timezone "Europe/Rome"
    sat 22:00-24:00
}
priorities {
    P1 "Urgent" it "Urgente" means "Work has stopped." it "Il lavoro è fermo."
    P2 "Normal" it "Normale" means "Everything else." it "Tutto il resto."
}
clock response {
    starts at created
    stops at first_response
}
clock resolution {
    starts at created
    stops at resolved
    pauses while status in (waiting_on_customer, parts_on_order)
}
exclude tickets where category in ("training", "hw_order")
exclude downtime where kind = "planned" during window notice 72h
label training "Training" it "Formazione"
label hw_order "Hardware order" it "Ordine di hardware"
label planned "Planned maintenance" it "Manutenzione programmata"
label parts_on_order "waiting for spare parts" it "in attesa di ricambi"
label evenings "Evening support" it "Assistenza serale"
label backup "Backup" it "Backup"
support {
    channel chat "https://chat.verdi.example" on evenings
    channel phone "+39 06 1234 5678"
    classified by customer
}
credits {
    claim automatic
    paid by deduction
    not sole remedy
}
reporting {
    monthly report within 5 days
}
tier Basic {
    fee 800 EUR monthly
    response on office: P1 2h, P2 8h objective 90%
    resolution on office: P1 8h, P2 24h objective 85%
    uptime backup 99.0%
    credit 5% when uptime of backup < 99.0%
    credit 3% when resolution P1 misses objective
    cap 10%
}
'''


@pytest.fixture(scope="module")
def alt():
    policy, found = check(parse(SOURCE, "alt.sla"))
    assert [d for d in found if d.severity == "error"] == []
    assert found == [], [str(d) for d in found]  # every code shown has a label
    return policy


@pytest.fixture(scope="module")
def reference():
    return load_policy(ROOT / "policies" / "reference.sla")


def assert_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.write_text(text, encoding="utf-8", newline="")
        return
    assert text == path.read_text(encoding="utf-8"), f"{name} differs from its golden file"


@pytest.mark.parametrize("lang", ["en", "it"])
@pytest.mark.parametrize("fmt", ["md", "html"])
def test_alternative_terms_golden(alt, lang, fmt):
    assert_golden(f"alt-terms.{lang}.{fmt}", render_contract(alt, lang=lang, fmt=fmt))


def test_alternative_terms_in_words(alt):
    en = render_contract(alt, lang="en")
    it = render_contract(alt, lang="it")
    assert "The provider applies the credits due without any request" in en
    assert "Credits are deducted from the first invoice issued after the monthly report." in en
    assert "do not limit the customer's other rights and remedies" in en
    assert "The customer assigns the priority when opening a ticket" in en
    assert "Chat (https://chat.verdi.example): during the hours of the calendar “Evening " \
           "support”" in en
    assert "Phone (+39 06 1234 5678): during business hours" in en
    assert "announced to the customer at least 72 hours in advance" in en
    assert "I crediti sono detratti dalla prima fattura emessa dopo il report mensile." in it
    assert "Il cliente assegna la priorità all'apertura del ticket" in it
    assert "con un preavviso di almeno 72 ore" in it
    assert "in attesa di ricambi" in it
    # nothing to approve specifically but the exclusions and the cap: no forfeiture clause,
    # no sole remedy
    approval = en[en.index("### Specific approval"):]
    assert "7.1–7.3 (exclusions)" in approval or "(exclusions)" in approval
    assert "time limit" not in approval and "sole remedy" not in approval


@pytest.mark.parametrize("lang", ["en", "it"])
@pytest.mark.parametrize("fmt", ["md", "html"])
def test_no_code_reaches_the_customer(reference, alt, lang, fmt):
    """Every code the policies use as data reads as its label: none appears in the text."""
    codes = ["change_request", "customer_caused", "waiting_on_vendor", "waiting_on_customer",
             "phone_p1", "credit_note", "first_response", "“planned”", "«planned»",
             "“maintenance”", "«maintenance»", "«email»", "“email”"]
    roster = Roster((Customer("Beta SpA", "Silver", Money(2500, "EUR"), ("email",)),))
    text = render_contract(reference, customer="Beta SpA", roster=roster, lang=lang, fmt=fmt)
    for code in codes:
        assert code not in text, code
    alt_text = render_contract(alt, lang=lang, fmt=fmt)
    for code in ("hw_order", "parts_on_order", "evenings", "backup", "deduction", "“window”",
                 "«window»"):
        assert code not in alt_text, code


def test_list_fee_only_on_request(reference):
    roster = Roster((Customer("Beta SpA", "Silver", Money(2500, "EUR"), ("email",)),))
    for lang, list_price in (("en", "2,000.00"), ("it", "2.000,00")):
        text = render_contract(reference, customer="Beta SpA", roster=roster, lang=lang)
        assert list_price not in text
        internal = render_contract(reference, customer="Beta SpA", roster=roster, lang=lang,
                                   list_fee=True)
        assert list_price in internal


def test_markup_in_names_prints_as_written(reference):
    name = "<b>Ac*me</b> _Srl_ [x](y)"
    roster = Roster((Customer(name, "Gold", None, ("email",)),))
    md = render_contract(reference, customer=name, roster=roster)
    assert "\\<b\\>Ac\\*me\\</b\\> \\_Srl\\_ \\[x\\](y)" in md
    assert "<b>" not in md
    html = render_contract(reference, customer=name, roster=roster, fmt="html")
    assert "&lt;b&gt;Ac*me&lt;/b&gt; _Srl_ [x](y)" in html and "<b>Ac" not in html


def test_report_citations_match_the_appendix(reference):
    """The numbers a report cites (outline) are the numbers the appendix prints."""
    for tier in ("Bronze", "Silver", "Gold"):
        text = render_contract(reference, tier=tier)
        layout = outline(reference, [tier])
        t = reference.tier(tier)
        number = layout.target(tier, "resolution", "P1")
        assert f"**{number}** For each priority, the provider responds" in text
        assert f"**{layout.uptime(tier, 'email')}** Monthly uptime of each covered" in text
        for oc in t.objective_credits:
            n = layout.at(oc.span, tier)
            assert re.search(rf"\| {re.escape(n)} \| {oc.metric.capitalize()} time objective "
                             rf"for {oc.priority} not achieved", text), (tier, n)
        cap = layout.number(("cap", tier))
        assert re.search(rf"\*\*{re.escape(cap)}\*\* [^\n]*may not exceed", text)
        for i, _ in enumerate(reference.exclusions):
            assert f"**{layout.number(('exclusion', i))}** " in text
    # the evaluation JSON cites file:line; the outline turns it into the clause number
    silver = outline(reference, ["Silver"])
    line = reference.tier("Silver").objective_credits[0].span.line
    assert silver.at(f"policies/reference.sla:{line}") == "8.3"


def test_customer_and_tier_appendix_are_numbered_alike(reference):
    roster = Roster((Customer("Beta SpA", "Silver", Money(2500, "EUR"), ("email",)),))
    tier_text = render_contract(reference, tier="Silver")
    customer_text = render_contract(reference, customer="Beta SpA", roster=roster)

    def numbers(text: str) -> list[str]:
        return re.findall(r"^## (\d+)\. |^\*\*(\d+\.\d+)\*\*", text, flags=re.M)

    # the scope article names the customer's services in one more clause, after 2.1; from
    # article 3 on the numbers are the same
    after = [n for n in numbers(tier_text) if not (n[1] or n[0]).startswith(("1", "2"))]
    assert after == [n for n in numbers(customer_text)
                     if not (n[1] or n[0]).startswith(("1", "2"))]
