"""A roster finds a customer by id or name in one lookup: it scanned every customer per
lookup, which made every evaluation with a large roster quadratic (a calibration of the 1m
bench set under one tier, 5,000 customers, spent 45 of its 47 s there)."""

from __future__ import annotations

import pickle

from slalang.model import Customer, Roster


def test_the_first_customer_by_id_or_name_wins():
    a = Customer("Acme", "Gold", None, (), id="C1")
    b = Customer("C1", "Silver", None, ())  # its name is a's id: a comes first
    c = Customer("Beta", "Bronze", None, ())
    d = Customer("Beta", "Gold", None, (), id="C9")  # a second Beta: the first wins by name
    roster = Roster((a, b, c, d))
    assert roster.get("C1") is a and roster.get("Acme") is a
    assert roster.get("Beta") is c and roster.get("C9") is d
    assert roster.get("nobody") is None and roster.get("") is None
    reversed_ = Roster((b, a))
    assert reversed_.get("C1") is b and reversed_.get("Acme") is a


def test_lookups_do_not_scan_the_customers(monkeypatch):
    customers = tuple(Customer(f"Customer {k}", "Gold", None, (), id=f"C{k:05d}")
                      for k in range(20_000))
    roster = Roster(customers)
    assert roster.get("C00000") is customers[0]  # the index is built here, once
    looked = []
    monkeypatch.setattr(Customer, "key", property(lambda c: looked.append(c) or c.id))
    for k in range(0, 20_000, 7):
        assert roster.get(f"C{k:05d}") is customers[k]
        assert roster.get(f"Customer {k}") is customers[k]
    assert looked == []


def test_a_roster_still_compares_and_pickles_as_its_customers():
    a = Customer("Acme", "Gold", None, ("mail",), id="C1")
    roster = Roster((a,), "customers.yaml")
    assert roster.get("C1") is a  # its index is built
    again = pickle.loads(pickle.dumps(roster))
    assert again == roster == Roster((a,), "customers.yaml")
    assert again.get("Acme") == a
