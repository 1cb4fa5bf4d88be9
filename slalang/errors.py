"""Exit codes and the exception hierarchy, defined in one place.

Exit codes follow the policy-as-code CLIs: 0 fine, 1 findings or the SLA failed,
2 usage, syntax or input error (the tool could not do its job).
"""

from __future__ import annotations

EXIT_OK = 0
#: findings (``check``), an objective missed or a credit due (``evaluate --fail-on``)
EXIT_FINDINGS = 1
#: unreadable input, bad usage, malformed data
EXIT_USAGE = 2


class SlalangError(Exception):
    """Base of every error slalang raises on purpose; its message is written for people."""

    #: the process exit code the CLI uses for this error
    exit_code: int = EXIT_USAGE


class PolicyError(SlalangError):
    """A policy has error diagnostics; ``diagnostics`` holds all of them, not just the first."""

    def __init__(self, diagnostics: list) -> None:
        self.diagnostics = diagnostics
        super().__init__(f"{len(diagnostics)} problem(s) in the policy")


class DataError(SlalangError):
    """Bad input data: names the file, row and field."""

    def __init__(self, message: str, *, file: str | None = None, row: int | None = None,
                 field: str | None = None) -> None:
        #: the input file, as given
        self.file = file
        #: 1-based row (line) number in that file
        self.row = row
        #: the field (column) at fault
        self.field = field
        where = ":".join(str(p) for p in (file, row) if p is not None)
        prefix = f"{where}: " if where else ""
        suffix = f" (field {field!r})" if field else ""
        super().__init__(f"{prefix}{message}{suffix}")


class WorkerLost(SlalangError):
    """A worker process ended in the middle of a run (most often killed by the system for
    lack of memory): not a bug to report, but what to do."""

    def __init__(self, detail: str = "") -> None:
        super().__init__(
            "a worker process ended before its work was done (killed: most often by the "
            "system for lack of memory)" + (f": {detail}" if detail else "")
            + "; nothing was finished. Run again with fewer worker processes (--workers 1 "
            "uses one), or with more memory free")


class ClusterLost(SlalangError):
    """The Dask cluster went away in the middle of a run (its scheduler killed or its
    connection closed, every worker gone): not a bug to report, but what to do."""

    def __init__(self, detail: str = "") -> None:
        super().__init__(
            "the Dask cluster went away before the run was done" +
            (f" ({detail})" if detail else "") + "; nothing was finished. Check that its "
            "scheduler and workers run (`dask scheduler`, `dask worker`), then run again, or "
            "use --scheduler local")


class ScratchError(SlalangError):
    """The run's temporary files did not fit where they were written: names the folder and
    what to do."""
