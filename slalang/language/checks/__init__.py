"""Semantic checks: one small module per rule, each with stable diagnostic codes.

Every module exposes ``CODES`` (code -> one-line summary, the catalogue in
``docs/language/diagnostics.md``) and ``run(ctx)`` yielding diagnostics. :data:`CHECKS` lists
them in the order their findings are reported.
"""

from __future__ import annotations

from slalang.language.checks import (
    ambiguous_day,
    calendar_hours,
    calendar_time_zone,
    choices,
    clock_events,
    credit_steps,
    credit_vs_uptime,
    currency,
    customer_text,
    duplicates,
    header_fields,
    holiday_sources,
    inheritance_cycles,
    magnitudes,
    matrix_rows,
    missing_targets,
    money_precision,
    percent_ranges,
    response_vs_resolution,
    sample_rules,
    status_vocabulary,
    undefined_names,
    zero_target,
)

CHECKS = (
    header_fields,
    duplicates,
    undefined_names,
    choices,
    clock_events,
    status_vocabulary,
    inheritance_cycles,
    calendar_time_zone,
    holiday_sources,
    calendar_hours,
    matrix_rows,
    ambiguous_day,
    zero_target,
    magnitudes,
    percent_ranges,
    sample_rules,
    credit_steps,
    credit_vs_uptime,
    currency,
    money_precision,
    missing_targets,
    response_vs_resolution,
    customer_text,
)

#: every code a check can report, with its summary
CODES: dict[str, str] = {code: text for check in CHECKS for code, text in check.CODES.items()}
