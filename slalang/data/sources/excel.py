"""Excel workbooks (.xlsx), as PSA tools export their ticket reports.

Read with openpyxl (the ``xlsx`` extra: ``pip install 'slalang[xlsx]'``), in read-only mode
so a large sheet streams row by row. Options: ``sheet`` (a name, or the 1-based position;
default the first), ``header_row`` (default 1: a report with a title above its table names
the row of its column names). Cells become text: a date-time cell ISO 8601 without an offset
(the mapping's ``timestamps.timezone`` says its zone, as for a CSV's naive times), a whole
number without ``.0``. Blank rows are skipped; every other row keeps its sheet row number.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence

import numpy as np
import pyarrow as pa

from slalang.data.source import read_bytes, unique_header
from slalang.data.sources import Digest, Rows, SourceSpec, strip_compression
from slalang.errors import DataError


def cell_text(value: object) -> str | None:
    """A cell's value as text.

    >>> cell_text(dt.datetime(2026, 7, 1, 9, 5)), cell_text(3.0), cell_text(2.5), cell_text(" ")
    ('2026-07-01T09:05:00', '3', '2.5', None)
    """
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    return text if text.strip() else None


def _workbook(file: str, digest: Digest, member: str | None):
    try:
        import openpyxl
    except ImportError:
        raise DataError("reading Excel files needs openpyxl: pip install 'slalang[xlsx]'",
                        file=file) from None
    if strip_compression(file) != file:  # an .xlsx.gz or .xlsx.zip: the registry unpacks it
        data = bytes(read_bytes(file, digest, member=member))
    else:  # an .xlsx is itself a zip archive: read as it is
        try:
            with open(file, "rb") as fh:
                data = fh.read()
        except OSError as exc:
            raise DataError(f"cannot read the file: {exc.strerror or exc}", file=file) from None
        digest.feed(pa.py_buffer(data))
    try:
        return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise DataError(f"not an Excel workbook (.xlsx): {exc}", file=file) from None


def _sheet(book, choice: str | int | None, file: str):
    if choice is None:
        return book.worksheets[0]
    if isinstance(choice, int):
        if not 1 <= choice <= len(book.worksheets):
            raise DataError(f"no sheet {choice}: the workbook has {len(book.worksheets)}",
                            file=file)
        return book.worksheets[choice - 1]
    if choice not in book.sheetnames:
        raise DataError(f"no sheet {choice!r} (sheets: {', '.join(book.sheetnames)})",
                        file=file)
    return book[choice]


def read(spec: SourceSpec, wanted: Sequence[str], digest: Digest) -> Rows:
    """Every column of the chosen sheet of every file."""
    header_row = int(spec.options.get("header_row", 1))
    parts = []
    for file in spec.paths:
        book = _workbook(file, digest, spec.options.get("member"))
        try:
            sheet = _sheet(book, spec.options.get("sheet"), file)
            rows = sheet.iter_rows(min_row=header_row, values_only=True)
            header = [cell_text(c) for c in next(rows, ())]
            while header and header[-1] is None:  # formatted but empty columns on the right
                header.pop()
            if not header:
                raise DataError("no column names on the header row", file=file,
                                row=header_row)
            # a name the sheet repeats is labelled, refused only where the mapping uses it
            names = unique_header([h.strip() if h is not None else f"column {k + 1}"
                                   for k, h in enumerate(header)])
            cols: list[list] = [[] for _ in names]
            numbers: list[int] = []
            for number, values in enumerate(rows, header_row + 1):
                texts = [cell_text(v) for v in values[:len(names)]]
                if all(t is None for t in texts):
                    continue
                texts += [None] * (len(names) - len(texts))
                for col, text in zip(cols, texts, strict=True):
                    col.append(text)
                numbers.append(number)
        finally:
            book.close()
        table = pa.table([pa.array(c, pa.string()) for c in cols], names=names)
        parts.append(Rows(table, [file], np.zeros(len(numbers), np.int64),
                          np.array(numbers, np.int64)))
    return Rows.concat(parts)
