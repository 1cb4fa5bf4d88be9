"""Evaluation: clocks, per-ticket verdicts, compliance, uptime and credits.

Each line below exports one module's public names; engineers append lines, never rewrite them.
"""

from slalang.evaluation.clocks import ClockSpans, EventIndex, clock_spans  # noqa: F401
from slalang.evaluation.explain import Explanation, explain_ticket, explanation_to_text  # noqa: F401
from slalang.evaluation.outcomes import STATUS_NAMES, Outcomes, compute_outcomes  # noqa: F401

# isort: split
from slalang.evaluation.evaluate import CustomerMonth, CustomerPeriod, Evaluation, evaluate  # noqa: F401
from slalang.evaluation.output.json import evaluation_to_json  # noqa: F401
from slalang.evaluation.periods import Period, parse_period  # noqa: F401

# isort: split
from slalang.evaluation.explain import explanation_to_json  # noqa: F401
