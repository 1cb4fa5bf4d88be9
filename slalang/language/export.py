"""Export a checked policy as JSON-ready data, in the shape of the published schema.

Quantities stay exact: percentages and money amounts are decimal *strings* (``"99.5"``),
durations whole seconds. Spans are kept (``span``: file, line, column...) so tools can point
back at the source.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
from decimal import Decimal
from importlib import resources
from typing import TYPE_CHECKING

from slalang.model import Policy, Span, TimeRange

if TYPE_CHECKING:
    import jsonschema

FORMAT_VERSION = 1


def export_policy(policy: Policy) -> dict:
    """The policy as plain JSON data, validated against ``schemas/policy.schema.json``.

    >>> from slalang.language import check, parse
    >>> policy, _ = check(parse('''policy "P" { version "1" effective 2026-01-01
    ...     currency EUR period month in "Europe/Rome" }
    ...     calendar always 24x7  priorities { P1 "Critical" }
    ...     clock response { starts at created stops at first_response }
    ...     tier T { response on always: P1 15m objective 95% }''', "p.sla"))
    >>> target = export_policy(policy)["tiers"][0]["targets"][0]
    >>> target["seconds"], target["calendar"], target["objective"]
    (900, 'always', '95')
    """
    data = {"format_version": FORMAT_VERSION, **_plain(policy)}
    _validator().validate(data)
    return data


@functools.cache
def policy_schema() -> dict:
    text = resources.files("slalang").joinpath("schemas", "policy.schema.json").read_text(
        encoding="utf-8")
    return json.loads(text)


@functools.cache
def _validator() -> jsonschema.Draft202012Validator:
    # built once: jsonschema.validate() would re-check the schema itself on every call;
    # imported here so that evaluating a policy does not load jsonschema at all
    import jsonschema

    return jsonschema.Draft202012Validator(policy_schema())


def _plain(value):
    if isinstance(value, Span):
        return {"file": value.file, "line": value.line, "column": value.column,
                "end_line": value.end_line, "end_column": value.end_column}
    if isinstance(value, TimeRange):
        return str(value)
    if dataclasses.is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)
                if not f.name.startswith("_")}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return f"{value:f}"  # "0.0000000001", never "1E-10" (the schema wants plain decimals)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
