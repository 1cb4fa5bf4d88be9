"""The Pygments lexer: found by name through its entry point, every token of every shipped
policy and valid fixture read (no Error token), and the docs hook failing on one."""

from pathlib import Path
from types import SimpleNamespace

import pytest
from pygments.lexers import get_lexer_by_name, get_lexer_for_filename
from pygments.token import Error, Keyword, Name, Number

from slalang.highlight.lexer import SlalangLexer

ROOT = Path(__file__).resolve().parents[2]
POLICIES = sorted((ROOT / "policies").glob("*.sla")) + sorted(
    p for p in (ROOT / "tests" / "language" / "fixtures").glob("*.sla")
    if not p.name.startswith("syntax_"))


def test_pygments_finds_the_lexer_by_name_and_file_name():
    assert isinstance(get_lexer_by_name("slalang"), SlalangLexer)
    # Slash files end in .sla too: the text decides, as it does for Pygments users
    text = (ROOT / "policies" / "reference.sla").read_text(encoding="utf-8")
    assert isinstance(get_lexer_for_filename("reference.sla", code=text), SlalangLexer)


@pytest.mark.parametrize("path", POLICIES, ids=lambda p: p.name)
def test_every_character_of_a_policy_gets_a_token(path):
    text = path.read_text(encoding="utf-8")
    tokens = list(SlalangLexer().get_tokens(text))
    assert [v for t, v in tokens if t is Error] == []
    assert "".join(v for _, v in tokens) == text.rstrip("\n") + "\n"


def test_the_tokens_say_what_the_words_are():
    tokens = [(t, v) for t, v in SlalangLexer().get_tokens(
        "tier Gold extends Silver {\n    response: P1 15m on always objective 95% over at "
        "least 20 tickets\n}\n") if v.strip()]
    assert tokens[:4] == [(Keyword.Declaration, "tier"), (Name.Class, "Gold"),
                          (Keyword, "extends"), (Name.Class, "Silver")]
    kinds = dict((v, t) for t, v in tokens)
    assert kinds["15m"] in Number and kinds["95%"] in Number
    assert kinds["objective"] is Keyword and kinds["least"] is Keyword
    assert kinds["P1"] is Name


def test_the_docs_hook_fails_on_a_block_the_lexer_cannot_read():
    pytest.importorskip("mkdocs")
    from mkdocs.exceptions import PluginError

    from slalang.highlight.mkdocs_hook import on_page_markdown

    page = SimpleNamespace(file=SimpleNamespace(src_path="x.md"))
    good = "text\n\n```slalang\ntier A {\n    cap 10%\n}\n```\n"
    assert on_page_markdown(good, page, None, None) == good
    with pytest.raises(PluginError, match=r"x.md:5: .* '~'"):
        on_page_markdown("a\n\n```slalang\ntier A {\n    cap ~\n}\n```\n", page, None, None)
