"""The one error rendering raises: a template or its data could not produce the document."""

from __future__ import annotations

from slalang.errors import EXIT_USAGE, SlalangError


class RenderError(SlalangError):
    """A template failed: syntax error, undefined variable, sandbox violation, missing file.

    The message names the template and, when known, its line.
    """

    exit_code = EXIT_USAGE

    def __init__(self, message: str, *, template: str | None = None,
                 line: int | None = None) -> None:
        #: the template's name (as the loader knows it), when known
        self.template = template
        #: 1-based line in that template, when known
        self.line = line
        where = ""
        if template:
            where = f"template {template!r}" + (f", line {line}" if line else "") + ": "
        super().__init__(f"{where}{message}")
