"""Rendering: the policy and its outcomes as documents people read.

:func:`render_contract` renders the contract appendix; the Jinja environment
(:func:`make_environment`) and the wording (:class:`Wording`) are shared with the reports.
"""

from slalang.render.contract import contract_context, render_contract
from slalang.render.environment import make_environment, render_template
from slalang.render.errors import RenderError
from slalang.render.i18n import LANGS, Wording

__all__ = [
    "LANGS",
    "RenderError",
    "Wording",
    "contract_context",
    "make_environment",
    "render_contract",
    "render_template",
]
