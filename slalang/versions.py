"""Versions in force: a contract amended over time, each month measured under its version.

A contract is a series of versions (several files, or git revisions of one file), each with
its header's ``version`` and ``effective`` date. The version in force for a month is the one
with the latest ``effective`` date on or before the month's first day. Two versions taking
effect on the same day, or a month that starts before every version, are errors naming the
file and line of the ``effective`` dates at fault: measuring such a month would be a guess.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from slalang.errors import SlalangError
from slalang.model import Policy

if TYPE_CHECKING:
    from slalang.evaluation import Evaluation
    from slalang.evaluation.periods import Period
    from slalang.review.revision import PolicySource


class VersionsError(SlalangError):
    """Versions whose effective dates overlap or leave a month without a version."""


@dataclass(frozen=True)
class Version:
    """One version of the contract: its source, checked policy and where ``effective`` is."""

    source: PolicySource
    policy: Policy
    #: the line of the header's ``effective`` (1-based; the header's line if not found)
    line: int

    @property
    def label(self) -> str:
        return self.policy.header.version

    @property
    def effective(self) -> dt.date:
        return self.policy.header.effective

    @property
    def where(self) -> str:
        """``file:line`` of the ``effective`` date."""
        return f"{self.source.spec}:{self.line}"

    @property
    def policy_hash(self) -> str:
        return self.policy.source_hash


def _effective_line(text: str, policy: Policy) -> int:
    for i, line in enumerate(text.splitlines(), start=1):
        if re.match(r"\s*effective\b", line):
            return i
    return policy.header.span.line or 1


def load_versions(specs: Sequence[str]) -> list[Version]:
    """Load every version (files or ``REV:PATH``), oldest first; raises ``PolicyError`` for a
    version with errors and :class:`VersionsError` when two take effect on the same day, carry
    the same version name, or measure time in different zones."""
    from slalang.review.revision import load_policy_source, read_policy_source

    versions = []
    for spec in specs:
        source = read_policy_source(spec)
        policy = load_policy_source(source)
        versions.append(Version(source, policy, _effective_line(source.text, policy)))
    versions.sort(key=lambda v: v.effective)
    for a, b in zip(versions, versions[1:], strict=False):
        if a.effective == b.effective:
            raise VersionsError(
                f"overlapping effective dates: {a.where}: version {a.label} and {b.where}: "
                f"version {b.label} both take effect on {a.effective.isoformat()}; give each "
                "version the date it starts to apply")
    seen: dict[str, Version] = {}
    for v in versions:
        if v.label in seen and seen[v.label].policy_hash != v.policy_hash:
            raise VersionsError(
                f"{seen[v.label].where} and {v.where}: two different policies are both "
                f"version {v.label}; give each amendment a version of its own")
        seen[v.label] = v
    zones = {v.policy.header.timezone for v in versions}
    if len(zones) > 1:
        raise VersionsError(
            f"the versions decide months in different time zones ({', '.join(sorted(zones))}): "
            "a month would not be the same month under each")
    return versions


def in_force(versions: Sequence[Version], day: dt.date, month: str) -> Version:
    """The version in force on ``day`` (the first day of ``month``)."""
    current = [v for v in versions if v.effective <= day]
    if not current:
        first = versions[0]
        raise VersionsError(
            f"missing effective date: no version is in force on {day.isoformat()} (month "
            f"{month}); the earliest, {first.where}: version {first.label}, takes effect on "
            f"{first.effective.isoformat()}. Add the version in force then, or start the "
            "period later")
    return current[-1]


@dataclass(frozen=True)
class Part:
    """The months measured under one version, and their evaluation."""

    version: Version
    period: Period
    evaluation: Evaluation

    @property
    def months(self) -> list[str]:
        return [b.label for b in self.period.buckets]


def split_period(versions: Sequence[Version], period: Period) -> list[tuple[Version, Period]]:
    """The period cut where the version in force changes (consecutive months of one version
    form one range)."""
    from slalang.evaluation.periods import parse_period

    runs: list[list] = []
    for b in period.buckets:
        first = dt.datetime.fromtimestamp(b.start, _zone(period)).date()
        v = in_force(versions, first.replace(day=1) if first.day != 1 else first, b.label)
        # a clipped first month (a range starting mid-month) is still that month's version
        if runs and runs[-1][0] is v:
            runs[-1][2] = b
        else:
            runs.append([v, b, b])
    if len(runs) == 1:
        return [(runs[0][0], period)]
    out = []
    zone = _zone(period)
    for v, lo, hi in runs:
        start = dt.datetime.fromtimestamp(lo.start, zone).date()
        end = dt.datetime.fromtimestamp(hi.end - 1, zone).date()
        out.append((v, parse_period(f"{start.isoformat()}..{end.isoformat()}",
                                    period.timezone)))
    return out


def _zone(period: Period):
    from zoneinfo import ZoneInfo

    return ZoneInfo(period.timezone)


def evaluate_versions(versions: Sequence[Version], tickets, downtime, period=None,
                      as_of: int | None = None, roster=None) -> list[Part]:
    """Evaluate each month under the version in force at its start.

    Args:
        versions: from :func:`load_versions`.
        tickets, downtime: the data, as for :func:`slalang.evaluation.evaluate`.
        period: a Period or its text; default the months the tickets span.
        as_of: epoch seconds; default the end of the whole period (every part is judged at
            the same instant).
        roster: one roster for every version; default each version's own.
    """
    import numpy as np

    from slalang.evaluation import evaluate
    from slalang.evaluation.periods import PeriodError, parse_period, period_covering
    from slalang.plan import compile_plan
    from slalang.review.revision import roster_of

    zone = versions[-1].policy.header.timezone
    if isinstance(period, str):
        period = parse_period(period, zone)
    if period is None:
        period = period_covering(np.asarray(tickets.created_at), zone)
        if period is None:
            raise PeriodError("no period given and no ticket to infer one from: use --period")
    if as_of is None:
        as_of = period.end
    parts = []
    for version, sub in split_period(versions, period):
        ros = roster if roster is not None else roster_of(version.source, version.policy)
        ev = evaluate(compile_plan(version.policy), tickets, downtime, ros, as_of=as_of,
                      period=sub)
        parts.append(Part(version, sub, ev))
    return parts


def parts_to_json(parts: Sequence[Part]) -> dict:
    """The versioned evaluation document: each version with its months and evaluation."""
    from slalang.evaluation.output.json import evaluation_to_json

    return {
        "schema_version": 1,
        "amended": len(parts) > 1,
        # month by month, the version each was measured under
        "months": [{"month": m, "version": p.version.label, "policy_hash": p.version.policy_hash,
                    "source": p.version.source.spec} for p in parts for m in p.months],
        "versions": [{
            "version": p.version.label,
            "effective": p.version.effective.isoformat(),
            "source": p.version.source.spec,
            "policy_hash": p.version.policy_hash,
            "months": p.months,
            "evaluation": evaluation_to_json(p.evaluation),
        } for p in parts],
    }


def months_line(parts: Sequence[Part]) -> list[str]:
    """One line per month: the version and policy hash it is measured under."""
    return [f"{m}: version {p.version.label} ({p.version.source.spec}, sha256 "
            f"{p.version.policy_hash[:12]})" for p in parts for m in p.months]


#: the report's note of an amendment, per language: title, opening, "version", "effective"
_NOTE = {
    "en": ("Contract amended.", "The contract was amended during this period; each month is "
           "measured under the version in force at its start: ", "version", "effective",
           "for"),
    "it": ("Contratto modificato.", "Il contratto è stato modificato nel periodo; ogni mese è "
           "misurato secondo la versione in vigore al suo inizio: ", "versione", "in vigore dal",
           "per"),
}


def amendment_title(lang: str = "en") -> str:
    """The note's bold opening (``Contract amended.``) in ``lang``."""
    return _NOTE.get(lang, _NOTE["en"])[0]


def amendment_note(parts: Sequence[Part], lang: str = "en") -> str | None:
    """The sentence a report opens with when the contract changed during the period, in the
    report's language. It names versions and effective dates, not file paths or hashes: the
    report is the customer's (``evaluate --amendment`` names the hash of each month)."""
    if len(parts) < 2:
        return None
    _, opening, version, effective, for_ = _NOTE.get(lang, _NOTE["en"])
    changes = "; ".join(
        f"{version} {p.version.label} ({effective} {p.version.effective.isoformat()}) "
        f"{for_} {p.months[0]}" + (f"–{p.months[-1]}" if len(p.months) > 1 else "")
        for p in parts)
    return f"{opening}{changes}."
