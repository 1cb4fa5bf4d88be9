"""The Jinja2 environment every rendered document shares (contract appendix, reports).

Templates ship in the package (``slalang/render/templates/``); a user may point at a folder of
their own whose files override the shipped ones by name (``contract/contract.md.j2``). The
environment is always a :class:`~jinja2.sandbox.SandboxedEnvironment` (:class:`GuardedSandbox`):
a template written by a customer or a colleague cannot reach Python internals, run code, read
files, or build a gigantic string or number. Undefined
variables are errors (``StrictUndefined``), never blanks; ``.html``/``.html.j2`` templates are
autoescaped.

Filters registered (all bound to the environment's language and time zone, see
:class:`Wording`; text numbers are the evaluation's exact decimals and keep their digits):

============== ===================================================== =======================
filter         does                                                  example (it)
============== ===================================================== =======================
``money``      amount (``Money``, number or text + currency)         ``4.000,00 €``
``number``     number with the locale's separators                   ``1.234,5``
``percent``    a percentage given in percent units                   ``99,5%``
``date``       a date or an instant's date (``format="long"``)       ``1º gennaio 2026``
``datetime``   an instant, datetime or ISO text (``format``, ``tz``) ``13 set 2026 03:10``
``month``      a ``YYYY-MM`` month (``short=True``)                  ``settembre 2026``
``duration``   seconds in words (``business=True``; ``short=True``)  ``4 ore lavorative``
``metric``     a metric's name (``form="title"``)                    ``Tempo di risposta``
``words``      a list as prose (``style="or"``)                      ``a, b e c``
``quote``      a code quoted as the language does                    ``«email»``
``md``         text safe in Markdown (table cells too)               ``a \\| b``
============== ===================================================== =======================

Globals: ``t(key, count=None, **args)`` reads the message catalogue; ``lang`` is ``en``/``it``.
"""

from __future__ import annotations

import os
import re
import traceback
from pathlib import Path
from typing import Any

import jinja2
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

from slalang.errors import SlalangError
from slalang.render import guards
from slalang.render.errors import RenderError
from slalang.render.i18n import Wording
from slalang.render.wording import metric_words

#: where the shipped templates live inside the package
PACKAGE_TEMPLATES = Path(__file__).parent / "templates"


def md(value: Any) -> str:
    """Text safe in Markdown, table cells included: backslashes, pipes, ``*``, HTML's ``<``
    and ``>``, link brackets and backticks escaped (a name cannot smuggle markup or a
    ``<script>`` into a Markdown document or the HTML made from it), and ``_`` where it could
    start or end emphasis (``night_shift`` stays as it is); line breaks flattened, a no-break
    space kept.

    >>> md("a | *b*\\nc_d _e_")
    'a \\\\| \\\\*b\\\\* c_d \\\\_e\\\\_'
    >>> md("<script>[x](y)`")
    '\\\\<script\\\\>\\\\[x\\\\](y)\\\\`'
    """
    text = str(value)
    for char in ("\\", "|", "*", "<", ">", "[", "]", "`"):
        text = text.replace(char, "\\" + char)
    text = _EMPHASIS_UNDERSCORE.sub(r"\\_", text)
    # only line breaks and tabs are flattened: a no-break space (in "2.500,00 €") stays
    return " ".join(re.split(r"[ \t\r\n]+", text)).strip()


#: an underscore not inside a word (CommonMark ignores intraword underscores)
_EMPHASIS_UNDERSCORE = re.compile(r"(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])")


#: the longest string or list a template may build with ``*``
MAX_REPEAT = 100_000
#: the largest exponent a template may use with ``**``
MAX_EXPONENT = 1_000


class GuardedSandbox(SandboxedEnvironment):
    """The sandbox, also refusing the cheap ways a template can exhaust memory or CPU:
    ``"x" * 10**10``, ``7 ** 100000000``, ``((10**1000)**1000)**1000``, ``'%0999999999d' % 1``,
    ``'x'.center(999999999)`` and joins or replacements into gigantic strings (see
    :mod:`slalang.render.guards`)."""

    intercepted_binops = frozenset({"*", "**", "%"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(times, int) \
                        and len(seq) * times > MAX_REPEAT:
                    raise SecurityError(f"a sequence repeated to more than {MAX_REPEAT} items")
            guards.check_product(left, right)
        if operator == "**":
            if isinstance(right, (int, float)) and abs(right) > MAX_EXPONENT:
                raise SecurityError(f"an exponent above {MAX_EXPONENT}")
            guards.check_power(left, right)
        if operator == "%" and isinstance(left, str):
            guards.check_printf(left)
        return super().call_binop(context, operator, left, right)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        check = guards.check_call(__obj)
        if check is not None:
            check(*args, **kwargs)
        return super().call(__context, __obj, *args, **kwargs)

    def wrap_str_format(self, value: Any) -> Any:
        # str.format and format_map: no field as wide as '{:999999999}'
        wrapped = super().wrap_str_format(value)
        if wrapped is not None:
            for field in re.findall(r"\{[^{}]*\}", value.__self__):
                guards.check_spec(field)
        return wrapped


class CompiledTemplates(jinja2.BytecodeCache):
    """Templates compiled once per process and shared by every environment
    :func:`make_environment` makes (one per document: a folder of 5,000 customer reports
    compiled the report's templates 5,000 times, 90 % of each report's 43 ms).

    Kept by template name and file, and used only when the source's checksum matches, so an
    edited template (a user's folder in a long-lived process) is compiled again. Compiled
    code depends on the environment's settings, which :func:`make_environment` gives every
    environment alike (only the filters and globals differ, and they are looked up when a
    template runs)."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


_COMPILED = CompiledTemplates()


def make_environment(lang: str = "en", templates_dir: str | os.PathLike | None = None,
                     timezone: str | None = None) -> SandboxedEnvironment:
    """A sandboxed environment for ``lang``, user templates (if any) before the shipped ones;
    instants are shown in ``timezone`` (the policy's, for a report).

    >>> env = make_environment("it")
    >>> env.from_string("{{ 2500 | money('EUR') }}").render()
    '2.500,00\\xa0€'
    """
    wording = Wording(lang, timezone)
    loaders: list[jinja2.BaseLoader] = []
    if templates_dir is not None:
        folder = Path(templates_dir)
        if not folder.is_dir():
            raise RenderError(f"template folder {str(folder)!r} does not exist")
        loaders.append(guards.ConfinedLoader(str(folder)))
    loaders.append(guards.ConfinedLoader(str(PACKAGE_TEMPLATES)))
    env = GuardedSandbox(
        loader=jinja2.ChoiceLoader(loaders),
        undefined=jinja2.StrictUndefined,
        autoescape=jinja2.select_autoescape(
            enabled_extensions=("html", "htm", "xml", "html.j2", "htm.j2"),
            default_for_string=False, default=False),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        bytecode_cache=_COMPILED,
    )
    env.filters.update(
        money=wording.money,
        number=wording.number,
        percent=wording.percent,
        date=wording.date,
        datetime=wording.datetime,
        month=wording.month_label,
        duration=wording.duration,
        metric=lambda code, form="title": metric_words(wording, code, form),
        words=wording.join,
        quote=wording.quote,
        md=md,
    )
    guards.guard_filters(env.filters)
    env.globals.update(t=wording.t, lang=lang)
    #: kept for callers that build context text with the same language
    env.wording = wording  # type: ignore[attr-defined]
    #: a user's folder is in play: its renders get a time and output budget
    env.user_templates = templates_dir is not None  # type: ignore[attr-defined]
    env.template_roots = (  # type: ignore[attr-defined]
        [str(Path(templates_dir))] if templates_dir is not None else []
    ) + [str(PACKAGE_TEMPLATES)]
    return env


def render_template(env: jinja2.Environment, name: str, context: dict[str, Any]) -> str:
    """Render template ``name`` with ``context``; any failure becomes a :class:`RenderError`
    naming the template and line (undefined variable, sandbox violation, syntax error)."""
    try:
        # bounded in time and size, whoever wrote the template
        return guards.render_within_budget(env.get_template(name), context,
                                           limited=getattr(env, "user_templates", True))
    except guards.OverBudget as exc:
        where, line = _template_frame(env, exc, name)
        raise RenderError(f"{exc}: the template loops or builds too much", template=where,
                          line=line) from None
    except RecursionError as exc:
        where, line = _template_frame(env, exc, name)
        raise RenderError("a macro or include calls itself without end", template=where,
                          line=line) from None
    except jinja2.TemplateSyntaxError as exc:
        raise RenderError(f"syntax error: {exc.message}", template=exc.name or name,
                          line=exc.lineno) from None
    except jinja2.TemplateNotFound as exc:
        roots = ", ".join(getattr(env, "template_roots", []))
        message = f"template {exc.name!r} not found (looked in {roots})"
        if exc.name == name:  # the document's own template is missing
            raise RenderError(message) from None
        where, line = _template_frame(env, exc, name)
        raise RenderError(message, template=where, line=line) from None
    except jinja2.exceptions.SecurityError as exc:
        where, line = _template_frame(env, exc, name)
        raise RenderError(f"not allowed in a template: {exc}", template=where,
                          line=line) from None
    except jinja2.UndefinedError as exc:
        where, line = _template_frame(env, exc, name)
        raise RenderError(f"undefined variable: {exc}", template=where, line=line) from None
    except jinja2.TemplateError as exc:
        where, line = _template_frame(env, exc, name)
        raise RenderError(str(exc), template=where, line=line) from None
    except RenderError as exc:
        if exc.template:
            raise
        where, line = _template_frame(env, exc, name)
        raise RenderError(str(exc), template=where, line=line) from None
    except SlalangError as exc:  # a filter refusing its value (a bad date, a bad month)
        where, line = _template_frame(env, exc, name)
        raise RenderError(str(exc), template=where, line=line) from None
    except MemoryError:
        raise RenderError("the template built more than memory holds", template=name) from None
    except Exception as exc:
        # a template misusing a filter or value: still the template's fault, say where
        where, line = _template_frame(env, exc, name)
        if line is None:  # not from a template: a bug of ours, not the template's
            raise
        raise RenderError(f"{type(exc).__name__}: {exc}", template=where, line=line) from None


def _template_frame(env: jinja2.Environment, exc: BaseException, default: str
                    ) -> tuple[str, int | None]:
    """The innermost template frame of ``exc``'s traceback: (template name, line).

    Jinja rewrites tracebacks so that template code appears with the template's file name and
    line; we map the file back to its name relative to the template folder it came from.
    """
    roots = getattr(env, "template_roots", [])
    found: tuple[str, int | None] = (default, None)
    for frame in traceback.extract_tb(exc.__traceback__):
        filename = frame.filename
        for root in roots:
            if filename.startswith(root + os.sep):
                rel = os.path.relpath(filename, root).replace(os.sep, "/")
                found = (rel, frame.lineno)
    return found
