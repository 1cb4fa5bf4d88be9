"""Reviewing a policy change: read two versions (files or git revisions), diff their plans,
and replay both on the same ticket data to show what the change would have cost."""

from slalang.review.impact import Impact, replay  # noqa: F401
from slalang.review.revision import PolicySource, load_policy_source, read_policy_source  # noqa: F401
