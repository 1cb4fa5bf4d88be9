"""Parser and formatter details: edge cases of text, comments and keywords used as names."""

from __future__ import annotations

from decimal import Decimal

import pytest

from slalang.errors import PolicyError
from slalang.language import check, format_source, parse, read_source
from slalang.language import syntax as s
from slalang.language.parser import _HEAD, MISTAKES

HEAD = 'policy "P" {\n    version "1"\n    effective 2026-01-01\n    currency EUR\n' \
       '    period month in "Europe/Rome"\n}\n'


def syntax_error(source: str):
    with pytest.raises(PolicyError) as err:
        parse(source, "x.sla")
    (diagnostic,) = err.value.diagnostics
    assert diagnostic.code == "SLA001"
    return diagnostic


def test_empty_and_comment_only_files_say_so():
    assert syntax_error("").message == "the file holds no policy"
    assert syntax_error("# nothing yet\n").message == "the file holds no policy"


def test_unclosed_block_at_end_of_file_points_at_its_brace():
    d = syntax_error(HEAD + "tier T {\n    cap 10%\n")
    assert (d.message, d.span.line, d.span.column) == ("this `{` is never closed", 7, 8)


def test_bom_and_crlf(tmp_path):
    path = tmp_path / "p.sla"
    path.write_bytes(b"\xef\xbb\xbf" + (HEAD + "# note\r\n").replace("\n", "\r\n").encode())
    source, digest = read_source(path)
    tree = parse(source, "p.sla")
    assert [c.text for c in tree.comments] == ["# note"]
    assert len(digest) == 64
    assert "\r" not in format_source(source, "p.sla")


def test_keywords_are_names_where_a_name_is_expected():
    tree = parse(HEAD + "clock c { starts at created stops at closed "
                 "pauses while status in (closed, hours, every) }\n", "x.sla")
    (clock,) = tree.of_type(s.ClockDecl)
    assert [i.text for i in clock.stmts[2].statuses] == ["closed", "hours", "every"]
    assert clock.stmts[1].event.kind.text == "closed"


def test_status_events_and_default_24x7_zone():
    source = HEAD + (
        'calendar always 24x7\npriorities { P1 "One" }\n'
        "clock notify { starts at created stops at status customer_notified "
        "on priority change restart }\n"
        "tier T { notify on always: P1 4h objective 100% }\n")
    policy, found = check(parse(source, "x.sla"))
    assert [d for d in found if d.code != "SLA601"] == []  # labels: test_customer_text
    clock = policy.clock("notify")
    assert (str(clock.stop), clock.on_priority_change, clock.on_reopen) == (
        "status customer_notified", "restart", "resume")
    assert policy.calendar("always").timezone == "Europe/Rome"
    assert policy.tier("T").target("notify", "P1").objective == 100


def test_formatter_expands_one_line_blocks_and_keeps_comments_in_place():
    source = (HEAD.replace("    version", "  # who\n    version") +
              '\n\n\ncalendar c { timezone "Europe/Rome"  mon-fri 8:30-12:00 }  # short\n'
              "# trailing remark\n")
    assert format_source(source, "x.sla") == (
        HEAD.replace("    version", "    # who\n    version") +
        '\ncalendar c {\n    timezone "Europe/Rome"\n    mon-fri 08:30-12:00\n}  # short\n'
        "# trailing remark\n")


def test_formatter_canonical_durations_and_percents():
    source = HEAD + "tier T { response on c: P1 90m, P2 3600s objective 90 % }\n"
    assert "response on c: P1 1h30m, P2 1h objective 90%\n" in format_source(source, "x.sla")


@pytest.mark.parametrize(("message", "snippet"), [
    (message, snippet) for message, snippets in MISTAKES.items() for snippet in snippets])
def test_every_catalogued_mistake_gets_its_message(message, snippet):
    assert syntax_error(_HEAD + snippet).message.startswith(message)


def test_objective_only_line_raises_the_bar_for_inherited_targets():
    source = HEAD + (
        'calendar always 24x7\npriorities { P1 "One" P2 "Two" }\n'
        "clock response { starts at created stops at first_response }\n"
        "tier A { response on always: P1 1h, P2 2h objective 90% }\n"
        "tier B extends A { response   objective 97.5% }\n")
    policy, found = check(parse(source, "x.sla"))
    assert [d for d in found if d.code != "SLA601"] == []  # labels: test_customer_text
    assert [(t.objective, t.origin_tier) for t in policy.tier("B").targets] == [
        (Decimal("97.5"), "A"), (Decimal("97.5"), "A")]
    assert "    response objective 97.5%\n" in format_source(source, "x.sla")
