"""A priority-matrix row gives one value per field named in ``priority from``."""

from __future__ import annotations

from collections.abc import Iterator

from slalang.diagnostics import Diagnostic
from slalang.language import syntax as s
from slalang.language.context import CheckContext, diag

CODES = {"SLA207": "a priority-matrix row with the wrong number of values"}


def run(ctx: CheckContext) -> Iterator[Diagnostic]:
    for matrix in ctx.tree.of_type(s.MatrixDecl):
        fields = ", ".join(f.text for f in matrix.fields)
        for row in matrix.rows:
            if len(row.values) != len(matrix.fields):
                yield diag("SLA207", f"this row has {len(row.values)} value(s) but the matrix "
                           f"derives from {len(matrix.fields)} field(s) ({fields})", row.span,
                           "give one quoted value per field, in the order of `priority from`")
