"""Finding the grammar and building the parser, once.

The grammar lives at the top of the repository (``grammar/slalang.lark``) and is carried inside
the wheel as ``slalang/grammar/slalang.lark``; we look in the installed package first, then in
the checkout (editable installs).
"""

from __future__ import annotations

import contextvars
import functools
from importlib import resources
from pathlib import Path

from lark import Lark, Token

GRAMMAR_NAME = "slalang.lark"

#: comments of the file being parsed; Lark calls the callback for ignored COMMENT tokens
_comment_sink: contextvars.ContextVar[list[Token] | None] = contextvars.ContextVar(
    "slalang_comments", default=None)


def grammar_text() -> str:
    """The grammar source, from the installed package or the checkout."""
    packaged = resources.files("slalang").joinpath("grammar", GRAMMAR_NAME)
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    checkout = Path(__file__).resolve().parents[2] / "grammar" / GRAMMAR_NAME
    return checkout.read_text(encoding="utf-8")


def _collect_comment(token: Token) -> Token:
    sink = _comment_sink.get()
    if sink is not None:
        sink.append(token)
    return token


@functools.cache
def parser() -> Lark:
    """The LALR parser, built on first use and cached for the process.

    ``cache=True`` also keeps the built tables in a file of the temporary directory, keyed by
    the grammar's hash, which cuts the start-up of every later ``slalang`` run by about two
    thirds.
    """
    return Lark(grammar_text(), parser="lalr", lexer="contextual", propagate_positions=True,
                maybe_placeholders=False, lexer_callbacks={"COMMENT": _collect_comment},
                cache=True)


def parse_collecting_comments(source: str):
    """Parse ``source``; return the Lark tree and the comment tokens in source order."""
    sink: list[Token] = []
    token = _comment_sink.set(sink)
    try:
        tree = parser().parse(source)
    finally:
        _comment_sink.reset(token)
    return tree, sink
