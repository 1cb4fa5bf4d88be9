"""A MkDocs hook (``hooks:`` in mkdocs.yml): every ``slalang`` code block of the site must lex
without an error token, through the lexer Pygments finds by name, so the build fails on a
policy example the highlighter cannot read (or when the lexer is not installed)."""

from __future__ import annotations

import re

from mkdocs.exceptions import PluginError

BLOCK = re.compile(r"^```slalang[ \t]*\n(.*?)^```", re.M | re.S)


def on_page_markdown(markdown: str, page, config, files) -> str:
    from pygments.lexers import get_lexer_by_name
    from pygments.token import Error
    from pygments.util import ClassNotFound

    try:
        lexer = get_lexer_by_name("slalang")
    except ClassNotFound:
        raise PluginError("Pygments has no 'slalang' lexer: install slalang (pip install -e .) "
                          "so its pygments.lexers entry point is registered") from None
    for block in BLOCK.finditer(markdown):
        line = markdown.count("\n", 0, block.start(1)) + 1
        text = block.group(1)
        offset = 0
        for token, value in lexer.get_tokens(text):
            if token is Error:
                where = line + text.count("\n", 0, offset)
                raise PluginError(f"{page.file.src_path}:{where}: the slalang lexer cannot "
                                  f"read {value!r} in this policy example")
            offset += len(value)
    return markdown
