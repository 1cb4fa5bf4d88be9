"""Rows a mapping skips on purpose: ``ignore`` rules and repeated header rows.

An ``ignore`` rule names a column of the export and a test on its raw text (before any value
map), e.g. ``{column: Type, in: [Change, Problem]}``. Skipped rows are counted as *ignored*,
never as rejected: they are not errors, and a run that ignores a third of an export says so.

Rule forms (exactly one test per rule)::

    {column: C, in: [a, b]}        # the cell is one of these
    {column: C, equals: a}         # the cell is this
    {column: C, matches: "^TEST"}  # the cell matches this regular expression (search)
    {column: C, empty: true}       # the cell is empty (or false: not empty)
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from slalang.errors import DataError


def _text(table: pa.Table, column: str, file: str) -> pa.Array:
    if column not in table.column_names:
        raise missing_column(table, column, file, "an ignore rule")
    arr = table.column(column)
    arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    return arr if pa.types.is_string(arr.type) else pc.cast(arr, pa.string())


def missing_column(table: pa.Table, name: str, file: str, what: str) -> DataError:
    """The error for a mapped column the file does not have; a header that reads as one
    column names the delimiter it probably uses."""
    from slalang.data.source import other_delimiter, repeated_columns

    columns = table.column_names
    twice = repeated_columns(columns, name)
    if twice:  # the header writes it more than once: which one is meant is not ours to guess
        labels = [repr(f"{name} [column {k}]".strip()) for k in twice]
        numbers = [str(k) for k in twice]
        return DataError(f"the mapping's column {name!r} for {what} appears "
                         f"{len(twice)} times in the header (columns "
                         f"{', '.join(numbers[:-1])} and {numbers[-1]}): name the one meant, "
                         f"{', '.join(labels[:-1])} or {labels[-1]}",
                         file=file, row=1, field=name)
    message = (f"the mapping's column {name!r} for {what} is not in the file "
               f"(columns: {', '.join(columns)})")
    if len(columns) == 1:
        guess = other_delimiter(columns)
        if guess is not None:
            shown = "\\t" if guess == "\t" else guess
            message += (f"; the header reads as one column: the file looks delimited by "
                        f"{shown!r}, set csv.delimiter: {shown!r} in the mapping")
        else:
            message += "; the header reads as one column: check csv.delimiter in the mapping"
    return DataError(message, file=file, row=1, field=name)


def one_column(table: pa.Table, file: str, delimiter: str, key: str = "csv") -> None:
    """Refuse a CSV whose header reads as one column holding another likely separator: the
    mapping's ``delimiter`` (at ``key``) is not the file's, and every column would be missing.

    >>> try:
    ...     one_column(pa.table({"a;b": ["1;2"]}), "t.csv", ",", "events.csv")
    ... except DataError as exc:
    ...     print(str(exc).split(": ", 1)[1])  # doctest: +NORMALIZE_WHITESPACE
    the header reads as one column ('a;b'): the file looks delimited by ';', not ',';
    set events.csv: {delimiter: ';'} in the mapping
    """
    from slalang.data.source import other_delimiter

    guess = other_delimiter(table.column_names, delimiter)
    if guess is None:
        return
    name = table.column_names[0]
    shown = "\\t" if guess == "\t" else guess
    raise DataError(f"the header reads as one column ({name!r}): the file looks delimited by "
                    f"{shown!r}, not {delimiter!r}; set {key}: {{delimiter: {shown!r}}} in the "
                    "mapping", file=file, row=1)


def _bool(arr: pa.Array) -> np.ndarray:
    return np.asarray(pc.fill_null(arr, False).to_numpy(zero_copy_only=False), dtype=bool)


def rule_mask(table: pa.Table, rule: dict, file: str) -> np.ndarray:
    """The rows a rule skips.

    >>> t = pa.table({"Type": ["Incident", "Change", None]})
    >>> rule_mask(t, {"column": "Type", "in": ["Change"]}, "t.csv").tolist()
    [False, True, False]
    >>> rule_mask(t, {"column": "Type", "empty": True}, "t.csv").tolist()
    [False, False, True]
    """
    arr = _text(table, rule["column"], file)
    if "in" in rule:
        values = pa.array([str(v) for v in rule["in"]], pa.string())
        return _bool(pc.is_in(arr, value_set=values))
    if "equals" in rule:
        return _bool(pc.equal(arr, str(rule["equals"])))
    if "matches" in rule:
        return _bool(pc.match_substring_regex(arr, rule["matches"]))
    if "empty" in rule:
        empty = _bool(pc.or_kleene(pc.is_null(arr), pc.equal(arr, "")))
        return empty if rule["empty"] else ~empty
    raise DataError(f"an ignore rule needs one of in, equals, matches, empty: {rule}",
                    file=file)


def describe_rule(rule: dict) -> str:
    """A rule as the summary names it.

    >>> describe_rule({"column": "Type", "in": ["Change", "Problem"]})
    "Type in ['Change', 'Problem']"
    """
    column = rule["column"]
    if "in" in rule:
        return f"{column} in {[str(v) for v in rule['in']]}"
    if "equals" in rule:
        return f"{column} = {str(rule['equals'])!r}"
    if "matches" in rule:
        return f"{column} matches {rule['matches']!r}"
    return f"{column} {'empty' if rule.get('empty') else 'not empty'}"


def repeated_header(table: pa.Table) -> np.ndarray:
    """Rows that repeat the header (``cat a.csv b.csv`` of two exports): every cell equals
    its column's name, invisible characters aside.

    >>> repeated_header(pa.table({"id": ["T1", "\\ufeffid"], "at": ["x", "at"]})).tolist()
    [False, True]
    """
    n = table.num_rows
    if not n or not table.num_columns:
        return np.zeros(n, dtype=bool)
    hit = np.ones(n, dtype=bool)
    for name in table.column_names[:3]:  # three columns tell a header from data
        arr = table.column(name)
        arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
        if not pa.types.is_string(arr.type):
            return np.zeros(n, dtype=bool)
        same = _bool(pc.equal(pc.utf8_trim_whitespace(arr), name))
        if not same.all() and name:
            # the repeated header may carry the second export's byte-order mark
            same |= _bool(pc.equal(arr, "\ufeff" + name))
        hit &= same
        if not hit.any():
            return hit
    return hit

