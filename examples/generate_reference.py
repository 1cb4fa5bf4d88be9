#!/usr/bin/env python3
"""Write the bundled example data for the reference contract (policies/reference.sla).

    python examples/generate_reference.py            # writes examples/reference/

Standard library only and seeded: the same files every time. Q3 2026 (July-September),
Europe/Rome, where the whole quarter is summer time (+02:00; DST ends on 25 October).

The data is a few hundred ordinary tickets that meet every target, plus hand-written
scenarios that produce the outcomes listed in examples/README.md: breaches that miss an
objective (and earn a credit), a breach that does not, pauses that save a ticket, reopened
tickets, priority changes, change requests (excluded), tickets still open at the end of
September, and downtime of every kind.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import random
from dataclasses import dataclass, field
from pathlib import Path

ROME = dt.timezone(dt.timedelta(hours=2), "CEST")  # all of Q3 2026 is summer time
SEED = 2026
Q3_START, Q3_END = dt.date(2026, 7, 1), dt.date(2026, 9, 30)
AS_OF = dt.datetime(2026, 10, 1, tzinfo=ROME)

CUSTOMERS = {  # name: (tier, background tickets per weekday)
    "Alfa Srl": ("Gold", 1.5),
    "Beta SpA": ("Silver", 1.2),
    "Gamma Snc": ("Bronze", 1.0),
}
IMPACT_URGENCY = {"P1": ("high", "high"), "P2": ("high", "medium"),
                  "P3": ("medium", "medium"), "P4": ("low", "low")}


def at(day: str, hhmm: str) -> dt.datetime:
    """``at("2026-08-11", "09:00")``: a Rome wall time in Q3 2026."""
    return dt.datetime.fromisoformat(f"{day}T{hhmm}").replace(tzinfo=ROME)


@dataclass
class Ticket:
    customer: str
    priority: str
    created: dt.datetime
    response: dt.datetime | None = None
    resolved: dt.datetime | None = None
    category: str = "incident"
    #: (instant, status or None, priority or None), in time order, response and resolution
    #: events included
    events: list[tuple[dt.datetime, str | None, str | None]] = field(default_factory=list)
    scenario: str = ""

    def record(self, ticket_id: str) -> dict:
        impact, urgency = IMPACT_URGENCY[self.priority]
        closed = self.resolved + dt.timedelta(days=2) if self.resolved else None
        events = list(self.events)
        if closed is not None and closed < AS_OF:  # closed automatically two days later
            events.append((closed, "closed", None))
        else:
            closed = None
        return {
            "id": ticket_id,
            "customer": self.customer,
            "tier": CUSTOMERS[self.customer][0],
            "priority": self.priority,
            "category": self.category,
            "service": "email",
            "created_at": iso(self.created),
            "first_response_at": iso(self.response),
            "resolved_at": iso(self.resolved),
            "closed_at": iso(closed),
            "events": [{"at": iso(t), **({"status": s} if s else {}),
                        **({"priority": p} if p else {})} for t, s, p in events],
            "impact": impact,
            "urgency": urgency,
        }


def iso(t: dt.datetime | None) -> str | None:
    return t.isoformat() if t is not None else None


def simple(customer: str, priority: str, created: dt.datetime, response_min: float,
           resolve_min: float | None, scenario: str = "", category: str = "incident",
           pause: tuple[dt.datetime, dt.datetime, str] | None = None) -> Ticket:
    """A ticket answered after ``response_min`` minutes and resolved after ``resolve_min``
    (None: still open), with an optional pause (start, end, status)."""
    t = Ticket(customer, priority, created, category=category, scenario=scenario)
    t.response = created + dt.timedelta(minutes=response_min)
    t.events.append((t.response, "in_progress", None))
    if pause is not None:
        t.events += [(pause[0], pause[2], None), (pause[1], "in_progress", None)]
    if resolve_min is not None:
        t.resolved = created + dt.timedelta(minutes=resolve_min)
        t.events.append((t.resolved, "resolved", None))
    return t


def minutes(a: dt.datetime, b: dt.datetime) -> float:
    return (b - a).total_seconds() / 60


def scenarios() -> list[Ticket]:
    """The hand-written tickets behind the intended outcomes (examples/README.md)."""
    out: list[Ticket] = []
    add = out.append

    # Beta SpA misses response P1 in August (Silver: 1h office, 95 %): one of three P1
    # tickets answered after 1h40m of office time -> 66.7 % -> 5 % credit
    c = at("2026-08-11", "09:00")
    add(simple("Beta SpA", "P1", c, 100, 210, "Beta P1 response breached (Aug)"))
    add(simple("Beta SpA", "P1", at("2026-08-20", "10:00"), 20, 120, "Beta P1 met (Aug)"))
    add(simple("Beta SpA", "P1", at("2026-08-31", "14:30"), 15, 135, "Beta P1 met (Aug)"))

    # Alfa Srl misses resolution P1 in September (Gold: 4h on the 24x7 calendar, 95 %): a
    # Saturday-night P1 resolved after 6h -> 1 of 4 breached -> 10 % credit
    add(simple("Alfa Srl", "P1", at("2026-09-12", "23:10"), 10, 360,
               "Alfa P1 night, resolution breached (Sep)"))
    add(simple("Alfa Srl", "P1", at("2026-09-16", "02:00"), 12, 150, "Alfa P1 night met (Sep)"))
    add(simple("Alfa Srl", "P1", at("2026-09-03", "10:00"), 5, 95, "Alfa P1 met (Sep)"))
    add(simple("Alfa Srl", "P1", at("2026-09-22", "15:00"), 8, 70, "Alfa P1 met (Sep)"))

    # Gold P1 at night and at weekends, met on the 24x7 calendar
    add(simple("Alfa Srl", "P1", at("2026-07-12", "03:00"), 10, 150, "Alfa P1 Sunday night met"))
    add(simple("Alfa Srl", "P1", at("2026-08-22", "21:40"), 10, 139,
               "Alfa P1 Saturday evening met"))
    add(simple("Alfa Srl", "P1", at("2026-08-06", "19:30"), 14, 200, "Alfa P1 evening met"))

    # a breach that does not miss the objective: Gamma P3 answered after 9h30m of office
    # time (Bronze: 8h), one of at least ten Gamma P3 tickets in July (objective 90 %)
    add(simple("Gamma Snc", "P3", at("2026-07-09", "09:00"),
               minutes(at("2026-07-09", "09:00"), at("2026-07-10", "10:00")),
               minutes(at("2026-07-09", "09:00"), at("2026-07-10", "12:00")),
               "Gamma P3 response breached, objective still met (Jul)"))

    # pauses that save a ticket: waiting on the customer for three days (Bronze P2
    # resolution 16h office: 3h counted), waiting on a vendor overnight (Gold P2 8h: 1h30m)
    c = at("2026-07-13", "09:00")
    add(simple("Gamma Snc", "P2", c, 30, minutes(c, at("2026-07-16", "12:00")),
               "Gamma P2 paused 3 days waiting on customer, met",
               pause=(at("2026-07-13", "10:00"), at("2026-07-16", "10:00"),
                      "waiting_on_customer")))
    c = at("2026-08-18", "14:30")
    add(simple("Alfa Srl", "P2", c, 10, minutes(c, at("2026-08-19", "17:00")),
               "Alfa P2 paused overnight waiting on vendor, met",
               pause=(at("2026-08-18", "15:00"), at("2026-08-19", "16:00"),
                      "waiting_on_vendor")))

    # reopened tickets: resolved -> in_progress -> resolved (the clock resumes)
    t = simple("Alfa Srl", "P3", at("2026-07-20", "10:00"), 5, 60, "Alfa P3 reopened once")
    t.events += [(at("2026-07-21", "09:00"), "in_progress", None),
                 (at("2026-07-21", "10:00"), "resolved", None)]
    t.resolved = at("2026-07-21", "10:00")
    add(t)
    t = simple("Beta SpA", "P2", at("2026-08-05", "14:30"), 15, 90,
               "Beta P2 reopened, then waiting on customer")
    t.events += [(at("2026-08-06", "09:00"), "in_progress", None),
                 (at("2026-08-06", "09:30"), "waiting_on_customer", None),
                 (at("2026-08-06", "11:00"), "in_progress", None),
                 (at("2026-08-06", "12:00"), "resolved", None)]
    t.resolved = at("2026-08-06", "12:00")
    add(t)
    c = at("2026-09-07", "09:00")
    t = simple("Gamma Snc", "P4", c, 30, minutes(c, at("2026-09-08", "10:00")),
               "Gamma P4 reopened once")
    t.events += [(at("2026-09-09", "09:00"), "in_progress", None),
                 (at("2026-09-09", "11:00"), "resolved", None)]
    t.resolved = at("2026-09-09", "11:00")
    add(t)
    # reopened and still open at the end of September: no resolved_at
    t = simple("Beta SpA", "P3", at("2026-09-28", "09:00"), 20, 60,
               "Beta P3 reopened, still open")
    t.events.append((at("2026-09-30", "09:00"), "in_progress", None))
    t.resolved = None
    add(t)

    # priority changes
    t = simple("Alfa Srl", "P3", at("2026-07-23", "10:00"), 5, 60, "Alfa P3 raised to P2")
    t.events.insert(1, (at("2026-07-23", "10:20"), None, "P2"))
    add(t)
    t = simple("Gamma Snc", "P4", at("2026-08-25", "14:10"), 10, 140, "Gamma P4 raised to P2")
    t.events.insert(1, (at("2026-08-25", "15:00"), None, "P2"))
    add(t)

    # change requests: slow, but excluded from the SLA
    for who, prio, day, resp_days, res_days in (("Alfa Srl", "P3", "2026-07-06", 2, 11),
                                               ("Beta SpA", "P4", "2026-08-03", 3, 9),
                                               ("Gamma Snc", "P3", "2026-09-01", 1, 8),
                                               ("Alfa Srl", "P4", "2026-09-14", 2, 4)):
        c = at(day, "11:00")
        add(simple(who, prio, c, resp_days * 1440, res_days * 1440,
                   f"{who} change request (excluded)", category="change_request"))

    # outside office hours on the office calendar: the clock waits for the opening
    c = at("2026-07-25", "10:00")  # a Saturday
    add(simple("Beta SpA", "P3", c, minutes(c, at("2026-07-27", "09:00")),
               minutes(c, at("2026-07-27", "11:00")), "Beta P3 on a Saturday, met"))
    c = at("2026-08-14", "17:30")  # Friday before Ferragosto weekend
    add(simple("Gamma Snc", "P4", c, minutes(c, at("2026-08-17", "09:00")),
               minutes(c, at("2026-08-17", "15:00")), "Gamma P4 Friday evening, met"))

    # still open at the end of September (evaluate with as_of 2026-10-01T00:00+02:00)
    add(simple("Gamma Snc", "P3", at("2026-09-30", "10:00"), 10, None, "Gamma P3 open"))
    c = at("2026-09-29", "15:00")
    t = simple("Alfa Srl", "P4", c, 30, None, "Alfa P4 open, waiting on customer")
    t.events.append((at("2026-09-30", "09:00"), "waiting_on_customer", None))
    add(t)
    add(simple("Beta SpA", "P3", at("2026-09-30", "16:00"), 10, None, "Beta P3 open"))
    add(simple("Alfa Srl", "P2", at("2026-09-30", "17:00"), 5, None, "Alfa P2 open"))
    add(Ticket("Gamma Snc", "P4", at("2026-09-30", "17:30"),
               scenario="Gamma P4 open, not yet answered"))
    return out


def background(rng: random.Random) -> list[Ticket]:
    """Ordinary tickets on weekdays in office hours, all comfortably within every target."""
    out: list[Ticket] = []
    day = Q3_START
    while day <= Q3_END:
        if day.weekday() < 5 and day != dt.date(2026, 9, 30):
            for customer, (_, rate) in CUSTOMERS.items():
                count = int(rate) + (rng.random() < rate - int(rate))
                for _ in range(count):
                    out.append(_ordinary(rng, customer, day))
        day += dt.timedelta(days=1)
    return out


def _ordinary(rng: random.Random, customer: str, day: dt.date) -> Ticket:
    priority = rng.choices(("P1", "P2", "P3", "P4"), weights=(3, 15, 52, 30))[0]
    category = rng.choices(("incident", "service_request"), weights=(3, 1))[0]
    # start in 09:00-11:30 or 14:30-16:30 so that the work ends before 13:00 or 18:00
    morning = rng.random() < 0.55
    start = 9 * 60 + rng.randrange(150) if morning else 14 * 60 + 30 + rng.randrange(120)
    end_of_interval = 13 * 60 if morning else 18 * 60
    created = dt.datetime.combine(day, dt.time(start // 60, start % 60), ROME)
    response = rng.randint(2, 10)
    resolve = rng.randint(max(response + 10, 20), min(90, end_of_interval - start))
    pause = None
    if rng.random() < 0.2 and resolve - response >= 30:
        a = created + dt.timedelta(minutes=response + (resolve - response) // 3)
        b = created + dt.timedelta(minutes=response + 2 * (resolve - response) // 3)
        pause = (a, b, rng.choice(("waiting_on_customer", "waiting_on_customer",
                                   "waiting_on_vendor")))
    return simple(customer, priority, created, response, resolve, category=category,
                  pause=pause)


DOWNTIME = [
    # customer, service, start, end, kind, note
    ("Alfa Srl", "email", at("2026-07-19", "05:30"), at("2026-07-19", "06:30"), "planned",
     "patching that overran the Sunday window: 30 of 60 minutes count"),
    ("Beta SpA", "email", at("2026-07-24", "11:00"), at("2026-07-24", "11:20"), "unplanned",
     "mail relay restart"),
    ("Gamma Snc", "email", at("2026-07-15", "13:00"), at("2026-07-15", "16:00"),
     "customer_caused", "customer's firewall change blocked SMTP"),
    ("Alfa Srl", "email", at("2026-08-04", "10:10"), at("2026-08-04", "11:00"), "unplanned",
     "storage failover: 50 minutes, below 99.9 % for August"),
    ("Alfa Srl", "email", at("2026-08-09", "02:30"), at("2026-08-09", "04:30"), "planned",
     "mailbox migration inside the Sunday window"),
    ("Gamma Snc", "email", at("2026-08-31", "23:30"), at("2026-09-01", "00:30"), "unplanned",
     "spans two months: 30 minutes in August, 30 in September"),
    ("Beta SpA", "email", at("2026-09-12", "22:00"), at("2026-09-12", "23:00"), "planned",
     "planned on a Saturday evening, outside the window: counts"),
    ("Gamma Snc", "email", at("2026-09-17", "08:00"), at("2026-09-17", "16:00"), "unplanned",
     "server outage: 8 hours"),
]


def generate(out_dir: Path) -> list[tuple[str, str]]:
    rng = random.Random(SEED)
    tickets = background(rng) + scenarios()
    tickets.sort(key=lambda t: (t.created, t.customer, t.priority))
    _check(tickets)
    out_dir.mkdir(parents=True, exist_ok=True)
    named = []
    with open(out_dir / "tickets.jsonl", "w", encoding="utf-8", newline="\n") as fh:
        for k, t in enumerate(tickets):
            ticket_id = f"T-{1001 + k}"
            fh.write(json.dumps(t.record(ticket_id), ensure_ascii=False) + "\n")
            if t.scenario:
                named.append((ticket_id, t.scenario))
    with open(out_dir / "downtime.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["customer", "service", "start", "end", "kind", "note"])
        for customer, service, start, end, kind, note in DOWNTIME:
            writer.writerow([customer, service, iso(start), iso(end), kind, note])
    return named


def _check(tickets: list[Ticket]) -> None:
    """Guard the intended outcomes against a change of seed or rates."""
    gamma_p3_july = sum(t.customer == "Gamma Snc" and t.priority == "P3"
                        and t.created.month == 7 and t.category != "change_request"
                        for t in tickets)
    assert gamma_p3_july >= 10, "one Gamma P3 breach in July must leave 90 % met"
    for who, month, priority, most in (("Beta SpA", 8, "P1", 19), ("Alfa Srl", 9, "P1", 19)):
        n = sum(t.customer == who and t.created.month == month and t.priority == priority
                and t.category != "change_request" for t in tickets)
        assert n <= most, f"{who} must miss {priority} with one breach in month {month}"
    for t in tickets:
        times = [e[0] for e in t.events]
        assert times == sorted(times), t.scenario
        assert all(t.created <= x for x in times), t.scenario


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("reference"))
    parser.add_argument("--list", action="store_true", help="print the scenario tickets")
    args = parser.parse_args()
    named = generate(args.out)
    if args.list:
        for ticket_id, scenario in named:
            print(f"{ticket_id}\t{scenario}")


if __name__ == "__main__":
    main()
