"""What keeps a user's template from exhausting the machine or reading files.

The sandbox (:class:`slalang.render.environment.GuardedSandbox`) refuses the Python internals;
this module bounds the rest: the size of any one string a template builds (``'%09999999d'``,
``center(999999999)``, ``[s] * 100000 | join``), the size of the numbers it computes
(``((10**1000)**1000)**1000``), the time a render may take and the size of what it produces,
and which files a template folder may hand to Jinja (a symlink to /etc/passwd is not a
template).
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import jinja2
from jinja2.exceptions import SecurityError
from jinja2.loaders import split_template_path

from slalang.render.errors import RenderError

#: the longest string one template operation may build
MAX_STRING = 1_000_000
#: the largest integer a template may compute, in bits (about 30,000 digits)
MAX_BITS = 100_000
#: the most characters a rendered document may have
MAX_OUTPUT = 64 << 20
#: the most seconds a render may take
RENDER_SECONDS = 10.0
#: the largest template file read
MAX_TEMPLATE_BYTES = 1 << 20

#: a printf-style conversion: its width and precision
_PRINTF = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")
#: a format-spec width or precision in ``str.format`` / ``format()``
_SPEC_NUMBER = re.compile(r"\d+")


def check_printf(fmt: str) -> None:
    """Refuse a ``%`` format whose width or precision would build a huge string.

    >>> check_printf("%05.2f %s")
    >>> check_printf("%0999999999d")
    Traceback (most recent call last):
    jinja2.exceptions.SecurityError: a format width or precision above 1000000
    """
    for match in _PRINTF.finditer(fmt):
        for number in match.groups():
            if number == "*" or (number is not None and int(number) > MAX_STRING):
                raise SecurityError(f"a format width or precision above {MAX_STRING}")


def check_spec(spec: str) -> None:
    """Refuse a ``format()`` spec (``{:>999999999}``) with a huge width or precision."""
    if any(int(n) > MAX_STRING for n in _SPEC_NUMBER.findall(spec)):
        raise SecurityError(f"a format width or precision above {MAX_STRING}")


def check_int(value: Any) -> Any:
    """Refuse an integer larger than :data:`MAX_BITS` (returned as is otherwise)."""
    if isinstance(value, int) and value.bit_length() > MAX_BITS:
        raise SecurityError(f"a number above {MAX_BITS} bits")
    return value


def check_power(base: Any, exponent: Any) -> None:
    """Refuse ``base ** exponent`` when the result would exceed :data:`MAX_BITS`, before
    computing it (a big power is one long C call nothing can interrupt).

    >>> check_power(10, 1000)
    >>> check_power(10 ** 1000, 1000)
    Traceback (most recent call last):
    jinja2.exceptions.SecurityError: a number above 100000 bits
    """
    if isinstance(base, int) and isinstance(exponent, int) and exponent > 0 \
            and abs(base) > 1 and (abs(base).bit_length() - 1) * exponent > MAX_BITS:
        raise SecurityError(f"a number above {MAX_BITS} bits")
    if isinstance(base, float) or isinstance(exponent, float):
        return  # floats overflow to an error or inf, quickly


def check_product(left: Any, right: Any) -> None:
    """Refuse ``left * right`` that would build a huge integer or sequence."""
    if isinstance(left, int) and isinstance(right, int) \
            and left.bit_length() + right.bit_length() > MAX_BITS:
        raise SecurityError(f"a number above {MAX_BITS} bits")


def _length(value: Any) -> int:
    return len(value) if isinstance(value, str | list | tuple) else len(str(value))


#: str methods that build a string of a length given by an argument, or bounded by one
_WIDTH_METHODS = frozenset({"center", "ljust", "rjust", "zfill"})


def check_call(obj: Any) -> Callable[..., None] | None:
    """A check for calling ``obj`` with given arguments, when ``obj`` is a str method that
    can build a huge string (None otherwise)."""
    owner = getattr(obj, "__self__", None)
    name = getattr(obj, "__name__", "")
    if not isinstance(owner, str):
        return None
    if name in _WIDTH_METHODS:
        def width(*args: Any, **kwargs: Any) -> None:
            size = args[0] if args else kwargs.get("width", 0)
            if isinstance(size, int) and size > MAX_STRING:
                raise SecurityError(f"a string wider than {MAX_STRING} characters")
        return width
    if name == "expandtabs":
        def tabs(*args: Any, **kwargs: Any) -> None:
            size = args[0] if args else kwargs.get("tabsize", 8)
            if isinstance(size, int) and size * (owner.count("\t") + 1) > MAX_STRING:
                raise SecurityError(f"a string longer than {MAX_STRING} characters")
        return tabs
    if name == "replace":
        def replace(old: Any = "", new: Any = "", *rest: Any) -> None:
            if isinstance(old, str) and isinstance(new, str):
                hits = owner.count(old) if old else len(owner) + 1
                if len(owner) + hits * len(new) > MAX_STRING:
                    raise SecurityError(f"a string longer than {MAX_STRING} characters")
        return replace
    if name == "join":
        def join(items: Any = (), *rest: Any) -> None:
            check_join(items, owner)
        return join
    return None


def check_join(items: Any, separator: str = "") -> None:
    """Refuse joining ``items`` into a string longer than :data:`MAX_STRING`."""
    if isinstance(items, list | tuple):
        total = len(separator) * max(len(items) - 1, 0)
        for item in items:
            total += _length(item)
            if total > MAX_STRING:
                raise SecurityError(f"a string longer than {MAX_STRING} characters")


def guard_filters(filters: dict[str, Callable]) -> None:
    """Wrap the builtin filters that take a width or build a string from many pieces."""
    def wrap(name: str, check: Callable[..., None]) -> None:
        original = filters.get(name)
        if original is None:
            return

        def guarded(*args: Any, **kwargs: Any) -> Any:
            # the environment or evaluation context Jinja passes first is not the value
            given = [a for a in args if not isinstance(
                a, jinja2.Environment | jinja2.nodes.EvalContext)]
            check(*given, **kwargs)
            return original(*args, **kwargs)

        for attr in ("jinja_pass_arg",):  # keep the context/environment flags Jinja reads
            if hasattr(original, attr):
                setattr(guarded, attr, getattr(original, attr))
        filters[name] = guarded

    def width(value: Any, size: Any = 80, *rest: Any, **kwargs: Any) -> None:
        if isinstance(size, int) and size > MAX_STRING:
            raise SecurityError(f"a string wider than {MAX_STRING} characters")

    def indent(value: Any, size: Any = 4, *rest: Any, **kwargs: Any) -> None:
        if isinstance(size, str):
            size = len(size)
        if isinstance(size, int) and size * (str(value).count("\n") + 1) > MAX_STRING:
            raise SecurityError(f"a string longer than {MAX_STRING} characters")

    def printf(value: Any, *args: Any, **kwargs: Any) -> None:
        if isinstance(value, str):
            check_printf(value)

    def join(value: Any = (), separator: Any = "", *rest: Any, **kwargs: Any) -> None:
        check_join(value, separator if isinstance(separator, str) else "")

    def replace(value: Any = "", old: Any = "", new: Any = "", *rest: Any,
                **kwargs: Any) -> None:
        if isinstance(value, str):
            check_call(value.replace)(old, new)  # type: ignore[misc]

    wrap("center", width)
    wrap("indent", indent)
    wrap("format", printf)
    wrap("join", join)
    wrap("replace", replace)
    wrap("wordwrap", width)


class ConfinedLoader(jinja2.FileSystemLoader):
    """A file loader that hands out only regular files inside its folders: a symlink that
    resolves outside (to /etc/passwd, to /dev/zero) is refused, as is a huge file."""

    def get_source(self, environment: jinja2.Environment, template: str
                   ) -> tuple[str, str, Callable[[], bool]]:
        pieces = split_template_path(template)
        for root in self.searchpath:
            path = os.path.join(root, *pieces)
            if not os.path.lexists(path):
                continue
            top = os.path.realpath(root)
            real = os.path.realpath(path)
            if os.path.commonpath([top, real]) != top:
                raise RenderError(f"template {template!r} in {root} resolves outside its "
                                  "folder; templates cannot read other files")
            if not os.path.isfile(real):
                continue
            if os.path.getsize(real) > MAX_TEMPLATE_BYTES:
                raise RenderError(f"template {template!r} in {root} is larger than "
                                  f"{MAX_TEMPLATE_BYTES // 1024} KiB")
            return super().get_source(environment, template)
        raise jinja2.TemplateNotFound(template)


class OverBudget(Exception):
    """A render ran longer than :data:`RENDER_SECONDS` (raised inside the template code)."""


@contextlib.contextmanager
def time_budget(seconds: float) -> Iterator[None]:
    """Interrupt the template code after ``seconds`` (a SIGALRM timer, so only on the main
    thread; elsewhere the output budget and the per-operation bounds still hold)."""
    if threading.current_thread() is not threading.main_thread() or \
            not hasattr(signal, "setitimer"):
        yield
        return

    start = time.monotonic()
    outer = signal.getitimer(signal.ITIMER_REAL)[0]  # a caller's own alarm, if any
    theirs_first = 0 < outer < seconds

    def interrupt(signum: int, frame: Any) -> None:
        if theirs_first and callable(previous):  # the caller's deadline came first
            previous(signum, frame)
        if not _rendering(frame):
            # the alarm landed outside the render's own code (a garbage-collector callback,
            # a finaliser), where an exception would be swallowed: try again very soon
            signal.setitimer(signal.ITIMER_REAL, 0.005)
            return
        raise OverBudget(f"the render took longer than {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, outer if theirs_first else seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer:  # give the caller's alarm back what is left of it
            signal.setitimer(signal.ITIMER_REAL,
                             max(outer - (time.monotonic() - start), 0.001))


#: where the code of a render lives: Jinja, MarkupSafe, slalang's renderers and filters
_RENDER_CODE = (os.sep + "jinja2" + os.sep, os.sep + "markupsafe" + os.sep,
                os.sep + "slalang" + os.sep + "render" + os.sep)


def _rendering(frame: Any) -> bool:
    """Whether ``frame`` runs a template or the code a template calls (so an exception
    raised there unwinds the render)."""
    if frame is None:
        return False
    name = frame.f_code.co_filename
    template_module = "environment" in frame.f_globals and "__file__" in frame.f_globals
    return (name.endswith(".j2") or name == "<template>" or template_module
            or any(part in name for part in _RENDER_CODE))


def render_within_budget(template: jinja2.Template, context: dict[str, Any],
                         limited: bool = True) -> str:
    """Render ``template`` piece by piece, stopping past :data:`MAX_OUTPUT` characters or
    :data:`RENDER_SECONDS` seconds (``limited`` False: the shipped templates only, which may
    render a portfolio of any size; the per-operation bounds hold all the same)."""
    if not limited:
        return template.render(context)
    parts: list[str] = []
    size = 0
    start = time.monotonic()
    with time_budget(RENDER_SECONDS):
        for piece in template.generate(context):
            size += len(piece)
            if size > MAX_OUTPUT:
                raise OverBudget(f"the rendered document exceeds {MAX_OUTPUT >> 20} MiB")
            if time.monotonic() - start > RENDER_SECONDS:
                raise OverBudget(f"the render took longer than {RENDER_SECONDS:g} s")
            parts.append(piece)
    return "".join(parts)
