"""slalang: service-level agreements as code.

The pipeline, one named function per stage (each also a CLI verb)::

    source --parse--> syntax tree --check--> Policy --compile_plan--> Plan
           --evaluate--> outcomes --render_contract / render_report--> text

The public names below are imported on first use, so ``import slalang`` (and every CLI verb)
does not pay for numpy or the holiday tables until a stage needs them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from slalang.lazy import exports
from slalang.version import __version__

#: public name -> module that defines it
_EXPORTS = {
    "Calendar": "slalang.businesstime",
    "Policy": "slalang.model",
    "load_policy": "slalang.language",
    "parse": "slalang.language",
    "check": "slalang.language",
    "compile_plan": "slalang.plan",
    "read_tickets": "slalang.data",
    "read_downtime": "slalang.data",
    "evaluate": "slalang.evaluation",
}

__all__ = [
    "Calendar", "Policy", "load_policy", "parse", "check", "compile_plan",
    "read_tickets", "read_downtime", "evaluate", "__version__",
]

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from slalang.businesstime import Calendar
    from slalang.data import read_downtime, read_tickets
    from slalang.evaluation import evaluate
    from slalang.language import check, load_policy, parse
    from slalang.model import Policy
    from slalang.plan import compile_plan


__getattr__ = exports("slalang", _EXPORTS, globals())
