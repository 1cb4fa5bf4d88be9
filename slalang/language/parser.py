"""Parsing: policy text -> syntax tree, or one well-explained syntax diagnostic.

Only the first syntax error is reported (after it the parser's guesses are noise), but it is
reported well: a catalogue of common mistakes (:data:`MISTAKES`) is matched against the
parser's state with Lark's ``match_examples``, and otherwise the message names what was found
and what could come there. The caret points at the offending token.
"""

from __future__ import annotations

import difflib
import functools
import re
from decimal import Decimal

from lark import Token
from lark.exceptions import (
    UnexpectedCharacters,
    UnexpectedEOF,
    UnexpectedInput,
    UnexpectedToken,
    VisitError,
)

from slalang.diagnostics import Diagnostic, did_you_mean
from slalang.errors import PolicyError
from slalang.language import syntax as s
from slalang.language.grammar import parse_collecting_comments, parser
from slalang.language.values import format_duration
from slalang.model import Span

SYNTAX = "SLA001"

_HEAD = 'policy "x" { version "1" }\n'

#: message -> snippets that fail at the same parser state (each after a minimal header)
MISTAKES: dict[str, list[str]] = {
    "a colon is missing after the metric (and its calendar)": [
        "tier T { response on office P1 2h }",
        "tier T { response P1 2h }",
        "tier T { cap 1% response on office P1 2h }",
        "tier T { cap 1% response P1 2h }",
    ],
    "a comma is missing between targets, e.g. `P1 2h, P2 4h`": [
        "tier T { response on office: P1 2h P2 4h }",
        "tier T { cap 1% response: P1 2h on always P2 4h }",
    ],
    "compare with `=` or `!=` (not `==`)": [
        'exclude tickets where a == "b"',
    ],
    "a percentage needs a `%` sign": [
        "tier T { uptime 99.5 }",
        "tier T { cap 10 }",
        "tier T { cap 1% uptime 99.5 }",
        "tier T { uptime 1% cap 10 }",
        "tier T { response: P1 2h objective 90 }",
        "tier T { credit 5 when uptime < 99% }",
        "tier T { credit 5% when uptime < 99 }",
    ],
    "a duration needs a unit: s, m or h (e.g. 4h, 90m, 1h30m)": [
        "tier T { response: P1 2 }",
        "tier T { response: P1 2 h }",
    ],
    "a name or value must be quoted here": [
        "calendar c { timezone Europe }",
        "priorities { P1 Critical }",
        "clock c { } exclude tickets where a = b",
    ],
    "a declaration starts with calendar, priorities, priority, clock, exclude or tier": [
        "calender c { }",
        "tiers T { }",
        "calendar a 24x7 calender c { }",
        "calendar a 24x7 tiers T { }",
    ],
    "a target line lists priorities with durations, like `P1 2h, P2 4h`": [
        "tier T { response: 2h }",
    ],
    "a time range is written HH:MM-HH:MM, e.g. 09:00-17:00": [
        "calendar c { mon }",
        "calendar c { mon 9 }",
        "calendar c { mon-fri 9-17 }",
        "calendar c { mon 09:00 }",
    ],
    "a day is written mon, tue, wed, thu, fri, sat or sun": [
        "calendar c { monday 09:00-17:00 }",
        "calendar c { mon 09:00-12:00 tuesday 09:00-17:00 }",
        "calendar c { mon-friday 09:00-17:00 }",
    ],
    "a fee is written like `fee 1000 EUR monthly`": [
        "tier T { fee 1000 EUR }",
        "tier T { fee EUR 1000 monthly }",
    ],
}


#: catalogue messages whose own hint says more than the list of expected tokens would
HINTS = {
    "a comma is missing between targets, e.g. `P1 2h, P2 4h`":
        "without the comma the next priority reads as the start of a new target line",
    "compare with `=` or `!=` (not `==`)": 'write e.g. `category = "change_request"`',
}


def parse(source: str, filename: str) -> s.PolicyFile:
    """Parse policy text into a syntax tree.

    Raises :class:`~slalang.errors.PolicyError` holding one ``SLA001`` diagnostic when the
    text is not valid syntax.

    >>> tree = parse('policy "P" { currency EUR }', "p.sla")
    >>> tree.header.name, tree.header.fields[0].key
    ('P', 'currency')
    """
    try:
        tree, comments = parse_collecting_comments(source)
    except UnexpectedInput as exc:
        raise PolicyError([syntax_diagnostic(exc, source, filename)]) from None
    try:
        syntax_tree = s.ToSyntax(filename).transform(tree)
    except VisitError as exc:
        if not isinstance(exc.orig_exc, s.BadCount):
            raise
        bad = exc.orig_exc
        shown = bad.text if len(bad.text) <= 20 else bad.text[:16] + "..."
        raise PolicyError([Diagnostic(
            SYNTAX, "error", f"{shown} is not a count: write a whole number from 1 to "
            f"{s.MAX_COUNT}", bad.span, "e.g. `claim on request within 30 days`")]) from None
    kept = tuple(s.Comment(str(t), Span(filename, t.line, t.column, t.end_line, t.end_column))
                 for t in comments)
    return s.PolicyFile(filename, source, syntax_tree.header, syntax_tree.declarations, kept)


def syntax_diagnostic(exc: UnexpectedInput, source: str, filename: str) -> Diagnostic:
    """One friendly diagnostic for a Lark parse error, pointing at the offending token."""
    token = getattr(exc, "token", None)
    if isinstance(exc, UnexpectedEOF) or (isinstance(token, Token) and token.type == "$END"):
        return _unclosed(source, filename)
    if isinstance(exc, UnexpectedCharacters):
        line, column = exc.line, exc.column
        char = source[exc.pos_in_stream] if exc.pos_in_stream < len(source) else ""
        span = Span(filename, line, column, line, column + 1)
        if char == '"':
            return Diagnostic(SYNTAX, "error", "this string is not closed on its line", span,
                              'end the string with `"` on the same line')
        return Diagnostic(SYNTAX, "error", f"unexpected character {char!r}", span,
                          _expected_hint(exc.allowed))
    assert isinstance(exc, UnexpectedToken)
    tok = exc.token
    span = Span(filename, tok.line, tok.column, tok.end_line or tok.line,
                tok.end_column or tok.column + 1)
    if tok.type in _DECLARATION_KEYWORDS and "RBRACE" in exc.expected:
        opened = _open_braces(source[: tok.start_pos])
        where = f"the block opened at line {opened[-1][0]} is still open" if opened else None
        return Diagnostic(SYNTAX, "error", f"a `}}` is missing before this `{tok}`", span,
                          where and f"{where}; close it with `}}`")
    if (brace := _brace_mistake(source, tok, exc.expected, filename)) is not None:
        return brace
    if (reserved := _clock_named_like_a_keyword(source, tok, filename)) is not None:
        return reserved
    if (odd := _odd_duration(source, tok, filename)) is not None:
        return odd
    if (comma := _comma_in_number(source, tok, filename)) is not None:
        return comma
    exact, known = _match_catalogue(exc)
    if not exact and (misspelt := _misspelt_word_before(source, tok, filename)):
        return misspelt
    keyword_hint = _keyword_hint(tok, exc.expected)
    if known and keyword_hint and _close_keyword(tok, exc.expected) not in known:
        # a misspelt keyword (`extnds`, `holiday`): the catalogue's guess at the mistake
        # ("a day is written mon, ...") would mislead; name the word and suggest the keyword
        exact, known = False, None
    found = _describe_token(tok)
    hint = (exact and HINTS.get(known)) or keyword_hint or _expected_hint(exc.expected)
    message = f"{known}; found {found}" if known else f"unexpected {found}"
    return Diagnostic(SYNTAX, "error", message, span, hint)


_HEAD_WORDS = ("calendar", "tier", "clock", "priorities", "priority", "policy")


def _brace_mistake(source: str, tok: Token, expected, filename: str) -> Diagnostic | None:
    """A `}` that closes nothing, or a declaration head whose `{` is missing."""
    if tok.type == "RBRACE" and not _open_braces(source[: tok.start_pos]):
        return Diagnostic(SYNTAX, "error", "this `}` closes no block", Span(
            filename, tok.line, tok.column, tok.line, tok.column + 1),
            "remove it: every block before it is already closed")
    if "LBRACE" not in (expected or ()) or tok.type == "LBRACE":
        return None
    before = source[: tok.start_pos].rstrip()
    line_start = before.rfind("\n") + 1
    head = before[line_start:]
    blanked = re.sub(r'"([^"\\\n]|\\.)*"|#[^\n]*', lambda m: " " * len(m.group()), head)
    # only a head that ends its line: on the same line, the word after it is the mistake
    # (`tier Plus extnds Basic {`), and the general message names it better
    same_line = "\n" not in source[line_start + len(head): tok.start_pos]
    if same_line or not blanked.split() or blanked.split()[0] not in _HEAD_WORDS \
            or "{" in blanked:
        return None
    end = len(blanked.rstrip())
    line = source.count("\n", 0, line_start) + 1
    return Diagnostic(SYNTAX, "error", f"a `{{` is missing after `{head[:end].strip()}`",
                      Span(filename, line, end + 1, line, end + 2),
                      f"open the block: `{head[:end].strip()} {{`")


def _comma_in_number(source: str, tok: Token, filename: str) -> Diagnostic | None:
    """``99,9%`` (a decimal comma) and ``4,000`` (a thousands separator): numbers are written
    with a decimal point and no separators."""
    at = tok.start_pos
    if tok.type == "NUMBER" and re.match(r",\d", source[tok.end_pos:]):
        pass  # the number itself is where the comma starts
    elif str(tok) == "," and re.search(r"\d$", source[:at]) and re.match(r",\d", source[at:]):
        at = re.search(r"[\d.]+$", source[:at]).start()
    else:
        return None
    text = re.match(r"[\d.,]+%?", source[at:]).group()
    line = source.count("\n", 0, at) + 1
    column = at - (source.rfind("\n", 0, at) + 1) + 1
    span = Span(filename, line, column, line, column + len(text))
    digits = text.rstrip("%")
    if re.fullmatch(r"\d{1,3}(,\d{3})+", digits):  # 4,000: a thousands separator
        fixed = digits.replace(",", "")
        return Diagnostic(SYNTAX, "error", f"numbers have no thousands separator: {text!r}",
                          span, f"write {fixed}{'%' if text.endswith('%') else ''}")
    fixed = text.replace(",", ".")
    return Diagnostic(SYNTAX, "error", f"numbers take a decimal point, not a comma: {text!r}",
                      span, f"write {fixed}")


_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600}


def _odd_duration(source: str, tok: Token, filename: str) -> Diagnostic | None:
    """``1.5h`` and ``1H`` lex as a number and a name: say what is wrong with the duration
    (a fraction, a capital unit) rather than that it has no unit."""
    if tok.type != "NUMBER":
        return None
    unit = re.match(r"[A-Za-z]+", source[tok.end_pos:])
    if unit is None or unit.group().lower() not in _UNIT_SECONDS:
        return None
    number, letter = str(tok), unit.group()
    text = number + letter
    span = Span(filename, tok.line, tok.column, tok.line, tok.column + len(text))
    seconds = Decimal(number) * _UNIT_SECONDS[letter.lower()]
    if seconds == seconds.to_integral_value() and seconds > 0:
        hint = f"write {format_duration(int(seconds))}"
    else:
        hint = "write whole hours, minutes and seconds, e.g. 1h30m"
    if "." in number:
        return Diagnostic(SYNTAX, "error", f"a duration is written in whole units, not "
                          f"{text!r}", span, hint)
    return Diagnostic(SYNTAX, "error", f"duration units are lowercase (s, m, h), not {text!r}",
                      span, hint)


#: words that start a tier statement, so a clock named so cannot have target lines
_TIER_KEYWORDS = ("fee", "uptime", "credit", "cap")


def _clock_named_like_a_keyword(source: str, tok: Token, filename: str) -> Diagnostic | None:
    """``clock uptime { ... }`` parses, but its target line (``uptime on office: ...``) reads
    as the tier's uptime promise and fails later, far from the cause: point at the clock."""
    line = source.splitlines()[tok.line - 1] if tok.line else ""
    word = line.split()[0] if line.split() else ""
    if word not in _TIER_KEYWORDS:
        return None
    text = re.sub(r'"([^"\\\n]|\\.)*"|#[^\n]*', lambda m: " " * len(m.group()), source)
    match = re.search(rf"(?m)^[ \t]*clock[ \t]+({word})\b", text)
    if match is None:
        return None
    at = match.start(1)
    lineno = text.count("\n", 0, at) + 1
    column = at - (text.rfind("\n", 0, at) + 1) + 1
    return Diagnostic(SYNTAX, "error", f"a clock cannot be named {word!r}: in a tier, `{word}` "
                      f"starts the {word} statement, so the clock's target lines cannot be read",
                      Span(filename, lineno, column, lineno, column + len(word)),
                      f"rename the clock (e.g. `{word}_time`) here and in its target lines")


def _misspelt_word_before(source: str, tok: Token, filename: str) -> Diagnostic | None:
    """``objectiv 90%``: the parser took the misspelt keyword for a name and only stumbles on
    the token after it. Point at the word instead, when it is one edit or so from a keyword."""
    before = source[: tok.start_pos]
    start, end = _word_at_end(before)
    word = before[start:end]
    # no keyword is longer than 20 letters: a longer word is not a misspelt one
    if not word or len(word) > 40:
        return None
    keywords = _all_keywords()
    close = difflib.get_close_matches(word, keywords, n=1, cutoff=0.85)
    if word in keywords or not close:
        return None
    line = before.count("\n") + 1
    column = start - (before.rfind("\n") + 1) + 1
    span = Span(filename, line, column, line, column + len(word))
    return Diagnostic(SYNTAX, "error", f"unexpected name {word!r}", span,
                      f"did you mean {close[0]!r}?")


def _word_at_end(text: str) -> tuple[int, int]:
    """Bounds of the name (``[A-Za-z_][A-Za-z0-9_]*``) that ends ``text``, spaces and tabs
    after it allowed (and one final newline); an empty range when there is none.

    A backward scan, linear in the word's length: the regex search it replaces retried from
    every position of a long identifier, quadratic (30,000 characters took over 20 s).

    >>> _word_at_end("    objectiv  "), _word_at_end("P1 9x_1\t"), _word_at_end("90% ")
    ((4, 12), (4, 7), (3, 3))
    """
    # like the regex's `$`, a single newline at the very end is allowed after the spaces
    end = len(text.removesuffix("\n").rstrip(" \t"))
    start = end
    while start > 0 and text[start - 1] in _NAME_CHARS:
        start -= 1
    while start < end and text[start].isdigit():  # a name starts with a letter or `_`
        start += 1
    return (start, end) if start < end else (end, end)


_NAME_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")


@functools.cache
def _all_keywords() -> tuple[str, ...]:
    return tuple(sorted(k for name in _terminal_names() if (k := _keyword(name))))


def _match_catalogue(exc: UnexpectedToken) -> tuple[bool, str | None]:
    """The catalogue message for the parser state the error happened in, if any, and whether
    the example failed on the same kind of token too (an exact match).

    Like Lark's ``match_examples``, but states are compared by the top of the parser stack
    only: the stack's depth depends on how many statements came before, the mistake does not.
    """
    exact, by_state = _catalogue()
    state = exc.state.position
    message = exact.get((state, exc.token.type))
    return (True, message) if message else (False, by_state.get(state))


@functools.cache
def _catalogue() -> tuple[dict[tuple[int, str], str], dict[int, str]]:
    exact: dict[tuple[int, str], str] = {}
    by_state: dict[int, str] = {}
    for message, snippets in MISTAKES.items():
        for snippet in snippets:
            try:
                parser().parse(_HEAD + snippet)
            except UnexpectedToken as ut:
                exact.setdefault((ut.state.position, ut.token.type), message)
                by_state.setdefault(ut.state.position, message)
            except UnexpectedInput:
                pass
    return exact, by_state


def _describe_token(tok: Token) -> str:
    if tok.type == "NAME":
        return f"name {str(tok)!r}"
    if tok.type in _LITERAL_NAMES:
        return f"{_LITERAL_NAMES[tok.type]} {str(tok)!r}"
    return f"{str(tok)!r}"


def _keyword_hint(tok: Token, expected: set[str]) -> str | None:
    """A misspelt keyword: 'calender' where 'calendar' could come."""
    if tok.type != "NAME":
        return None
    words = [_keyword(t) for t in expected if _keyword(t)]
    if "DAY" in expected:  # `mon-fir`: the weekdays are a pattern, not keywords
        words += _DAYS
    return did_you_mean(str(tok), words)


def _close_keyword(tok: Token, expected: set[str]) -> str | None:
    """The keyword :func:`_keyword_hint` suggests, bare (``'holidays'``), or None."""
    words = [k for t in expected if (k := _keyword(t))] + (_DAYS if "DAY" in expected else [])
    close = difflib.get_close_matches(str(tok), words, n=1, cutoff=0.6)
    return close[0] if close else None


def _unclosed(source: str, filename: str) -> Diagnostic:
    """The file ended early: point at the innermost brace never closed."""
    stack = _open_braces(source)
    if stack:
        line, col = stack[-1]
        return Diagnostic(SYNTAX, "error", "this `{` is never closed", Span(
            filename, line, col, line, col + 1), "add the matching `}` at the end of the block")
    lines = source.splitlines() or [""]
    if not re.sub(r"#[^\r\n]*", "", source).strip():
        return Diagnostic(SYNTAX, "error", "the file holds no policy", Span(filename, 1, 1, 1, 1),
                          'a policy starts with `policy "<name>" { ... }`')
    last = len(lines)
    span = Span(filename, last, len(lines[-1]) + 1, last, len(lines[-1]) + 2)
    return Diagnostic(SYNTAX, "error", "the file ends in the middle of a statement", span,
                      "finish the statement; a policy starts with `policy \"<name>\" { ... }`")


def _open_braces(text: str) -> list[tuple[int, int]]:
    """(line, column) of every ``{`` not closed by the end of ``text``, outermost first."""
    stack: list[tuple[int, int]] = []
    # strings and comments may hold braces; blank them out (keeping positions)
    text = re.sub(r'"([^"\\\n]|\\.)*"|#[^\n]*', lambda mt: " " * len(mt.group()), text)
    for lineno, line in enumerate(text.splitlines(), start=1):
        for col, ch in enumerate(line, start=1):
            if ch == "{":
                stack.append((lineno, col))
            elif ch == "}" and stack:
                stack.pop()
    return stack


_DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

_DECLARATION_KEYWORDS = {"CALENDAR", "PRIORITIES", "PRIORITY", "CLOCK", "EXCLUDE", "TIER"}

_LITERAL_NAMES = {
    "STRING": "string", "NUMBER": "number", "PERCENT": "percentage",
    "DURATION": "duration", "DATE": "date", "TIME": "time",
    "MONTH_DAY": "day", "DAY": "weekday",
}

_EXPECTED_WORDS = {
    "NAME": "a name", "STRING": 'a quoted string', "NUMBER": "a number",
    "PERCENT": "a percentage like 99.5%", "DURATION": "a duration like 4h or 1h30m",
    "DATE": "a date like 2026-01-01", "TIME": "a time like 09:00", "MONTH_DAY": "a day like 12-24",
    "DAY": "a weekday (mon..sun)", "LBRACE": "`{`", "RBRACE": "`}`", "COLON": "`:`",
    "COMMA": "`,`", "LPAR": "`(`", "RPAR": "`)`", "MINUS": "`-`", "EQUAL": "`=`",
    "LESSTHAN": "`<`", "$END": "the end of the file",
}


def _keyword(terminal: str) -> str | None:
    term = parser().get_terminal(terminal) if terminal in _terminal_names() else None
    if term is not None and term.pattern.type == "str" and term.pattern.value.isalpha():
        return term.pattern.value
    return None


@functools.cache
def _terminal_names() -> frozenset[str]:
    return frozenset(t.name for t in parser().terminals)


def _expected_hint(expected) -> str | None:
    words = []
    for terminal in sorted(expected or ()):
        keyword = _keyword(terminal)
        if keyword:
            words.append(f"`{keyword}`")
        elif terminal in _EXPECTED_WORDS:
            words.append(_EXPECTED_WORDS[terminal])
        elif terminal in _terminal_names():
            pattern = parser().get_terminal(terminal).pattern
            words.append(f"`{pattern.value}`" if pattern.type == "str" else terminal.lower())
    if not words:
        return None
    return "expected " + (words[0] if len(words) == 1 else
                          ", ".join(words[:-1]) + " or " + words[-1])
