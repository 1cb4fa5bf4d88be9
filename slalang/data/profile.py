"""A first look at an unknown export, and a starting mapping written from it.

:func:`profile_export` reads a CSV export the way a person would on first contact: which
encoding and separator it uses, which columns look like the ticket id, the customer, the
creation time, the priority and the status (by name first, then by content), how its
timestamps are written, whether it has a row per ticket or a row per update, and every
distinct status and priority value with its count. :func:`draft_mapping` turns that into a
mapping YAML, commented, whose value maps list every value ready to map
(``slalang mapping init``).

:func:`check_export` reads an export through a mapping and says what it made of it: the
first tickets as parsed, every value no value map translates, with its count, and the most
frequent reasons rows were rejected (``slalang mapping check``).
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from slalang.data.rules import repeated_header
from slalang.data.source import has_byte, read_bytes, read_csv, unique_header

#: how many rows the content tests look at
SAMPLE = 2000
#: at most this many distinct values are listed per field (the rest are counted)
MAX_VALUES = 200

#: name patterns per role, most telling first
ROLE_NAMES = {
    "id": (r"^(ticket|incident|case|issue|request|call)[ _-]?(id|number|no|key|ref)$",
           r"^(id|number|key|ref|ticket|incident|case)$", r"(^|[ _])(id|number|key)$"),
    "customer": (r"customer|client|company|organi[sz]ation|account|tenant", r"^org"),
    "created_at": (r"^(created|opened|open|submitted|reported|logged)([ _-]?(at|on|time|date"
                   r"|date[ _-]?time))?$", r"creat|open(ed)?[ _-]?(at|date|time)|submit|report"
                   r"ed|logged|received"),
    "priority": (r"^priority$", r"prio|severity|urgency"),
    "status": (r"^(status|state)$", r"status|state|activity"),
    "resolved_at": (r"^resolved([ _-]?(at|on|time|date))?$", r"resol|solved|fixed"),
    "closed_at": (r"^closed([ _-]?(at|on|time|date))?$", r"clos"),
    "first_response_at": (r"first[ _-]?response|responded|response[ _-]?(at|time|date)",),
    "updated_at": (r"^(updated|modified|changed)([ _-]?(at|on|time|date))?$",
                   r"sys_updated|updated|modified|changed|change[ _-]?date|event[ _-]?time|"
                   r"timestamp|datestamp"),
}

#: timestamp layouts tried on a column's sample, in order: where two fit the same values
#: (02/03/2026), the first wins (day before month) and the draft says to check it
FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S.%f",
           "%Y/%m/%d %H:%M:%S.%f", "%d/%m/%Y %H:%M:%S.%f", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M",
           "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %I:%M %p",
           "%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d-%m-%Y %H:%M:%S", "%d-%m-%Y %H:%M",
           "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M",
           # two-digit years (a spreadsheet's short date): %y reads 00-68 as 20xx, 69-99 as
           # 19xx, in Python and in pyarrow alike; Python's %Y wants four digits: no overlap
           "%d/%m/%y %H:%M:%S", "%d/%m/%y %H:%M", "%m/%d/%y %H:%M:%S", "%m/%d/%y %H:%M",
           "%m/%d/%y %I:%M:%S %p", "%m/%d/%y %I:%M %p", "%d.%m.%y %H:%M:%S", "%d.%m.%y %H:%M",
           "%d-%m-%y %H:%M:%S", "%d-%m-%y %H:%M",
           # English month names (Excel's 09-Oct-12 14:50): no doubt about day and month
           "%d-%b-%y %H:%M:%S", "%d-%b-%y %H:%M", "%d-%b-%Y %H:%M:%S", "%d-%b-%Y %H:%M",
           "%d %b %Y %H:%M:%S", "%d %b %Y %H:%M", "%b %d, %Y %I:%M:%S %p", "%b %d, %Y %I:%M %p",
           "%b %d, %Y %H:%M:%S", "%b %d, %Y %H:%M",
           # dates alone: none overlaps a layout above (strptime refuses text left over)
           "%d/%m/%Y", "%m/%d/%Y", "%Y-%m-%d", "%d.%m.%Y", "%d/%m/%y", "%m/%d/%y",
           "%d-%b-%y", "%d-%b-%Y", "%d %b %Y")

#: what exports write for an empty field: recognised where they stand among times, where no
#: time can be meant by them
NULL_MARKERS = frozenset({"?", "-", "--", "N/A", "n/a", "NA", "NULL", "null", "None", "(null)",
                          "#N/A", "nil", "(empty)"})

#: statuses said plainly: the whole text (lower case, runs of spaces, _ and - as one space)
#: is a canonical status or a synonym nobody reads otherwise, mapped without a CHECK
PLAIN_STATUSES = {
    **dict.fromkeys(("new", "open", "opened", "queued", "unassigned", "logged", "submitted"),
                    "new"),
    **dict.fromkeys(("in progress", "active", "work in progress", "wip", "working", "ongoing",
                     "investigating", "under investigation"), "in_progress"),
    **dict.fromkeys(("resolved", "solved", "fixed"), "resolved"),
    "closed": "closed",
}
#: waits said plainly, on whom ("Awaiting User Info", "Waiting for customer", "pending vendor")
PLAIN_WAITS = (
    (r"(awaiting|waiting|pending)( on| for)?( the)? (customer|user|client|requester|caller)"
     r"( info| information| input| reply| response| feedback)?", "waiting_on_customer"),
    (r"(awaiting|waiting|pending)( on| for)?( the| a)? (vendor|supplier|third party|3rd party)"
     r"( info| information| reply| response| delivery)?", "waiting_on_vendor"),
)

#: canonical status guesses from a word's beginning inside a longer text (first match wins):
#: "Assign seriousness" is no in_progress for sure, so each says it is a guess (CHECK). Word
#: beginnings, not substrings: "Unresolved" is not resolved, "Reopen" not new, "Network" no work
STATUS_GUESSES = (
    (r"\b(wait|pend|hold|await)", None),  # on whom decides: WAITS_ON
    (r"\b(resolv|solved|fixed|done|complet)", "resolved"),
    (r"\b(clos|cancel)", "closed"),
    (r"\b(new|open|queue|unassign|logged|submitted)", "new"),
    (r"\b(progress|active|assign|reassign|reopen|work|accept|investig|handl|charge)",
     "in_progress"),
)
#: on whom a wait is: whether a clock pauses depends on it
WAITS_ON = ((r"\b(vendor|supplier|third|partner)", "waiting_on_vendor"),
            (r"\b(customer|user|client|requester|caller|info)", "waiting_on_customer"))

#: priority words by level (a word's beginning; first match wins): always a guess, a scale of
#: three may mean High for P1
PRIORITY_WORDS = ((r"\b(critical|urgent|emergency|blocker|highest)", "P1"),
                  (r"\b(high|major)", "P2"),
                  (r"\b(medium|moderate|normal)", "P3"),
                  (r"\b(low|minor|lowest|trivial)", "P4"))


class Guess(NamedTuple):
    """One line of a value map as the draft writes it: the target (None: null) and, for a
    guess, what to check (empty when the value says it plainly)."""

    target: str | None
    check: str = ""


@dataclass
class ExportProfile:
    """What :func:`profile_export` found (see the module docstring)."""

    file: str
    encoding: str
    delimiter: str
    rows: int
    columns: list[str]
    #: role -> candidate columns, best first
    candidates: dict[str, list[str]] = field(default_factory=dict)
    #: the strptime format of the timestamps (None: ISO 8601), and whether they carry an
    #: offset
    timestamp_format: str | None = None
    aware: bool = False
    shape: str = "ticket"
    #: field -> [(value, rows)], most frequent first
    values: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    #: placeholders the export writes for an empty field (ServiceNow's ``?``), found where
    #: they stand among times
    null_values: tuple[str, ...] = ()
    #: the column the timestamp layout was read from; None: no column holds times
    time_column: str | None = None
    #: (event log) the status on the first row of most tickets, with the share it opens:
    #: the ticket's creation, whatever its words say
    opening_status: tuple[str, float] | None = None

    def best(self, role: str) -> str | None:
        found = self.candidates.get(role) or []
        return found[0] if found else None

    def describe_times(self) -> str:
        """The timestamps as ``mapping init``'s summary names them: no layout is claimed when
        no column of times was found (the draft says TODO there)."""
        if self.time_column is None:
            return "no time column found (TODO in the mapping)"
        return f"timestamps {self.timestamp_format or 'ISO 8601'}"


def _encoding(raw: bytes) -> str:
    try:
        raw.decode("utf-8")
        return "utf8"
    except UnicodeDecodeError as exc:
        if exc.start > len(raw) - 4:  # a character cut by the sample's end
            return "utf8"
        return "latin-1"


def _delimiter(text: str) -> str:
    lines = [ln for ln in text.splitlines()[:50] if ln.strip()]
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=",;\t|").delimiter
    except csv.Error:
        counts = {d: lines[0].count(d) for d in ",;\t|"} if lines else {}
        return max(counts, key=counts.get) if counts and max(counts.values()) else ","


def _strings(table: pa.Table, name: str) -> list[str]:
    col = table.column(name).slice(0, SAMPLE)
    return [v.strip() for v in col.to_pylist() if isinstance(v, str) and v.strip()]


def timestamp_format(values: list[str]) -> tuple[str | None, bool] | None:
    """The layout of timestamp texts: (strptime format or None for ISO 8601, aware), None
    when they are not timestamps.

    >>> timestamp_format(["29/2/2016 04:40", "13/3/2016 10:00"])
    ('%d/%m/%Y %H:%M', False)
    >>> timestamp_format(["2026-07-01T09:00:00+02:00"])
    (None, True)
    """
    if not values:
        return None
    try:
        parsed = [dt.datetime.fromisoformat(v) for v in values]
        return None, all(p.tzinfo is not None for p in parsed)
    except ValueError:
        pass
    for fmt in FORMATS:
        try:
            for v in values:
                dt.datetime.strptime(v, fmt)
        except ValueError:
            continue
        return fmt, False
    return None


def _unique_names(names: list[str]) -> list[str]:
    """Header names as the mapping's reader labels them (:func:`unique_header`): a name
    written twice is ``Variant [column 5]`` and ``Variant [column 7]``, so that a draft
    naming one of them names it as the reader will find it (it wrote ``Variant (2)``, which
    no reader knew).

    >>> _unique_names(["a", "b", "a", ""])
    ['a [column 1]', 'b', 'a [column 3]', '']
    """
    return unique_header([name.strip() for name in names])


def _read_leniently(data, file: str, delimiter: str, encoding: str) -> pa.Table:
    """The export as strings, for a first look: duplicate or empty header names renamed,
    malformed rows skipped (``mapping check`` and ``evaluate`` name them)."""
    import pyarrow.csv as pacsv

    head = bytes(memoryview(data)[: 1 << 16]).decode(
        "utf-8" if encoding == "utf8" else "latin-1", errors="replace")
    first = head.splitlines()[0] if head.strip() else ""
    names = next(csv.reader([first], delimiter=delimiter), [])
    if not names:
        return read_csv(data, file, {}, delimiter=delimiter, encoding=encoding)
    names = _unique_names(names)
    return pacsv.read_csv(
        pa.BufferReader(data),
        read_options=pacsv.ReadOptions(encoding=encoding, column_names=names, skip_rows=1,
                                       block_size=1 << 24),
        parse_options=pacsv.ParseOptions(delimiter=delimiter,
                                          newlines_in_values=has_byte(data, ord('"')),
                                          invalid_row_handler=lambda row: "skip"),
        # empty cells only are null, as a mapping reads the export: pyarrow's own list
        # ("N/A", "NULL", ...) hid the placeholders the draft must name
        convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                             strings_can_be_null=True, null_values=[""]))


def _name_score(role: str, name: str) -> int:
    low = name.lower().strip()
    for rank, pattern in enumerate(ROLE_NAMES[role]):
        if re.search(pattern, low):
            return len(ROLE_NAMES[role]) - rank
    return 0


def profile_export(path: str | Path) -> ExportProfile:
    """Look at a CSV export: encoding, separator, columns by role, timestamps, shape, values.

    Raises:
        DataError: the file cannot be read as CSV at all.
    """
    file = str(path)
    data = read_bytes(path)
    head = bytes(memoryview(data)[: 1 << 20])
    encoding = _encoding(head)
    delimiter = _delimiter(head.decode("utf-8" if encoding == "utf8" else "latin-1",
                                       errors="replace"))
    table = _read_leniently(data, file, delimiter, encoding)
    # concatenated exports repeat their header (with a byte-order mark): not data
    table = table.filter(pa.array(~repeated_header(table)))
    columns = list(table.column_names)
    prof = ExportProfile(file, encoding, delimiter, table.num_rows, columns)
    texts = {c: _strings(table, c) for c in columns}
    prof.null_values = _null_markers(texts)
    if prof.null_values:  # the times read without them, as the mapping will read them
        texts = {c: [v for v in vs if v not in prof.null_values] for c, vs in texts.items()}
    layouts = {c: timestamp_format(v[:200]) for c, v in texts.items()}
    instants = [c for c in columns if layouts[c] is not None and texts[c]
                and not all(v.isdigit() for v in texts[c][:50])]
    for role in ROLE_NAMES:
        scored = [(s, c) for c in columns if (s := _name_score(role, c))]
        if role.endswith("_at"):  # a time field must hold times
            scored = [(s, c) for s, c in scored if c in instants]
        elif role != "updated_at":
            scored = [(s, c) for s, c in scored if c not in instants]
        prof.candidates[role] = [c for _, c in sorted(scored, key=lambda x: -x[0])]
    if not prof.candidates["created_at"] and instants:  # the first time column, by content
        prof.candidates["created_at"] = instants[:1]
    if not prof.candidates["id"]:  # the most distinct non-time column
        distinct = sorted(((len(set(texts[c])), c) for c in columns if c not in instants),
                          reverse=True)
        prof.candidates["id"] = [c for _, c in distinct[:1]]
    idcol = prof.best("id")
    if idcol is not None:
        ids = table.column(idcol)
        unique = pc.count_distinct(ids).as_py()
        if table.num_rows and unique < 0.9 * table.num_rows and (
                prof.best("updated_at") or prof.best("status")):
            prof.shape = "event_log"
    created = prof.best("created_at") or prof.best("updated_at")
    prof.time_column = created  # candidates for times hold times only
    if created is not None and layouts.get(created):
        prof.timestamp_format, prof.aware = layouts[created]  # type: ignore[misc]
    for role in ("status", "priority"):
        col = prof.best(role)
        if col is not None:
            prof.values[role] = [(v, n) for v, n in _value_counts(table.column(col))
                                 if v not in prof.null_values]
    if prof.shape == "event_log" and idcol is not None and prof.best("status") is not None:
        prof.opening_status = _opening_status(table, idcol, prof.best("status"))
    return prof


def _opening_status(table: pa.Table, idcol: str, status: str) -> tuple[str, float] | None:
    """The status on the first row (in file order) of more than half the tickets of an
    event log, with that share: the row that creates the ticket. A guess from its words
    ("Assign seriousness": in_progress, a first-response status) stopped the response clock
    at creation, and 424 of 442 responses were met at 0 s."""
    ids = table.column(idcol).combine_chunks()
    first = np.unique(pc.dictionary_encode(ids).indices.to_numpy(zero_copy_only=False),
                      return_index=True)[1]
    if not len(first):
        return None
    opening = table.column(status).take(pa.array(first))
    top = pc.value_counts(opening).to_pylist()
    value, count = max(((v["values"], v["counts"]) for v in top if v["values"]),
                       key=lambda p: p[1], default=(None, 0))
    share = count / len(first)
    return (value, share) if value is not None and share > 0.5 else None


def _null_markers(texts: dict[str, list[str]]) -> tuple[str, ...]:
    """The placeholders (:data:`NULL_MARKERS`) that stand in a column of times for the ones
    missing, sorted: ServiceNow writes ``?`` for a resolution not yet there, and a column
    holding it was not recognised as times at all."""
    found: set[str] = set()
    for values in texts.values():
        here = {v for v in values if v in NULL_MARKERS}
        rest = [v for v in values if v not in NULL_MARKERS][:200]
        if here and rest and not all(v.isdigit() for v in rest[:50]) and (
                timestamp_format(rest) is not None):
            found |= here
    return tuple(sorted(found))


def _value_counts(column) -> list[tuple[str, int]]:
    counts = pc.value_counts(column.combine_chunks() if isinstance(column, pa.ChunkedArray)
                             else column)
    pairs = [(v["values"], v["counts"]) for v in counts.to_pylist() if v["values"] not in
             (None, "")]
    return sorted(pairs, key=lambda p: (-p[1], str(p[0])))


def _words(value: str) -> str:
    """A value as words: lower case, runs of spaces, ``_`` and ``-`` as one space."""
    return re.sub(r"[\s_-]+", " ", value.lower()).strip()


def _word_at(text: str, at: int) -> str:
    """The whole word of ``text`` a keyword found at ``at`` begins (what a CHECK quotes)."""
    found = re.match(r"\w+", text[at:])
    return found.group() if found else text


def _own_status(value: str) -> Guess:
    """A status of its own for a word no canonical one fits: the clocks run through it."""
    name = re.sub(r"[^a-z0-9]+", "_", value.lower()).strip("_") or "unknown"
    return Guess(name, "no canonical guess (null would ignore its rows)")


def _plain_status(text: str) -> str | None:
    """The canonical status a whole text (:func:`_words`) says plainly, or None."""
    if text in PLAIN_STATUSES:
        return PLAIN_STATUSES[text]
    return next((canonical for pattern, canonical in PLAIN_WAITS
                 if re.fullmatch(pattern, text)), None)


def guess_status(value: str) -> Guess:
    """The canonical status for an export's word: as it is when the whole text says it
    plainly; a guess, with the word it came from, when a word inside a longer text suggests
    it; a status of its own when nothing fits; null for a code with no letter in it.

    >>> [guess_status(v).target for v in ("Awaiting User Info", "Resolved", "In Progress",
    ...                                   "Foo", "Awaiting Problem", "-100")]
    ['waiting_on_customer', 'resolved', 'in_progress', 'foo', 'awaiting_problem', None]
    >>> guess_status("Resolve SW anomaly")
    Guess(target='resolved', check="a guess from the word 'resolve'")
    """
    text = _words(value)
    if not re.search(r"[^\W\d_]", text):  # ServiceNow's -100 is a placeholder, no status
        return Guess(None, "no status word but a number or code: null ignores its rows "
                           "(or map it to the status it stands for)")
    plain = _plain_status(text)
    if plain is not None:
        return Guess(plain)
    for pattern, canonical in STATUS_GUESSES:
        found = re.search(pattern, text)
        if found is None:
            continue
        if canonical is None:  # a wait: on whom decides whether a clock pauses
            return _guess_wait(value, text)
        return Guess(canonical, f"a guess from the word {_word_at(text, found.start())!r}")
    return _own_status(value)


def _guess_wait(value: str, text: str) -> Guess:
    """A wait on a vendor or a customer, guessed from the word that names whom."""
    for pattern, canonical in WAITS_ON:
        whom = re.search(pattern, text)
        if whom is not None:
            return Guess(canonical, f"a guess from the word {_word_at(text, whom.start())!r}")
    return _own_status(value)


def guess_priority(value: str) -> Guess:
    """``P1``..``P4`` for an export's priority word: as it is for a P-code or a digit 1-4
    alone; a guess (CHECK) from a digit or a word inside a text; P4 for a fifth level, which
    then shares P4's targets; null when nothing fits.

    >>> [guess_priority(v).target for v in ("1 - Critical", "High", "P3", "normal", "?", "5")]
    ['P1', 'P2', 'P3', 'P3', None, 'P4']
    >>> guess_priority("P3").check, guess_priority("5").check
    ('', 'a 5th level: P4 shares its targets')
    """
    text = value.strip()
    if re.fullmatch(r"[Pp]?[1-4]", text):
        return Guess(f"P{text[-1]}")
    digit = re.search(r"(?<!\d)[1-5](?!\d)", text)  # 1 of "1 - Critical", never of "10"
    if digit is not None:
        if digit.group() == "5":
            return Guess("P4", "a 5th level: P4 shares its targets")
        return Guess(f"P{digit.group()}", f"a guess from the digit {digit.group()!r}")
    words = _words(value)
    for pattern, code in PRIORITY_WORDS:
        found = re.search(pattern, words)
        if found is not None:
            return Guess(code, f"a guess from the word {_word_at(words, found.start())!r}")
    return Guess(None, "unknown word (null: no priority)")


def _yaml(value: str) -> str:
    """A YAML scalar: quoted when plain would change its meaning."""
    import json

    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_ ./()-]*", value) and value.lower() not in (
            "yes", "no", "true", "false", "null", "on", "off", "y", "n", "~"):
        return value.strip() if value == value.strip() else json.dumps(value)
    return json.dumps(value, ensure_ascii=False)


def _opening_guess(g: Guess, share: float) -> Guess:
    """The status that opens most tickets of an event log: ``new`` (the ticket's creation),
    whatever its words suggest; said when the words suggested otherwise."""
    if g.target == "new":
        return g
    return Guess("new", f"the first row of {share:.0%} of the tickets: their creation, not a "
                        f"response (its words suggest {g.target or 'null'})")


def _format_note(fmt: str) -> str:
    """What to check of a detected layout: the order of day and month written as digits,
    the century of two-digit years."""
    doubts = [doubt for doubt, here in (("day/month order!", "%m" in fmt),
                                        ("two-digit years: 69-99 read as 19xx", "%y" in fmt))
              if here]
    return "detected from the values" + (f" ({'; '.join(doubts)})" if doubts else "")


def draft_mapping(prof: ExportProfile) -> str:
    """A starting mapping for the profiled export (YAML text, commented: every guess says so).
    """
    out = [f"# A starting mapping for {Path(prof.file).name}, written by `slalang mapping "
           "init`.", "# Every line marked CHECK is a guess: read it before trusting a run.",
           "# `slalang mapping check THIS_FILE EXPORT` shows what it makes of the export.",
           "mapping: 1", f"name: {_yaml(Path(prof.file).stem)}", f"shape: {prof.shape}"]
    if prof.shape == "event_log":
        out[-1] += "  # CHECK: ids repeat, so a row per update (folded into tickets)"
    csv_keys = []
    if prof.null_values:
        markers = ", ".join(_yaml(v) for v in (*prof.null_values, ""))
        csv_keys.append(f"null_values: [{markers}]")
    if prof.delimiter != ",":
        shown = "\\t" if prof.delimiter == "\t" else prof.delimiter
        csv_keys.append(f'delimiter: "{shown}"')
    if prof.encoding != "utf8":
        csv_keys.append(f"encoding: {prof.encoding}")
    if csv_keys:
        out += ["", f"csv: {{{', '.join(csv_keys)}}}"]
        if prof.null_values:
            out[-1] += "   # CHECK: the export writes " + " or ".join(
                repr(v) for v in prof.null_values) + " for an empty field"
    out += [""]
    if prof.timestamp_format is not None or not prof.aware:
        out.append("timestamps:")
        if prof.timestamp_format is not None:
            out.append(f'  format: "{prof.timestamp_format}"   # CHECK: '
                       f"{_format_note(prof.timestamp_format)}")
        elif prof.time_column is None:  # no layout recognised: none is claimed
            out.append('  # format: "%d-%b-%y %H:%M"   # CHECK: no column of times was '
                       "recognised: name yours below and write its strptime layout here")
        out.append("  timezone: UTC   # CHECK: the zone of these naive times (e.g. "
                   "Europe/Rome); every duration depends on it")
        out.append("")

    def cand(role: str) -> str:
        others = prof.candidates.get(role, [])[1:4]
        return f"   # also: {', '.join(others)}" if others else ""

    out.append("fields:")
    idcol = prof.best("id")
    out.append(f"  id: {_yaml(idcol)}{cand('id')}" if idcol else
               "  id: TODO   # CHECK: no column looks like the ticket id")
    customer = prof.best("customer")
    out.append(f"  customer: {_yaml(customer)}{cand('customer')}" if customer else
               "  customer: {constant: TODO}   # CHECK: one customer for the whole export?")
    at_column = prof.best("updated_at") or prof.best("created_at")
    for role in ("priority", "created_at", "first_response_at", "resolved_at", "closed_at"):
        col = prof.best(role)
        # in an event log the fold derives the instants; a creation column is kept only when
        # it is not the update instant itself (read on the last row, it would be the last)
        if prof.shape == "event_log" and (role not in ("priority", "created_at")
                                          or (role == "created_at" and col == at_column)):
            continue
        if col is not None:
            out.append(f"  {role}: {_yaml(col)}{cand(role)}")
        elif role == "created_at" and prof.shape != "event_log":
            out.append("  created_at: TODO   # CHECK: no column looks like the creation time")
    status = prof.best("status")
    if prof.shape == "event_log":
        at = prof.best("updated_at") or prof.best("created_at")
        out += ["", "event_log:", f"  at: {_yaml(at) if at else 'TODO'}   # CHECK: the "
                "instant of each update", f"  status: {_yaml(status) if status else 'TODO'}",
                "  first_response: {statuses: [in_progress, waiting_on_customer, "
                "waiting_on_vendor, resolved, closed]}   # CHECK"]
    elif status is not None:
        out += ["", f"# the export has a status column ({_yaml(status)}): a status history "
                "needs an events file, see events:"]
    for role, guess in (("status", guess_status), ("priority", guess_priority)):
        values = prof.values.get(role)
        if not values:
            continue
        if role == "status":
            out += ["", "values:"] if "values:" not in out else []
        elif "values:" not in out:
            out += ["", "values:"]
        out.append(f"  {role}:   # every value of {prof.best(role)!r}, with its rows")
        for value, count in values[:MAX_VALUES]:
            g = guess(str(value))
            if role == "status" and prof.opening_status and value == prof.opening_status[0]:
                g = _opening_guess(g, prof.opening_status[1])
            target = "null" if g.target is None else _yaml(g.target)
            note = f"   # CHECK: {g.check}" if g.check else ""
            out.append(f"    {_yaml(str(value))}: {target}   # {count} rows{note}")
        if len(values) > MAX_VALUES:
            rest = sum(c for _, c in values[MAX_VALUES:])
            out.append(f"    # ... and {len(values) - MAX_VALUES} more values ({rest} rows)")
    return "\n".join(out) + "\n"


# -- mapping check ---------------------------------------------------------------------------

@dataclass
class CheckReport:
    """What :func:`check_export` found."""

    table: object
    #: (field, value, rows) no value map translates
    unmapped: list[tuple[str, str, int]]
    counts: object
    #: the mapping's ignore rules that skipped no row (as the report says them)
    idle_rules: list[str] = field(default_factory=list)


#: the statuses of the canonical form (docs/data/formats.md): an export that already uses
#: them needs no value map for them
CANONICAL_STATUSES = frozenset({"new", "in_progress", "waiting_on_customer",
                                "waiting_on_vendor", "resolved", "closed"})


def canonical_words(policy=None) -> dict[str, frozenset[str]]:
    """The values a field may hold as they are, without a value map: the canonical statuses
    and, with a policy, the statuses it names (pauses, clock events) and its priority codes;
    without one, ``P1``..``P9``, the codes the starting policies use."""
    if policy is None:
        return {"status": CANONICAL_STATUSES,
                "priority": frozenset(f"P{k}" for k in range(1, 10))}
    named = {s for c in policy.clocks for s in c.pause_statuses}
    named |= {e.status for c in policy.clocks for e in (c.start, c.stop) if e.status}
    return {"status": CANONICAL_STATUSES | named,
            "priority": frozenset(p.code for p in policy.priorities)}


def check_export(mapping, path: str | Path, events: str | Path | None = None,
                 policy=None) -> CheckReport:
    """Read an export through a mapping without stopping at rejections; list the values no
    value map translates and that are not already canonical (:func:`canonical_words`, with
    ``policy``'s statuses and priorities when one is given)."""
    from slalang.data.checks import derive_resolution, refuse_early_events
    from slalang.data.counts import InputCounts
    from slalang.data.mapping import DEFAULT_KEY, raw_column
    from slalang.data.sources.mapped import Reading

    # checked as `evaluate` reads it: a status event before its ticket's creation refuses
    # the ticket there, and `mapping check` said "0 rejected ... mapping ok" of such an export
    table = derive_resolution(refuse_early_events(mapping.read(path, events)))
    unmapped: list[tuple[str, str, int]] = []
    as_they_are = canonical_words(policy)
    sources = []
    if mapping.shape == "event_log":
        sources.append(("status", path, mapping.event_log.get("status"), mapping.settings,
                        mapping.ignore))
    elif events is not None and mapping.events.get("status"):
        sources.append(("status", events, mapping.events["status"],
                        mapping.events_settings or mapping.settings, mapping.events_ignore))
    if mapping.fields.get("priority") is not None:
        sources.append(("priority", path, mapping.fields["priority"], mapping.settings,
                        mapping.ignore))
    for what, file, source, settings, rules in sources:
        values = mapping.values.get(what) or {}
        if DEFAULT_KEY in values or isinstance(source, dict):
            continue
        # a Reading tells the registry which input (tickets or events) the file is
        raw = mapping._table(file, Reading(path, events), settings)
        # the rows the mapping skips on purpose (ignore rules, repeated headers) do not count
        raw = raw.filter(pa.array(~mapping._skip(raw, str(file), rules, [])))
        counts = Counter(raw_column(raw, source, str(file), what).to_pylist())
        for value, n in sorted(counts.items(), key=lambda p: (-p[1], str(p[0]))):
            if value not in (None, "") and value not in values and (
                    value not in as_they_are[what]):
                unmapped.append((what, value, n))
    from slalang.data.rules import describe_rule

    # a rule that skipped nothing is worth a look: YAML reads `equals: 01` as the number 1,
    # which no cell "01" equals, and the rows meant to be left out were measured
    used = {i.reason for i in table.ignored}
    idle = [describe_rule(r) for r in (*mapping.ignore, *mapping.events_ignore)
            if f"ignore rule {describe_rule(r)}" not in used]
    return CheckReport(table, unmapped, InputCounts.of(table, table.shape), idle)


def preview_lines(table, rows: int = 5) -> list[str]:
    """The first tickets as parsed, one block each; instants in the export's zone (the
    mapping's ``timestamps.timezone``) when it has one, as the export shows them."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(table.zone) if getattr(table, "zone", None) else dt.UTC
    out = []
    for i in range(min(rows, table.n)):
        t = table.row(i)
        times = ", ".join(f"{k.removesuffix('_at')} {v.astimezone(zone).isoformat()}"
                          for k, v in t.items()
                          if k.endswith("_at") and isinstance(v, dt.datetime))
        out.append(f"  {t['id']}  customer {t['customer']!r}, priority {t['priority']!r} "
                   f"(row {int(table.source_row[i])})")
        out.append(f"    {times or 'no instant'}")
        events = " > ".join(f"{e['at'].astimezone(zone).strftime('%Y-%m-%d %H:%M')} "
                            f"{e.get('status') or ''}"
                            f"{' ' + e['priority'] if e.get('priority') else ''}".strip()
                            for e in t["events"][:8])
        more = f" (+{len(t['events']) - 8})" if len(t["events"]) > 8 else ""
        out.append(f"    events: {events or 'none'}{more}")
    return out
