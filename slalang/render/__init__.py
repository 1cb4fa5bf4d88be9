"""Rendering: the policy and its outcomes as documents people read.

:func:`render_contract` renders the contract appendix and :func:`render_report` the compliance
reports; both go through one Jinja environment (:func:`make_environment`) and one formatting
and message layer (:class:`Wording`, catalogues in ``locales/<lang>.yaml``).
"""

from slalang.render.contract import contract_context, render_contract
from slalang.render.environment import make_environment, render_template
from slalang.render.errors import RenderError
from slalang.render.i18n import LANGS, Wording
from slalang.render.report import render_report

__all__ = [
    "LANGS",
    "RenderError",
    "Wording",
    "contract_context",
    "make_environment",
    "render_contract",
    "render_report",
    "render_template",
]
