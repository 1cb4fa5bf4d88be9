"""Where ``slalang convert`` writes a dataset: its target checked before anything is read,
its temporary folders named for the process (so that a conversion killed outright leaves
nothing the next one does not remove), and the finished dataset moved into place."""

from __future__ import annotations

import os
from pathlib import Path

from slalang.data.dataset import is_dataset
from slalang.errors import DataError
from slalang.processes import process_prefix, remove_stale  # noqa: F401 - the convert's names

#: a conversion's temporary folders are named ``<prefix><pid namespace>-<pid>-<random>``
#: (as the chunked engine names its scratch folders): a conversion killed outright (SIGKILL,
#: the OOM killer, a CI timeout) cannot remove them, so the next conversion removes those of
#: processes that are gone. The export's scratch files go in the system's temp folder ...
SCRATCH_PREFIX = "slalang-convert-"
#: ... and the partitions beside the target, as ``.<target's name>.slalang-convert-...``
WORK_MARK = ".slalang-convert-"


def _inside_dataset(target: Path) -> Path | None:
    """The dataset directory ``target`` (a resolved path) would be written in, if any."""
    for folder in target.parents:
        try:
            if is_dataset(folder):
                return folder
        except OSError:  # a folder we may not look into holds no dataset of ours
            continue
    return None


def output_folder(out: str | Path) -> Path:
    """The directory ``out`` names, resolved (symlinks, ``..``), once checked: it must be new
    or an empty directory, not the current folder and not inside a dataset. DataError saying
    what is wrong otherwise; nothing is read or written before."""
    try:
        return _checked_output(out)
    except OSError as exc:  # a folder on the way we may not look into
        raise DataError(f"cannot look at the output's place ({exc.strerror or exc})",
                        file=str(out)) from None


def _checked_output(out: str | Path) -> Path:
    given = Path(out)
    if given.is_symlink() and not given.exists():
        raise DataError(f"the output is a symlink to {os.readlink(given)!r}, which does not "
                        "exist: give the dataset's directory itself, or create the empty "
                        "directory the link points to", file=str(out))
    target = Path(os.path.realpath(given))
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise DataError("the output exists and is not an empty directory: nothing replaced",
                        file=str(out))
    if target == Path(os.path.realpath(os.getcwd())):
        # the dataset replaces the empty directory: the shell that ran us would be left in a
        # folder that no longer exists, showing nothing of the dataset
        raise DataError("the output is the current folder, which the dataset would replace: "
                        "give a new folder's name, or run from the folder above",
                        file=str(out))
    outer = _inside_dataset(target)
    if outer is not None:
        # verbs read a dataset's own files only: the inner one would be read by none of them
        # through the outer, and a copy or removal of the outer would take it along
        raise DataError(f"the output is inside the dataset {str(outer)!r}: a dataset in a "
                        "dataset is not read as either; give a folder outside it",
                        file=str(out))
    return target


def moved_into_place(work: Path, target: Path, out: str | Path) -> None:
    """The finished dataset renamed from ``work`` to ``target`` (the empty directory there
    removed first); a DataError when something took the target meanwhile."""
    try:
        if target.exists():
            target.rmdir()
        os.replace(work, target)
    except OSError as exc:
        if is_dataset(target):
            raise DataError("another run wrote a dataset there meanwhile: nothing replaced, "
                            "this conversion's dataset is not kept", file=str(out)) from None
        if os.path.lexists(target):
            raise DataError("the output was written meanwhile by something else (it is not an "
                            "empty directory any more): nothing replaced", file=str(out)
                            ) from None
        raise DataError(f"the dataset could not be moved into place ({exc.strerror or exc}): "
                        "nothing written", file=str(out)) from None
