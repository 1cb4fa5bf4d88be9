"""YAML input files read within bounds: size, nesting and alias expansion.

A mapping (or any YAML a user hands to slalang) may come from anywhere. PyYAML alone reads
a file of any size, recurses once per nesting level (3,000 levels: RecursionError) and lets a
"billion laughs" document of a few hundred bytes expand, through aliases, into more values
than memory holds (everything that walks the result afterwards, the schema validator first,
walks them all). :func:`load_yaml_file` refuses each of these with the file, the line and a
reason, before any of that work is done.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from slalang.errors import DataError

#: the largest YAML file read (a real mapping is a few kilobytes)
MAX_BYTES = 1 << 20
#: the deepest nesting of mappings and lists
MAX_DEPTH = 64
#: the most values (scalars, lists, mappings) a document may hold once aliases are expanded
MAX_VALUES = 500_000


def read_text_file(path: str | Path, what: str, max_bytes: int = MAX_BYTES) -> str:
    """The UTF-8 text of a regular file of at most ``max_bytes`` bytes.

    Raises:
        DataError: naming the file: unreadable, not a regular file (a device such as
            /dev/zero, a FIFO, a directory), too large, or not UTF-8 (with its line).
    """
    file = str(path)
    try:
        fd = os.open(file, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise DataError(f"cannot read the {what}: {exc.strerror or exc}", file=file) from None
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            raise DataError(f"the {what} must be a regular file", file=file)
        data = fh.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise DataError(f"the {what} is larger than {max_bytes // 1024} KiB; a {what} is a "
                        "short settings file", file=file)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise DataError(f"the {what} is not UTF-8 text: byte 0x{data[exc.start]:02x} cannot "
                        "be decoded; save it as UTF-8", file=file, row=line) from None


def load_yaml_file(path: str | Path, what: str = "YAML file") -> object:
    """Read and parse a YAML file within :data:`MAX_BYTES`, :data:`MAX_DEPTH` and
    :data:`MAX_VALUES` (safe tags only).

    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "m.yaml"
    >>> _ = p.write_text("a: &x [1, 2]\\nb: *x\\n")
    >>> load_yaml_file(p)
    {'a': [1, 2], 'b': [1, 2]}
    >>> _ = p.write_text("a: " + "[" * 100 + "]" * 100 + "\\n")
    >>> load_yaml_file(p, "mapping")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    slalang.errors.DataError: ...m.yaml:1: invalid YAML: nested deeper than 64 levels (column 67)...
    """
    import yaml

    text = read_text_file(path, what)
    try:
        return yaml.load(text, Loader=_bounded_loader())  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise DataError(_yaml_problem(exc, text), file=str(path),
                        row=mark.line + 1 if (mark := getattr(exc, "problem_mark", None))
                        else None) from None


def _yaml_problem(exc, text: str) -> str:
    """What the YAML parser says, with the column, where the construct it was in began (an
    unclosed ``[`` is noticed a line later: the line alone named the wrong one), and the
    line with a caret."""
    problem = getattr(exc, "problem", None) or str(exc)
    mark, context = getattr(exc, "problem_mark", None), getattr(exc, "context_mark", None)
    if mark is None:
        return f"invalid YAML: {problem}"
    out = f"invalid YAML: {problem} (column {mark.column + 1})"
    what = getattr(exc, "context", None)
    if context is not None and what and (context.line, context.column) != (mark.line,
                                                                           mark.column):
        out += f", {what} that began on line {context.line + 1}, column {context.column + 1}"
    lines = text.splitlines()
    if 0 <= mark.line < len(lines):
        out += f"\n  {lines[mark.line]}\n  {' ' * mark.column}^"
    return out


def _bounded_loader() -> type:
    import yaml
    from yaml.composer import ComposerError

    class BoundedLoader(yaml.SafeLoader):
        """A SafeLoader whose composer counts nesting and expanded values as it goes."""

        def __init__(self, stream) -> None:
            super().__init__(stream)
            self._depth = 0
            self._values = 0
            self._expanded: dict[int, int] = {}  # id(anchored node) -> values it expands to

        def compose_node(self, parent, index):
            if self.check_event(yaml.AliasEvent):
                mark = self.peek_event().start_mark
                node = super().compose_node(parent, index)
                self._count(self._expanded.get(id(node), 1), mark)
                return node
            mark = self.peek_event().start_mark
            if self._depth >= MAX_DEPTH:
                raise ComposerError(None, None, f"nested deeper than {MAX_DEPTH} levels", mark)
            self._depth += 1
            before = self._values
            try:
                node = super().compose_node(parent, index)
            finally:
                self._depth -= 1
            self._count(1, mark)
            self._expanded[id(node)] = self._values - before
            return node

        def _count(self, values: int, mark) -> None:
            self._values += values
            if self._values > MAX_VALUES:
                raise ComposerError(None, None, f"more than {MAX_VALUES:,} values once its "
                                    "aliases are expanded", mark)

    return BoundedLoader
