"""Gzipped exports made splittable: each decompressed once into the run's scratch folder.

A gzip file cannot be cut into byte ranges, so the chunked engine read it with the
sequential reader, which parses everything in the main process while the workers only
evaluate: a gzipped 10m export took 19.8 s against 5.8 s for the same files plain. Written
out plain first (on one thread a file, both at once: pyarrow's decompressor lets go of the
interpreter), the files go through the split reader like any plain export, every core
parsing. The copies are the bytes the sequential reader would have read (the same
decompressor), so every row, number and verdict is the same; the caller shows the user's
file names, not the copies' (:func:`renamed`).

A file that does not decompress (truncated, corrupt) or does not fit in the scratch folder
is not copied: the caller reads it with the sequential reader, which says what is wrong
where it finds it, as before.
"""

from __future__ import annotations

import dataclasses
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from slalang.data.sources.compressed import compressions_of

if TYPE_CHECKING:
    from slalang.data.counts import InputCounts
    from slalang.evaluation.result import Evaluation

#: bytes decompressed and written at a time
_BLOCK = 8 << 20


class NotInflated(Exception):
    """A gzipped file could not be copied plain (its data, or the room for it)."""


def gzipped(tickets: str | Path, events: str | Path | None) -> bool:
    """Whether the files are regular files, each plain or gzipped, at least one gzipped (a
    zip archive, a pipe or a missing file: no)."""
    kinds = compressions_of((tickets, events))
    return kinds is not None and "zip" not in kinds and "gzip" in kinds


def inflate(paths: list[str | Path | None], folder: str
            ) -> tuple[list[str | None], dict[str, str]]:
    """Each gzipped file of ``paths`` decompressed into ``folder``, the files at once on
    threads: ``(paths to read, plain files and None as they are; {copy: the user's file})``.
    Raises :class:`NotInflated` when one cannot be (the copies made are left in ``folder``,
    which the caller removes)."""
    kinds = compressions_of(paths)
    if kinds is None:  # gone or replaced since it was looked at
        raise NotInflated("a file is no longer a regular file")
    given = [p for p in paths if p is not None]
    jobs = {}
    with ThreadPoolExecutor(max_workers=max(len(given), 1)) as pool:
        for k, (path, kind) in enumerate(zip(given, kinds, strict=True)):
            if kind != "gzip":
                continue
            name = Path(path).name
            plain = name[:-3] if name.lower().endswith(".gz") else name
            jobs[str(path)] = pool.submit(_copy, path, os.path.join(folder, f"{k}-{plain}"))
    names = {job.result(): shown for shown, job in jobs.items()}
    copies = {shown: copy for copy, shown in names.items()}
    return [None if p is None else copies.get(str(p), str(p)) for p in paths], names


def _copy(path: str | Path, target: str) -> str:
    """The file as the sequential reader reads it (:func:`slalang.data.stream._open`: the
    same decompressor), written plain to ``target``."""
    import pyarrow as pa

    from slalang.data.stream import _open
    from slalang.errors import DataError

    try:
        with _open(path) as src, open(target, "wb") as dst:
            while block := src.read_buffer(_BLOCK):  # empty at the end
                dst.write(memoryview(block))
    except (DataError, OSError, pa.ArrowException) as exc:
        raise NotInflated(f"{path}: {exc}") from None
    return target


def renamed_text(text: str, names: dict[str, str]) -> str:
    """``text`` with each copy's path (``names``' keys) replaced by the user's file name."""
    for copy, shown in names.items():
        text = text.replace(copy, shown)
    return text


def renamed_error(exc: BaseException, names: dict[str, str]) -> BaseException:
    """``exc`` (changed in place) naming the user's files, not their copies."""
    exc.args = tuple(renamed_text(a, names) if isinstance(a, str) else a for a in exc.args)
    if isinstance(getattr(exc, "file", None), str):
        exc.file = renamed_text(exc.file, names)  # type: ignore[attr-defined]
    return exc


def renamed_rows(rows, names: dict[str, str]) -> tuple:
    """Rejections (or ignored rows: anything with a file and a reason) naming the user's
    files, not their copies."""
    return tuple(dataclasses.replace(r, file=renamed_text(r.file, names),
                                     reason=renamed_text(r.reason, names)) for r in rows)


def renamed_counts(counts: InputCounts | None, names: dict[str, str]) -> InputCounts | None:
    """Input counts naming the user's files, not their copies."""
    if counts is None:
        return None
    return dataclasses.replace(counts, file=renamed_text(counts.file, names),
                               ignored=renamed_rows(counts.ignored, names))


def renamed(ev: Evaluation, names: dict[str, str]) -> Evaluation:
    """The evaluation naming the user's files, not their copies: its rejections, invalid
    tickets, input counts and warnings (nothing else of it names a file)."""
    warnings = tuple(dataclasses.replace(w, message=renamed_text(w.message, names),
                                         hint=renamed_text(w.hint, names))
                     for w in ev.warnings)
    return dataclasses.replace(ev, rejected=renamed_rows(ev.rejected, names),
                               invalid=renamed_rows(ev.invalid, names),
                               input=renamed_counts(ev.input, names), warnings=warnings)
