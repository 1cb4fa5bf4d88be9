"""`slalang mapping init` says which of its value and timestamp guesses are guesses: its
header promises "Every line marked CHECK is a guess", and a wrong guess written as if
certain stopped clocks at creation (found on the public help-desk and Rabobank logs)."""

from __future__ import annotations

import yaml
from click.testing import CliRunner

from slalang.cli import main

# a help desk's event log: every ticket starts with "Assign seriousness"
EVENT_LOG = """\
Case ID,Activity,Complete Timestamp,customer,priority
Case 1,Assign seriousness,2012/10/09 14:50:17,Alfa,2
Case 1,Take in charge ticket,2012/10/09 14:51:01,Alfa,2
Case 1,Resolve SW anomaly,2012/10/10 09:00:00,Alfa,2
Case 1,Resolved,2012/10/11 10:00:00,Alfa,2
Case 1,Problem Closure,2012/10/12 10:00:00,Alfa,2
Case 2,Assign seriousness,2012/10/09 15:50:17,Beta,5
Case 2,In Progress,2012/10/09 16:00:00,Beta,5
Case 2,Waiting for customer,2012/10/09 17:00:00,Beta,5
Case 2,Closed,2012/10/10 17:00:00,Beta,5
Case 2,-100,2012/10/10 18:00:00,Beta,5
"""


def run(*args: str):
    return CliRunner().invoke(main, ["mapping", *args])


def value_lines(output: str, role: str) -> dict[str, str]:
    """The lines of one value map, by the value's text as YAML reads it."""
    block = output.split(f"  {role}:   # every value")[1].splitlines()[1:]
    lines = {}
    for line in block:
        if not line.startswith("    "):
            break
        key = yaml.safe_load(line.split("   #")[0])
        lines[str(next(iter(key)))] = line
    return lines


def init(tmp_path, text: str, name: str = "export.csv"):
    export = tmp_path / name
    export.write_text(text, encoding="utf-8")
    return run("init", str(export))


def test_a_keyword_inside_a_phrase_is_marked_as_a_guess(tmp_path):
    """`guess_status` matched keywords as substrings and wrote "Assign seriousness:
    in_progress" (every ticket's first row: a first response at creation), "Resolve SW
    anomaly: resolved" and "Problem Closure: closed" without the CHECK mark, as if certain.
    Only a whole text that says a status plainly stays unmarked."""
    r = init(tmp_path, EVENT_LOG)
    assert r.exit_code == 0, r.output
    lines = value_lines(r.output, "status")
    doc = yaml.safe_load(r.output)["values"]["status"]
    # the guesses themselves are kept (but the status opening every ticket is its creation)
    assert doc["Assign seriousness"] == "new"
    assert doc["Resolve SW anomaly"] == "resolved"
    assert doc["Problem Closure"] == "closed"
    # ... and say they are guesses, with the word they came from
    assert "# CHECK: the first row of 100% of the tickets" in lines["Assign seriousness"]
    assert "# CHECK: a guess from the word 'resolve'" in lines["Resolve SW anomaly"]
    assert "# CHECK: a guess from the word 'closure'" in lines["Problem Closure"]
    assert "CHECK" in lines["Take in charge ticket"]
    for plain, status in (("Resolved", "resolved"), ("In Progress", "in_progress"),
                          ("Waiting for customer", "waiting_on_customer"),
                          ("Closed", "closed")):
        assert doc[plain] == status
        assert "CHECK" not in lines[plain], lines[plain]


def test_a_word_part_is_no_keyword(tmp_path):
    """A keyword matched anywhere in a word: "Unresolved" was guessed resolved, "Reopen" new,
    and neither was marked. A keyword now starts a word, and its guess is marked."""
    r = init(tmp_path, "id,at,state\nT1,2026-07-01 09:00,Unresolved\n"
                       "T1,2026-07-01 10:00,Reopen\nT1,2026-07-01 11:00,Reopened by user\n")
    assert r.exit_code == 0, r.output
    doc = yaml.safe_load(r.output)["values"]["status"]
    assert doc["Unresolved"] != "resolved"
    assert doc["Reopen"] != "new"
    lines = value_lines(r.output, "status")
    assert all("CHECK" in line for line in lines.values()), lines


def test_a_number_in_a_status_column_is_ignored_not_a_status(tmp_path):
    """ServiceNow's "-100" placeholder became the status "100": the sign lost, and a number
    read as a status name the clocks ran through. It maps to null (its rows ignored), and
    the line says why."""
    r = init(tmp_path, EVENT_LOG)
    assert r.exit_code == 0, r.output
    assert yaml.safe_load(r.output)["values"]["status"]["-100"] is None
    line = value_lines(r.output, "status")["-100"]
    assert line.startswith('    "-100": null   # 1 rows   # CHECK: ')
    assert "number" in line and "ignores its rows" in line


def test_a_fifth_priority_level_is_marked_where_it_joins_p4(tmp_path):
    """Priority 5 of a 1-5 scale was merged into P4 without a word (`"5": P4   # 115 rows`).
    The merge is kept and marked; so is every priority read from a word or from a digit
    inside a text, while a P-code or a digit 1-4 alone stays unmarked."""
    r = init(tmp_path, "id,opened,priority\n"
                       "T1,2026-07-01 09:00,5\nT2,2026-07-01 09:00,4\nT3,2026-07-01 09:00,P2\n"
                       "T4,2026-07-01 09:00,High\nT5,2026-07-01 09:00,1 - Critical\n")
    assert r.exit_code == 0, r.output
    doc = yaml.safe_load(r.output)["values"]["priority"]
    assert doc == {"5": "P4", "4": "P4", "P2": "P2", "High": "P2", "1 - Critical": "P1"}
    lines = value_lines(r.output, "priority")
    assert "# CHECK: a 5th level: P4 shares its targets" in lines["5"]
    assert "# CHECK: a guess from the word 'high'" in lines["High"]
    assert "# CHECK: a guess from the digit '1'" in lines["1 - Critical"]
    assert "CHECK" not in lines["4"] and "CHECK" not in lines["P2"]


EXCEL_LOG = """\
Case ID,Activity,Complete Timestamp,customer
Case 1,Assign seriousness,09-Oct-12 14:50,Alfa
Case 1,Take in charge ticket,09-Oct-12 14:51,Alfa
Case 1,Resolved,25-Oct-12 11:54,Alfa
Case 2,Assign seriousness,13-Oct-12 09:05,Beta
Case 2,Closed,31-Oct-12 18:00,Beta
"""


def test_excel_style_times_are_detected_and_read(tmp_path):
    """Times written the spreadsheet way (09-Oct-12 14:50, %d-%b-%y %H:%M) were not seen as
    times: `at: TODO`, no format, even the column named 'Complete Timestamp' missed. The
    layout is found, and the mapping written reads every row."""
    export = tmp_path / "excel.csv"
    export.write_text(EXCEL_LOG, encoding="utf-8")
    out = tmp_path / "m.yaml"
    r = run("init", str(export), "-o", str(out))
    assert r.exit_code == 0, r.output
    assert r.output.rstrip().endswith("timestamps %d-%b-%y %H:%M")
    doc = yaml.safe_load(out.read_text())
    assert doc["timestamps"]["format"] == "%d-%b-%y %H:%M"
    assert doc["event_log"]["at"] == "Complete Timestamp"
    r = run("check", str(out), str(export), "--rows", "1")
    assert r.output.splitlines()[0] == (
        "input: 5 update rows read, folded into 2 tickets evaluated; 0 ignored, 0 rejected")
    assert "created 2012-10-09T14:50:00+00:00" in r.output


def test_other_month_name_and_two_digit_year_layouts(tmp_path):
    """Only digit layouts with four-digit years were tried: month names and two-digit years
    were no times at all. A two-digit year is marked for its century."""
    for text, fmt in (("09 Oct 2012 14:50", "%d %b %Y %H:%M"),
                      ("Oct 09, 2012 2:50 PM", "%b %d, %Y %I:%M %p"),
                      ("09-Oct-2012 14:50:33", "%d-%b-%Y %H:%M:%S"),
                      ("29/10/12 14:50", "%d/%m/%y %H:%M")):
        r = init(tmp_path, f'id,opened\nT1,"{text}"\n', f"{fmt.count('%')}-{len(text)}.csv")
        assert r.exit_code == 0, r.output
        assert yaml.safe_load(r.output)["timestamps"]["format"] == fmt, text
        assert yaml.safe_load(r.output)["fields"]["created_at"] == "opened"
    assert "two-digit years" in r.output


def test_the_summary_says_when_no_time_column_was_found(tmp_path):
    """Without any column of times the summary still said "timestamps ISO 8601": it says
    plainly that none was found, and the draft says where to write the layout."""
    export = tmp_path / "no-times.csv"
    export.write_text("id,when,state\nT1,sometime,Open\nT1,later,Closed\n", encoding="utf-8")
    out = tmp_path / "m.yaml"
    r = run("init", str(export), "-o", str(out))
    assert r.exit_code == 0, r.output
    assert "ISO 8601" not in r.output
    assert "no time column found" in r.output
    assert "CHECK: no column of times was recognised" in out.read_text()


def test_the_status_that_opens_most_tickets_of_an_event_log_is_their_creation(tmp_path):
    """The help-desk log opens 94 % of its tickets with "Assign seriousness": guessed
    in_progress from its words, a status of init's own first_response list, it stopped the
    response clock at creation (424 of 442 responses met at 0 s). The status that opens
    most tickets is now mapped to new, with a CHECK saying why; "Take in charge" is a
    guessed response."""
    rows = ["Case ID,Activity,Complete Timestamp,customer"]
    for k in range(10):
        rows.append(f"C{k},Assign seriousness,2012/10/0{k % 9 + 1} 08:00:00.000,Alfa")
        rows.append(f"C{k},Take in charge ticket,2012/10/0{k % 9 + 1} 09:00:00.000,Alfa")
        rows.append(f"C{k},Resolved,2012/10/0{k % 9 + 1} 10:00:00.000,Alfa")
    (tmp_path / "log.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["mapping", "init", str(tmp_path / "log.csv")])
    assert r.exit_code == 0, r.output
    assert ("    Assign seriousness: new   # 10 rows   # CHECK: the first row of 100% of the "
            "tickets: their creation, not a response (its words suggest in_progress)"
            in r.output)
    assert "    Take in charge ticket: in_progress   # 10 rows   # CHECK: a guess from the word " \
           "'charge'" in r.output
