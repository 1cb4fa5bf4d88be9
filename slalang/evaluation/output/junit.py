"""The evaluation as JUnit XML, for CI dashboards (Jenkins, GitLab, GitHub test reporters).

One ``<testsuite>`` per customer and month, holding one ``<testcase>`` per objective (metric x
priority the tier promises), one per uptime service and one for the credit:

* a missed objective, a missed uptime target and a credit due are ``<failure>``s;
* an objective with no decided ticket (not applicable) is ``<skipped>``;
* ``classname`` is ``slalang.<customer>.<month>``; the policy clause is in ``<system-out>``.

A last ``<testsuite>`` "input data" holds a ``<testcase>`` "input data", a ``<failure>`` when
input rows were rejected (not evaluated), naming how many and the first few, and a
``<testcase>`` "warnings", a ``<failure type="warning">`` listing what could be measured only
in part (:mod:`slalang.evaluation.warnings`).

The root ``<testsuites>`` carries the policy hash, data hash and slalang version as
``<properties>`` of every suite (the Jenkins schema has no root properties).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from slalang.evaluation.credits import fmt_percent
from slalang.evaluation.output.common import clause, iso_local, xml_safe_tree
from slalang.evaluation.output.summary import describe_row
from slalang.evaluation.result import Evaluation

#: how many rejected rows the "input data" failure names
ROWS_NAMED = 5


def _case(suite: ET.Element, classname: str, name: str, *, failure: str | None = None,
          skipped: str | None = None, out: str | None = None) -> tuple[int, int]:
    case = ET.SubElement(suite, "testcase", name=name, classname=classname, time="0")
    if skipped is not None:
        ET.SubElement(case, "skipped", message=skipped)
    if failure is not None:
        f = ET.SubElement(case, "failure", message=failure, type="sla")
        f.text = failure
    if out:
        ET.SubElement(case, "system-out").text = out
    return int(failure is not None), int(skipped is not None)


def evaluation_to_junit(ev: Evaluation) -> ET.ElementTree:
    tz = ev.policy.header.timezone
    root = ET.Element("testsuites", name=f"slalang {ev.policy.header.name}")
    stamp = iso_local(ev.as_of, tz)
    totals = [0, 0, 0]
    for k, m in enumerate(ev.months):
        suite = ET.SubElement(root, "testsuite", name=f"{m.customer} {m.bucket.label}",
                              id=str(k), package="slalang", hostname="slalang",
                              timestamp=stamp[:19])
        props = ET.SubElement(suite, "properties")
        for key, value in (("policy_hash", ev.policy_hash), ("data_hash", ev.data_hash),
                           ("slalang_version", ev.version), ("tier", m.tier),
                           ("period", ev.period.label), ("as_of", stamp)):
            ET.SubElement(props, "property", name=key, value=value or "")
        cls = f"slalang.{m.customer}.{m.bucket.label}"
        fails = skips = tests = 0
        for o in m.objectives:
            if o.objective is None:
                continue
            name = f"{o.metric} {o.priority} >= {fmt_percent(o.objective)}%"
            where = clause(o.span)
            if o.achieved is None:
                f, s = _case(suite, cls, name, skipped="not applicable: no decided ticket",
                             out=where)
            else:
                detail = (f"compliance {fmt_percent(o.compliance, 2)}% ({o.met}/{o.decided} "
                          f"met, {o.open} open)")
                f, s = _case(suite, cls, name, out=f"{detail}; {where}",
                             failure=None if o.achieved else f"objective missed: {detail}")
            fails, skips, tests = fails + f, skips + s, tests + 1
        for u in m.uptime:
            target = f" >= {fmt_percent(u.target)}%" if u.target is not None else ""
            if not u.measured:
                f, s = _case(suite, cls, f"uptime {u.service}{target}",
                             skipped="not measured: no downtime data", out=clause(u.span))
                fails, skips, tests = fails + f, skips + s, tests + 1
                continue
            detail = f"uptime {fmt_percent(u.uptime)}%, downtime {u.downtime} s"
            f, s = _case(suite, cls, f"uptime {u.service}{target}",
                         failure=f"uptime missed: {detail}" if u.met is False else None,
                         out="; ".join(x for x in (detail, clause(u.span)) if x))
            fails, skips, tests = fails + f, skips + s, tests + 1
        c = m.credit
        amount = f" = {c.amount}" if c.amount is not None else ""
        reasons = "; ".join(f"{fmt_percent(ln.percent)}% {ln.reason} ({clause(ln.span)})"
                            for ln in c.lines)
        capped = f" (capped from {fmt_percent(c.uncapped)}%)" if c.capped else ""
        f, s = _case(suite, cls, "no service credit due",
                     failure=(f"credit due: {fmt_percent(c.percent)}%{amount}{capped}: {reasons}"
                              if c.due else None))
        fails, skips, tests = fails + f, skips + s, tests + 1
        suite.set("tests", str(tests))
        suite.set("failures", str(fails))
        suite.set("errors", "0")
        suite.set("skipped", str(skips))
        suite.set("time", "0")
        totals = [totals[0] + tests, totals[1] + fails, totals[2] + skips]
        # the Jenkins schema wants system-out/system-err after the test cases
        ET.SubElement(suite, "system-out")
        ET.SubElement(suite, "system-err")
    f = _input_suite(root, ev, len(ev.months), stamp)
    totals = [totals[0] + 2, totals[1] + f, totals[2]]
    root.set("tests", str(totals[0]))
    root.set("failures", str(totals[1]))
    root.set("errors", "0")  # (the Jenkins schema has no root "skipped")
    ET.indent(root)
    return ET.ElementTree(root)


def _input_suite(root: ET.Element, ev: Evaluation, k: int, stamp: str) -> int:
    """The "input data" suite: fails when rows were rejected (they were not evaluated, so
    every other test case judged less than the export holds). Returns the failures (0/1)."""
    suite = ET.SubElement(root, "testsuite", name="input data", id=str(k), package="slalang",
                          hostname="slalang", timestamp=stamp[:19])
    props = ET.SubElement(suite, "properties")
    for key, value in (("policy_hash", ev.policy_hash), ("data_hash", ev.data_hash),
                       ("slalang_version", ev.version), ("period", ev.period.label),
                       ("as_of", stamp)):
        ET.SubElement(props, "property", name=key, value=value or "")
    rejected = ev.rejected
    failure = None
    if rejected:
        named = "; ".join(describe_row(r) for r in rejected[:ROWS_NAMED])
        more = f"; ... and {len(rejected) - ROWS_NAMED} more" if len(rejected) > ROWS_NAMED else ""
        failure = f"{len(rejected)} input row(s) rejected, not evaluated: {named}{more}"
    invalid = int(ev.agg.g_counts[:, 3].sum()) if len(ev.agg) else 0
    counts = ev.input
    read = (f"{counts.line(invalid, max(len(rejected) - counts.rejected, 0))}; "
            if counts is not None else "")
    f, _ = _case(suite, "slalang.input", "input data", failure=failure,
                 out=f"{read}rejected {len(rejected)}; invalid tickets {invalid}")
    # what could be measured only in part: a failure of its own, so no dashboard shows green
    warned = "; ".join(f"[{w.code}] {w}" for w in ev.warnings)
    w, _ = _case(suite, "slalang.input", "warnings",
                 failure=f"{len(ev.warnings)} warning(s): {warned}" if ev.warnings else None,
                 out=f"warnings {len(ev.warnings)}")
    if ev.warnings:  # a warning is not an SLA failure: say which kind it is
        case = suite.findall("testcase")[-1]
        case.find("failure").set("type", "warning")  # type: ignore[union-attr]
    for key, value in (("tests", "2"), ("failures", str(f + w)), ("errors", "0"),
                       ("skipped", "0"), ("time", "0")):
        suite.set(key, value)
    ET.SubElement(suite, "system-out")
    ET.SubElement(suite, "system-err")
    return f + w


def dumps(ev: Evaluation) -> bytes:
    root = evaluation_to_junit(ev).getroot()
    xml_safe_tree(root)  # a control character in a customer or priority name
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"
