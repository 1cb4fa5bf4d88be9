"""The slalang policy language: parse, check, load, format and export policies.

The pipeline, one function per stage::

    source --parse--> syntax tree --check--> Policy (+ diagnostics)
    source --format_source--> canonical source
    Policy --export_policy--> JSON-ready dict (validated by schemas/policy.schema.json)
"""

from __future__ import annotations

from slalang.language.check import check
from slalang.language.export import export_policy
from slalang.language.formatter import format_source
from slalang.language.loader import load_policy, read_source
from slalang.language.parser import parse

__all__ = ["check", "export_policy", "format_source", "load_policy", "parse", "read_source"]
