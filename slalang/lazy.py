"""Package facades whose public names are imported on first use.

``import slalang`` (and every CLI verb) should not pay for numpy, pyarrow or the holiday
tables until a stage needs them; a package's ``__init__`` names its public objects and the
module that defines each, and :func:`exports` gives the module ``__getattr__`` (PEP 562)
that imports them when first read.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def exports(package: str, module_of: dict[str, str], namespace: dict[str, Any]
            ) -> Callable[[str], Any]:
    """The ``__getattr__`` of ``package``: ``name`` imported from ``module_of[name]`` and
    kept in ``namespace`` (the package's globals), so it is looked up once.

    >>> ns = {}
    >>> get = exports("pkg", {"sqrt": "math"}, ns)
    >>> get("sqrt")(9.0), "sqrt" in ns
    (3.0, True)
    """

    def __getattr__(name: str) -> Any:
        module = module_of.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value

    return __getattr__
