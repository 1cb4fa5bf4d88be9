"""The TextMate grammar (editors/vscode), tokenized as VS Code does it (vscode-textmate with
oniguruma, under node): every token of every shipped policy and valid fixture gets a scope,
none an `invalid` one; its keywords are the language's."""

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from slalang.lsp.analysis import keywords

ROOT = Path(__file__).resolve().parents[2]
EDITOR = ROOT / "editors" / "vscode"
GRAMMAR = EDITOR / "syntaxes" / "slalang.tmLanguage.json"
FILES = sorted((ROOT / "policies").glob("*.sla")) + sorted(
    p for p in (ROOT / "tests" / "language" / "fixtures").glob("*.sla")
    if not p.name.startswith("syntax_"))


def test_the_grammar_knows_every_keyword():
    grammar = json.loads(GRAMMAR.read_text(encoding="utf-8"))
    patterns = json.dumps(grammar["repository"]["keyword"])
    alternatives = set(re.findall(r"[a-z_]+", re.search(r"\\\\b\((.*?)\)", patterns)[1]))
    assert set(keywords()) <= alternatives


def test_the_extension_starts_the_language_server():
    manifest = json.loads((EDITOR / "package.json").read_text(encoding="utf-8"))
    language = manifest["contributes"]["languages"][0]
    assert (language["id"], language["extensions"]) == ("slalang", [".sla"])
    assert manifest["contributes"]["grammars"][0]["path"] == "./syntaxes/slalang.tmLanguage.json"
    setting = manifest["contributes"]["configuration"]["properties"]["slalang.server.command"]
    assert setting["default"] == ["slalang", "lsp", "--stdio"]
    assert "LanguageClient" in (EDITOR / "extension.js").read_text(encoding="utf-8")


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node (Debian's nodejs)")
@pytest.mark.skipif(not (EDITOR / "node_modules" / "vscode-textmate").exists(),
                    reason="needs the grammar test's packages: npm install --prefix "
                           "editors/vscode (.ci/run does)")
def test_every_token_of_every_policy_is_scoped():
    out = subprocess.run(["node", str(EDITOR / "test" / "tokenize.js"), *map(str, FILES)],
                         capture_output=True, text=True, timeout=120, check=True)
    result = json.loads(out.stdout)
    assert result["tokens"] > 5000
    assert {f: p for f, p in result["report"].items() if p} == {}


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node (Debian's nodejs)")
@pytest.mark.skipif(not (EDITOR / "node_modules" / "vscode-textmate").exists(),
                    reason="needs the grammar test's packages: npm install --prefix "
                           "editors/vscode (.ci/run does)")
def test_the_grammar_test_alone_reads_the_policies_and_never_passes_on_nothing(tmp_path):
    """Regression: `npm run test:grammar` (no file) printed {"tokens":0} and exited 0."""
    script = str(EDITOR / "test" / "tokenize.js")
    alone = subprocess.run(["node", script], capture_output=True, text=True, timeout=120)
    assert alone.returncode == 0, alone.stderr
    result = json.loads(alone.stdout)
    assert sorted(result["report"]) == sorted(
        str(p) for p in (ROOT / "policies").glob("*.sla"))
    assert result["tokens"] > 1000
    empty = tmp_path / "empty.sla"
    empty.write_text("", encoding="utf-8")
    nothing = subprocess.run(["node", script, str(empty)], capture_output=True, text=True,
                             timeout=120)
    assert nothing.returncode == 1 and "no token read" in nothing.stderr
    junk = tmp_path / "junk.sla"
    junk.write_text("tier € @\n", encoding="utf-8")
    bad = subprocess.run(["node", script, str(junk)], capture_output=True, text=True,
                         timeout=120)
    assert bad.returncode == 1 and "unscoped or invalid" in bad.stderr
