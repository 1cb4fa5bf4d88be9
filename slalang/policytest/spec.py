"""Policy test files (``*.test.yaml``): loading, validation, and the values they write.

YAML's implicit timestamps and dates are turned off, so ``2026-07-06 09:00`` stays the text
the author wrote and is read in the policy's zone; every mapping remembers its line, so a
failure points at the expectation that failed.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

from slalang.errors import DataError


class Node(dict):
    """A YAML mapping that knows its 1-based line."""

    line: int = 0


class _Loader(yaml.SafeLoader):
    """SafeLoader without implicit timestamps (times are read in the policy's zone)."""


_Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}


def _mapping(loader: _Loader, node: yaml.MappingNode) -> Node:
    out = Node(loader.construct_mapping(node, deep=True))
    out.line = node.start_mark.line + 1
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def schema() -> dict:
    """The published JSON Schema of policy test files."""
    text = resources.files("slalang").joinpath("schemas", "policytest.schema.json").read_text(
        encoding="utf-8")
    return json.loads(text)


@dataclass(frozen=True)
class Suite:
    """A loaded ``*.test.yaml``: its path, the policy and roster it names, the data."""

    path: str
    #: the policy file the tests are for
    policy: str
    roster: str | None
    data: Node


def _line_of(data: object, path: tuple) -> int | None:
    """The line of the deepest mapping on a JSON-Schema error path."""
    line = getattr(data, "line", None)
    for key in path:
        try:
            data = data[key]
        except (KeyError, IndexError, TypeError):
            break
        line = getattr(data, "line", line)
    return line


def load_test_file(path: str | Path) -> Suite:
    """Read and validate a test file; raises :class:`DataError` naming the file, line and
    field at fault."""
    import jsonschema

    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except OSError as exc:
        raise DataError(f"cannot read the test file: {exc.strerror or exc}", file=file) from None
    except UnicodeDecodeError:
        raise DataError("the test file is not UTF-8 text", file=file) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise DataError(f"not valid YAML: {getattr(exc, 'problem', exc)}", file=file,
                        row=mark.line + 1 if mark else None) from None
    errors = sorted(jsonschema.Draft202012Validator(schema()).iter_errors(data),
                    key=lambda e: list(e.absolute_path))
    if errors:
        e = errors[0]
        where = "/".join(str(p) for p in e.absolute_path) or "the top level"
        raise DataError(f"{where}: {e.message}", file=file,
                        row=_line_of(data, tuple(e.absolute_path)))
    base = Path(path).parent
    name = Path(path).name
    default = name[: -len(".test.yaml")] + ".sla" if name.endswith(".test.yaml") else None
    policy = data.get("policy", default)
    if policy is None:
        raise DataError("name the policy (`policy: x.sla`) or call the file NAME.test.yaml "
                        "beside NAME.sla", file=file, row=1)
    roster = data.get("roster")
    return Suite(file, str(base / policy), str(base / roster) if roster else None, data)


_DURATION = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


def parse_duration(text: str) -> int:
    """``1h30m`` -> 5400 seconds.

    >>> parse_duration("1h30m"), parse_duration("15m"), parse_duration("0s")
    (5400, 900, 0)
    """
    m = _DURATION.match(text)
    if not m or not text:
        raise DataError(f"not a duration: {text!r} (write e.g. 1h30m, 15m, 0s)")
    h, mi, s = (int(x or 0) for x in m.groups())
    return h * 3600 + mi * 60 + s


def parse_local(text: str, zone: str) -> int:
    """An instant written in the policy's zone (or with its own offset) as epoch seconds.

    >>> parse_local("2026-07-06 09:00", "Europe/Rome"), parse_local("2026-07-06T07:00Z", "UTC")
    (1783321200, 1783321200)
    """
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise DataError(f"not an instant: {text!r} ({exc})") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(zone))
    return int(value.timestamp())


def format_local(epoch: int, zone: str) -> str:
    """Epoch seconds as the tests write them, in the policy's zone.

    >>> format_local(1783321200, "Europe/Rome")
    '2026-07-06 09:00'
    """
    value = dt.datetime.fromtimestamp(epoch, ZoneInfo(zone))
    return value.strftime("%Y-%m-%d %H:%M" + (":%S" if value.second else ""))


def parse_percent(text: str) -> Decimal:
    return Decimal(text.rstrip("%"))


def iso(text: str, zone: str) -> str:
    """A test instant as ISO 8601 with the offset it has in the policy's zone."""
    return dt.datetime.fromtimestamp(parse_local(text, zone), ZoneInfo(zone)).isoformat()
