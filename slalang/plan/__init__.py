"""The compiled evaluation plan (``Policy`` -> ``Plan``) and its reviewable renderings."""

from slalang.plan.compiled import CreditRule, Plan, PlanRow, UptimeRule, compile_plan
from slalang.plan.diff import diff_plans
from slalang.plan.export import plan_to_json
from slalang.plan.text import format_duration, plan_to_text

__all__ = [
    "CreditRule",
    "Plan",
    "PlanRow",
    "UptimeRule",
    "compile_plan",
    "diff_plans",
    "format_duration",
    "plan_to_json",
    "plan_to_text",
]
