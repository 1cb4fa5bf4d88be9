"""Evaluation: clocks, per-ticket verdicts, compliance, uptime and credits.

The public names are imported on first use (as in the ``slalang`` facade): importing one
module of the package (the kernel, the result) loads neither the outputs nor the
explanations. Each line of ``_EXPORTS`` names one module's public names; engineers append
lines, never rewrite them.
"""

from __future__ import annotations

from slalang.lazy import exports

_EXPORTS: dict[str, tuple[str, ...]] = {
    "slalang.evaluation.clocks": ("ClockSpans", "EventIndex", "clock_spans"),
    "slalang.evaluation.explain": ("Explanation", "explain_ticket", "explanation_to_text",
                                   "explanation_to_json"),
    "slalang.evaluation.outcomes": ("STATUS_NAMES", "Outcomes", "compute_outcomes"),
    "slalang.evaluation.result": ("CustomerMonth", "CustomerPeriod", "Evaluation"),
    "slalang.evaluation.kernel": ("Partial", "evaluate_batch", "finish"),
    "slalang.evaluation.output.json": ("evaluation_to_json",),
    "slalang.evaluation.periods": ("Period", "parse_period"),
}
_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}
__all__ = sorted([*_MODULE_OF, "evaluate"])

# imported now, not on first use: the submodule of the same name would otherwise shadow it
# (importing slalang.evaluation.evaluate sets the package's attribute to the module)
from slalang.evaluation.evaluate import evaluate  # noqa: E402, F401

__getattr__ = exports("slalang.evaluation", _MODULE_OF, globals())


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
