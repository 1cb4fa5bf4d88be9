"""Input formats behind one protocol: a reader per format, chosen explicitly.

A mapping names its format (``source: {format: json, records: tickets}``); without one, the
file's suffix decides (``.csv``, ``.jsonl``/``.ndjson``, ``.json``, ``.xlsx``, ``.parquet``,
each possibly ``.gz`` or ``.zip``). Every reader returns :class:`Rows`: a table of string
columns (named by the mapping's source: a column name, or a JSON path) plus, for each row,
the file it came from and its row there, so a refused row is always named by file and row.

A new format is one module with a ``read(spec, wanted, digest) -> Rows`` function and one
line in :data:`READERS`. Heavy libraries (openpyxl, SQLAlchemy) are imported by their reader
only, when that format is used.
"""

from __future__ import annotations

import glob
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from typing import Protocol

import numpy as np
import pyarrow as pa

from slalang.errors import DataError

#: format name -> the module (under slalang.data.sources) whose ``read`` reads it
READERS: dict[str, str] = {
    "csv": "delimited",
    "jsonl": "jsonrecords",
    "json": "jsonrecords",
    "xlsx": "excel",
    "parquet": "columnar",
    "sql": "database",
}

#: file suffix -> format, when the mapping does not say
SUFFIXES: dict[str, str] = {
    ".csv": "csv", ".txt": "csv", ".tsv": "csv",
    ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json",
    ".xlsx": "xlsx", ".xlsm": "xlsx",
    ".parquet": "parquet", ".pq": "parquet",
    ".db": "sql", ".sqlite": "sql", ".sqlite3": "sql",
}


@dataclass
class SourceSpec:
    """What to read and how: the format, the files, and the format's settings from the
    mapping's ``source`` section (``records``, ``where``, ``unnest``, ``sheet``, ``query``...)."""

    format: str
    paths: list[str]
    options: dict = field(default_factory=dict)
    #: the name the input was given by (a file, a glob pattern or a database URL)
    given: str = ""


@dataclass
class Rows:
    """Rows read from one or more files: string columns and where each row came from."""

    table: pa.Table
    #: the files, in order
    files: list[str]
    #: per row: index into ``files``
    file_index: np.ndarray
    #: per row: 1-based row in its file (a CSV's header is row 1; a JSON record's position)
    rows: np.ndarray
    #: rows that could not be read at all: row index -> reason (a broken JSON line)
    problems: dict[int, str] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return self.table.num_rows

    @classmethod
    def one_file(cls, table: pa.Table, file: str, first_row: int = 2) -> Rows:
        n = table.num_rows
        return cls(table, [file], np.zeros(n, np.int64),
                   np.arange(first_row, first_row + n, dtype=np.int64))

    @classmethod
    def concat(cls, parts: Sequence[Rows]) -> Rows:
        """Rows of several files, one after the other (columns missing in a part are null)."""
        if len(parts) == 1:
            return parts[0]
        names: list[str] = []
        for p in parts:
            names += [c for c in p.table.column_names if c not in names]
        tables = []
        for p in parts:
            cols = [p.table.column(c) if c in p.table.column_names
                    else pa.nulls(p.n, pa.string()) for c in names]
            tables.append(pa.table(cols, names=names))
        files: list[str] = []
        index = []
        problems: dict[int, str] = {}
        offset = 0
        for p in parts:
            index.append(p.file_index + len(files))
            files += p.files
            problems.update({offset + k: v for k, v in p.problems.items()})
            offset += p.n
        return cls(pa.concat_tables(tables), files, np.concatenate(index),
                   np.concatenate([p.rows for p in parts]), problems)

    def where(self, k: int) -> tuple[str, int]:
        """(file, row) of row ``k``."""
        return self.files[int(self.file_index[k])], int(self.rows[k])


class Digest(Protocol):
    def feed(self, data) -> None: ...


class Reader(Protocol):
    """A format's reader: the rows of ``spec``'s files, with (at least) the ``wanted`` columns
    (column names or paths, as the mapping writes them; a columnar reader returns every column).
    The raw bytes read go into ``digest``."""

    def __call__(self, spec: SourceSpec, wanted: Sequence[str], digest: Digest) -> Rows: ...


def reader(fmt: str) -> Reader:
    """The reader of a format (its module is imported now, not before)."""
    if fmt not in READERS:
        raise DataError(f"unknown source format {fmt!r} (known: {', '.join(READERS)})")
    module = import_module(f"slalang.data.sources.{READERS[fmt]}")
    return module.read


def strip_compression(name: str) -> str:
    """The file name without a ``.gz`` or ``.zip`` suffix.

    >>> strip_compression("t.csv.gz"), strip_compression("T.JSON.zip"), strip_compression("t")
    ('t.csv', 'T.JSON', 't')
    """
    return re.sub(r"\.(gz|zip)$", "", name, flags=re.IGNORECASE)


def format_of(path: str | Path, declared: str | None = None) -> str:
    """The format to read ``path`` with: the declared one, else the suffix's.

    >>> format_of("tickets.json.gz"), format_of("x.dat", "csv"), format_of("a/pages-*.json")
    ('json', 'csv', 'json')
    """
    if declared:
        return declared
    name = strip_compression(str(path).lower())
    if "://" in name:
        return "sql"
    for suffix, fmt in SUFFIXES.items():
        if name.endswith(suffix):
            return fmt
    raise DataError("unrecognised file type (expected .csv, .jsonl, .json, .xlsx or .parquet, "
                    "optionally .gz or .zip; a mapping may name the format: source: "
                    "{format: csv})", file=str(path))


def _natural(name: str) -> list:
    """Sort key putting page2 before page10."""
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name)]


def expand(path: str | Path) -> list[str]:
    """The files a path names: itself, or (when it holds ``*``, ``?`` or ``[`` and is not a
    file) every file matching it as a glob, in natural order (page 2 before page 10).

    >>> expand("no-such-file.json")
    ['no-such-file.json']
    """
    text = str(path)
    if Path(text).exists() or not any(ch in text for ch in "*?["):
        return [text]
    matches = sorted((p for p in glob.glob(text) if Path(p).is_file()), key=_natural)
    if not matches:
        raise DataError("no file matches the pattern", file=text)
    return matches


def read_source(path: str | Path, options: dict, wanted: Sequence[str], digest: Digest
                ) -> Rows:
    """Read ``path`` (a file, a glob of page files, or a database URL) with the format
    ``options["format"]`` (else the suffix's) and the other ``options`` of that format."""
    fmt = options.get("format") or format_of(path)
    paths = [str(path)] if fmt == "sql" else expand(path)
    spec = SourceSpec(fmt, paths, {k: v for k, v in options.items() if k != "format"},
                      str(path))
    return reader(fmt)(spec, wanted, digest)
