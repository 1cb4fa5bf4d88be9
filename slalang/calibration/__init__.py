"""Calibration: honest targets from a ticket history, and a tier's cost backtested on it.

``evaluate`` (every customer on one tier with :func:`under_tier`, or as the roster says) ->
:func:`calibrate` (distributions, targets per objective level, month-to-month range) ->
:func:`checked_draft` (a tier block that passes check and fmt) and :func:`backtest` (credits
per month, margins, a bootstrap interval for next month's credit).
"""

from slalang.calibration.backtest import Backtest, backtest
from slalang.calibration.calibrate import Calibration, Group, calibrate
from slalang.calibration.draft import checked_draft, draft_tier
from slalang.calibration.measure import under_tier

__all__ = ["Backtest", "Calibration", "Group", "backtest", "calibrate", "checked_draft",
           "draft_tier", "under_tier"]
