"""Highlighting of policies outside an editor: a Pygments lexer registered as ``slalang``
(entry point ``pygments.lexers``), used by the documentation site and anything else that
highlights with Pygments. The keywords come from the grammar's named keyword terminals, so a
new keyword is highlighted as soon as the grammar has it."""

from slalang.highlight.lexer import SlalangLexer

__all__ = ["SlalangLexer"]
