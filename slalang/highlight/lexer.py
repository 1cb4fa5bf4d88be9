"""The Pygments lexer for slalang policies.

Every character of a valid policy gets a token other than ``Error``: the tests lex every
shipped policy and fixture, and the documentation build fails on an ``Error`` token in a
``slalang`` block.
"""

from __future__ import annotations

import re

from pygments.lexer import RegexLexer, bygroups, words
from pygments.token import (
    Comment,
    Keyword,
    Name,
    Number,
    Operator,
    Punctuation,
    String,
    Whitespace,
)


def _keywords() -> tuple[str, ...]:
    from slalang.language.grammar import grammar_text

    return tuple(sorted(set(re.findall(r'^[A-Z_]+(?:\.\d+)?:\s*"([a-z_-]+)"', grammar_text(),
                                       re.M)), key=len, reverse=True))


_DEFINED = r"(calendar|clock|tier)(\s+)([A-Za-z_][A-Za-z0-9_]*)"


class SlalangLexer(RegexLexer):
    """slalang: SLA policies as code (``*.sla``)."""

    name = "slalang"
    aliases = ["slalang", "sla"]
    filenames = ["*.sla"]
    mimetypes = ["text/x-slalang"]
    url = "https://slalang.dev"

    tokens = {
        "root": [
            (r"\s+", Whitespace),
            (r"#[^\r\n]*", Comment.Single),
            (r'"([^"\\\n]|\\.)*"', String.Double),
            # a declaration names what it defines
            (_DEFINED, bygroups(Keyword.Declaration, Whitespace, Name.Class)),
            (r"(extends)(\s+)([A-Za-z_][A-Za-z0-9_]*)",
             bygroups(Keyword, Whitespace, Name.Class)),
            (r"24x7(?![A-Za-z0-9_])", Keyword),  # `calendar always 24x7`
            # literals, longest first (the grammar's own order)
            (r"\d{4}-\d{2}-\d{2}", Number.Integer),  # date
            (r"\d{2}-\d{2}(?![\d:])", Number.Integer),  # month-day
            (r"\d{1,2}:\d{2}", Number.Integer),  # time
            (r"(\d+(days|day|d|h|m|s)(?![A-Za-z_]))+", Number),  # duration
            (r"\d+(\.\d+)?\s*%", Number.Float),  # percent
            (r"\d+(\.\d+)?", Number),
            (r"(mon|tue|wed|thu|fri|sat|sun)(?![A-Za-z0-9_])", Name.Builtin),
            (words(_keywords(), suffix=r"(?![A-Za-z0-9_])"), Keyword),
            (r"[A-Za-z_][A-Za-z0-9_]*", Name),
            (r"->|!=|=|<|-", Operator),
            (r"[{}():,]", Punctuation),
        ],
    }

    def analyse_text(text: str) -> float:  # noqa: N805 - Pygments calls it unbound
        return 0.8 if re.search(r'^policy\s+"', text, re.M) else 0.0



