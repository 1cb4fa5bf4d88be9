"""The holidays library, consulted without importing it where that can be avoided.

Importing ``holidays`` and asking which countries it knows loads every country module (about a
second); computing one country's holidays imports the library (half a second). Both would
dominate ``slalang check`` and a quick ``slalang evaluate``. So:

* the known countries and their subdivisions are read from the library's source text (its
  registry is one literal table, each country class states its subdivisions as a literal
  tuple); when that reading fails (a future layout), the library is imported instead;
* the holiday dates of a country and year are computed once per installed library version
  and kept in the per-user cache folder (``$XDG_CACHE_HOME/slalang``, as the parser's);
  a folder that cannot be written only means they are computed again.
"""

from __future__ import annotations

import ast
import datetime as dt
import functools
import importlib.util
import json
import os
import tempfile
from pathlib import Path


def _holidays_dir() -> Path | None:
    spec = importlib.util.find_spec("holidays")  # finds the package without importing it
    where = list(spec.submodule_search_locations or ()) if spec is not None else []
    return Path(where[0]) if where else None


def _literal(path: Path, name: str, in_class: str | None = None) -> object:
    """The literal value assigned to ``name`` at the top of ``path`` (or of its class
    ``in_class``); LookupError when there is none."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    body = tree.body
    if in_class is not None:
        body = next(n.body for n in tree.body if isinstance(n, ast.ClassDef)
                    and n.name == in_class)
    for node in body:
        target = (node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1
                  else node.target if isinstance(node, ast.AnnAssign) else None)
        if isinstance(target, ast.Name) and target.id == name and node.value is not None:
            return ast.literal_eval(node.value)
    raise LookupError(name)


@functools.cache
def registry() -> dict[str, tuple[str, str]]:
    """ISO 3166 code (alpha-2, alpha-3 or alias) -> (module, class name) of every country
    the holidays library knows, read without importing it."""
    try:
        home = _holidays_dir()
        if home is None:
            raise LookupError("holidays")
        table = _literal(home / "registry.py", "COUNTRIES")
        return {code: (module, entry[0]) for module, entry in table.items()
                for code in entry[1:] if 2 <= len(code) <= 3}
    except (OSError, SyntaxError, ValueError, LookupError, StopIteration, AttributeError,
            TypeError):
        return {code: ("", "") for code in _imported()}


@functools.cache
def subdivisions(country: str) -> tuple[str, ...]:
    """The subdivision codes of a known country."""
    module, cls = registry()[country]
    try:
        home = _holidays_dir()
        if home is None or not module:
            raise LookupError(country)
        return tuple(_literal(home / "countries" / f"{module}.py", "subdivisions", cls))
    except (OSError, SyntaxError, ValueError, LookupError, StopIteration, TypeError):
        return _imported()[country]


@functools.cache
def _imported() -> dict[str, tuple[str, ...]]:
    """The library's own answer (imports every country: slow)."""
    import holidays

    return {c: tuple(subs) for c, subs in holidays.list_supported_countries().items()}




def _cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "slalang"


@functools.cache
def _library_version() -> str:
    """The installed holidays library's version: from its ``holidays-X.Y.dist-info`` folder
    beside the package when there is one (importing importlib.metadata to ask costs more
    than the cached dates save on a small run), else from the package metadata."""
    home = _holidays_dir()
    if home is not None:
        found = sorted(home.parent.glob("holidays-*.dist-info"))
        if len(found) == 1:
            return found[0].name[len("holidays-"):-len(".dist-info")]
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("holidays")
    except PackageNotFoundError:
        return "unknown"


def holiday_dates(country: str, subdivision: str | None, year: int) -> frozenset[dt.date]:
    """The public holidays of ``country`` (and ``subdivision``) in ``year``, from the cache
    when this library version computed them before."""
    name = f"holidays-{_library_version()}-{country}-{subdivision or ''}.json"
    file = _cache_dir() / name
    try:
        known = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        known = {}
    if str(year) in known:
        return frozenset(dt.date.fromisoformat(d) for d in known[str(year)])
    import holidays as holidays_lib  # only on a cache miss

    dates = frozenset(holidays_lib.country_holidays(country, subdiv=subdivision, years=year))
    known[str(year)] = sorted(d.isoformat() for d in dates)
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=file.parent, prefix=f".{name}.")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(known, out)
        os.replace(tmp, file)
    except OSError:
        pass  # an unwritable cache only costs the computation next time
    return dates
