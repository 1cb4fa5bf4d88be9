"""CSV files (one, or several page files of the same export) through the registry."""

from __future__ import annotations

from collections.abc import Sequence

from slalang.data.source import read_bytes, read_csv
from slalang.data.sources import Digest, Rows, SourceSpec


def read(spec: SourceSpec, wanted: Sequence[str], digest: Digest) -> Rows:
    """Every column of every file (the header is row 1 of each); options: ``delimiter``,
    ``null_values``, ``encoding``, ``member`` (the file inside a zip archive)."""
    options = {k: spec.options[k] for k in ("delimiter", "encoding") if k in spec.options}
    if "null_values" in spec.options:
        options["null_values"] = tuple(spec.options["null_values"])
    parts = []
    for file in spec.paths:
        data = read_bytes(file, digest, member=spec.options.get("member"))  # type: ignore[arg-type]
        bad: list[tuple[int, str]] = []  # malformed rows: nulls, rejected with the reason
        # a column the export repeats is labelled, refused only where the mapping uses it
        rows = Rows.one_file(read_csv(data, file, {}, bad_rows=bad, repeated=True, **options),
                             file)
        rows.problems.update(bad)
        parts.append(rows)
    return Rows.concat(parts)
