"""The customer roster: who is on which tier, at what fee, for which services.

A roster is YAML beside the policy (``roster "customers.yaml"`` in the header), validated with
``schemas/roster.schema.json``::

    customers:
      - name: Beta SpA
        tier: Silver
        fee: 2500 EUR        # negotiated; absent -> the tier's list fee
        services: [email]
"""

from __future__ import annotations

import functools
import json
import os
import stat
from decimal import Decimal
from importlib import resources
from pathlib import Path

from slalang.errors import DataError
from slalang.model import MAX_FEE, Customer, Money, Policy, Roster

#: far beyond any real roster (a few hundred bytes a customer); it bounds what a policy header
#: can make ``slalang check`` read, since a policy arrives in a pull request from anyone
MAX_ROSTER_BYTES = 16 * 1024 * 1024
#: values the loaded YAML may hold, counting every use of an alias (a YAML "billion laughs"
#: loads in a blink as shared references, then validation would walk every one of them)
MAX_ROSTER_VALUES = 1_000_000
#: how much of a value from the file an error message may quote
_QUOTED = 60


def _loader():
    """libyaml's safe loader when PyYAML has it (the pure-Python one is most of `slalang
    check`); PyYAML is imported only when a roster is read (10 ms of every `evaluate`)."""
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@functools.cache
def roster_schema() -> dict:
    text = resources.files("slalang").joinpath("schemas", "roster.schema.json").read_text(
        encoding="utf-8")
    return json.loads(text)


def load_roster(path: str | os.PathLike, policy: Policy | None = None) -> Roster:
    """Read and validate a roster.

    With ``policy``, tiers are checked against it and a customer without a fee gets the tier's
    list fee. Raises :class:`~slalang.errors.DataError` naming the file and the failing entry
    and field.
    """
    import yaml

    file = str(path)
    try:
        text = _read_text(path, file)
        data = yaml.load(text, Loader=_loader())  # noqa: S506 - a safe loader
        _bounded(data, file)
    except OSError as exc:
        raise DataError(f"cannot read the roster: {exc.strerror or exc}", file=file) from None
    except UnicodeDecodeError:
        raise DataError("the roster is not UTF-8 text", file=file) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise DataError(f"not valid YAML: {getattr(exc, 'problem', exc)}", file=file,
                        row=mark.line + 1 if mark else None) from None
    try:
        _validate(data, file)
        currency = data.get("currency") or (policy.header.currency if policy else None)
        customers = tuple(_customer(entry, i, file, currency, policy)
                          for i, entry in enumerate(data["customers"], start=1))
        _unique(customers, file)
    except DataError as exc:
        if exc.row is not None or not isinstance(data, dict):
            raise
        # name the line too, so an editor can jump to the entry at fault
        raise _at_line(exc, _line_of(text, exc)) from None
    return Roster(customers, source_path=file)


def _read_text(path: str | os.PathLike, file: str) -> str:
    """The roster's text: a regular file of at most MAX_ROSTER_BYTES, never a device or FIFO."""
    if "\0" in os.fspath(path):  # os.open raises ValueError on it
        raise DataError("the roster path contains a NUL character", file=file.replace("\0", "?"))
    # O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused just below
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise DataError("the roster path is a directory, not a file", file=file)
        if not stat.S_ISREG(info.st_mode):
            raise DataError("the roster is not a regular file (a device, FIFO or socket cannot "
                            "be a roster)", file=file)
        data = fh.read(MAX_ROSTER_BYTES + 1)
    if len(data) > MAX_ROSTER_BYTES:
        raise DataError(f"the roster is larger than {MAX_ROSTER_BYTES // (1024 * 1024)} MiB; "
                        "a roster lists customers, not data", file=file)
    return data.decode("utf-8")


def _bounded(data: object, file: str) -> None:
    """Refuse YAML whose aliases expand it beyond MAX_ROSTER_VALUES values."""
    budget, stack = MAX_ROSTER_VALUES, [data]
    while stack:
        value = stack.pop()
        budget -= 1
        if budget < 0:
            raise DataError(f"the roster expands to more than {MAX_ROSTER_VALUES:,} values "
                            "(YAML aliases repeating aliases?)", file=file)
        if isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)


def _quoted(value: object) -> str:
    """``repr(value)``, cut short: an error may show a bad value, never a whole file."""
    text = repr(value)
    return text if len(text) <= _QUOTED else text[:_QUOTED - 5] + "...' (cut)"


def _at_line(exc: DataError, line: int | None) -> DataError:
    message = str(exc).removeprefix(f"{exc.file}: ")
    if exc.field:
        message = message.removesuffix(f" (field {exc.field!r})")
    return DataError(message, file=exc.file, row=line, field=exc.field)


def _line_of(text: str, exc: DataError) -> int | None:
    """The 1-based line of the entry (and field) an error names, from the YAML node marks."""
    import re

    import yaml

    try:
        root = yaml.compose(text)
    except yaml.YAMLError:
        return None
    message = str(exc)
    entry = re.search(r"customer #(\d+)", message)
    twice = re.search(r"customer '(.+)' is listed twice", message)
    items = next((v.value for k, v in getattr(root, "value", ()) if k.value == "customers"
                  and isinstance(v, yaml.SequenceNode)), [])
    node = None
    if entry and int(entry.group(1)) <= len(items):
        node = items[int(entry.group(1)) - 1]
    elif twice:
        names = [next((v.value for k, v in item.value if k.value == "name"), None)
                 for item in items if isinstance(item, yaml.MappingNode)]
        if names.count(twice.group(1)) > 1:  # the second listing is the one at fault
            node = items[[k for k, n in enumerate(names) if n == twice.group(1)][1]]
    if node is None:
        return None
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if k.value == exc.field:
                return v.start_mark.line + 1
    return node.start_mark.line + 1


def roster_for(policy: Policy) -> Roster | None:
    """The roster the policy's header names, resolved relative to the policy file."""
    if not policy.header.roster:
        return None
    base = Path(policy.source_path).parent if policy.source_path else Path.cwd()
    return load_roster(base / policy.header.roster, policy)


def _validate(data: object, file: str) -> None:
    import jsonschema  # loaded only when a roster is: `slalang check` without one skips it

    errors = sorted(jsonschema.Draft202012Validator(roster_schema()).iter_errors(data),
                    key=lambda e: list(e.absolute_path))
    if not errors:
        return
    err = errors[0]
    if data is None:
        raise DataError("the roster is empty; it lists `customers:`, each with name, tier and "
                        "services", file=file)
    if not isinstance(data, dict) or "customers" not in data:
        # not a roster at all (a policy may name any file): say so without quoting it
        raise DataError("not a roster: a roster is a YAML mapping with a `customers:` list, "
                        "each with name, tier and services", file=file)
    where = list(err.absolute_path)
    entry = f"customer #{where[1] + 1}: " if len(where) >= 2 and where[0] == "customers" else ""
    field = next((str(p) for p in reversed(where) if isinstance(p, str)), None)
    message = err.message.replace(repr(err.instance), _quoted(err.instance))
    if err.validator == "required":  # the field at fault is the one missing
        field = err.message.split("'")[1]
    elif err.validator == "additionalProperties":  # the unknown key, with the known ones
        extra = sorted(set(err.instance) - set(err.schema.get("properties", {})))
        field = extra[0] if extra else field
        message = (f"unknown field {_quoted(field)} (known: "
                   f"{', '.join(err.schema.get('properties', {}))})")
    elif field == "fee":
        message = f"fee {_quoted(err.instance)} is not an amount like 2500 or \"2500 EUR\""
    raise DataError(f"{entry}{message}", file=file, field=field)


def _customer(entry: dict, index: int, file: str, currency: str | None,
              policy: Policy | None) -> Customer:
    label = f"customer #{index} ({entry['name']})"
    if policy is not None and entry["tier"] not in {t.name for t in policy.tiers}:
        tiers = ", ".join(t.name for t in policy.tiers)
        raise DataError(f"{label}: unknown tier {entry['tier']!r} (the policy has {tiers})",
                        file=file, field="tier")
    fee = _fee(entry.get("fee"), currency, label, file)
    if fee is None and policy is not None:
        fee = policy.tier(entry["tier"]).fee
    if fee is not None and policy is not None and fee.currency != policy.header.currency:
        raise DataError(f"{label}: fee in {fee.currency} but the policy's currency is "
                        f"{policy.header.currency}", file=file, field="fee")
    return Customer(entry["name"], entry["tier"], fee, tuple(entry["services"]), entry.get("id"))


def _fee(value: object, currency: str | None, label: str, file: str) -> Money | None:
    fee = _money(value, currency, label, file)
    if fee is not None and fee.amount >= MAX_FEE:
        # as a policy's fee (SLA310): credits on it would overflow Decimal's 28 digits
        raise DataError(f"{label}: a fee of a trillion or more a month", file=file,
                        field="fee")
    return fee


def _money(value: object, currency: str | None, label: str, file: str) -> Money | None:
    if value is None:
        return None
    if isinstance(value, str):
        amount, code = value.split()
        if -Decimal(amount).as_tuple().exponent > 2:  # "4.000 EUR": a thousands separator?
            raise DataError(f"{label}: fee {value!r} has more than two decimals; for "
                            f"{amount.replace('.', '')} {code} write \"{amount.replace('.', '')} "
                            f"{code}\" (no thousands separator)", file=file, field="fee")
        return Money(Decimal(amount), code)
    if currency is None:
        raise DataError(f"{label}: a fee without currency needs `currency:` in the roster",
                        file=file, field="fee")
    return Money(Decimal(str(value)), currency)


def _unique(customers: tuple[Customer, ...], file: str) -> None:
    seen: set[str] = set()
    for c in customers:
        if c.key in seen:
            raise DataError(f"customer {c.key!r} is listed twice", file=file, field="name")
        seen.add(c.key)
