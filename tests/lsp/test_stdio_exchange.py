"""`slalang lsp` as an editor sees it: a real exchange over stdio with a subprocess
(initialize, didOpen with an error, didChange, hover, definition, references, symbols,
completion, formatting, shutdown)."""

import shutil
import sys
from pathlib import Path

import pytest
from lsp_client import Client

pytest.importorskip("pygls")

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def workspace(tmp_path):
    shutil.copy(ROOT / "policies" / "reference.sla", tmp_path / "reference.sla")
    shutil.copy(ROOT / "policies" / "customers.yaml", tmp_path / "customers.yaml")
    return tmp_path


@pytest.fixture
def client(workspace):
    c = Client([sys.executable, "-m", "slalang", "lsp", "--stdio"], cwd=str(workspace))
    init = c.request("initialize", {"processId": None, "rootUri": workspace.as_uri(),
                                    "capabilities": {}})
    caps = init["result"]["capabilities"]
    for feature in ("hoverProvider", "definitionProvider", "referencesProvider",
                    "documentSymbolProvider", "documentFormattingProvider",
                    "completionProvider"):
        assert feature in caps, feature
    c.notify("initialized", {})
    yield c
    assert c.close() == 0


def diagnostics(c: Client, uri: str) -> list[dict]:
    return c.wait(lambda m: m.get("method") == "textDocument/publishDiagnostics"
                  and m["params"]["uri"] == uri)["params"]["diagnostics"]


def at(text: str, needle: str, offset: int = 0) -> dict:
    """The 0-based LSP position of ``needle`` (its first occurrence) plus ``offset``."""
    for n, line in enumerate(text.splitlines()):
        if needle in line:
            return {"line": n, "character": line.index(needle) + offset}
    raise AssertionError(needle)


def test_an_editor_session(client, workspace):
    path = workspace / "reference.sla"
    uri = path.as_uri()
    text = path.read_text(encoding="utf-8")
    # opened with a misspelt calendar: the check's own code, range and hint
    broken = text.replace("response: P1 15m on always", "response: P1 15m on alwayz")
    client.notify("textDocument/didOpen", {"textDocument": {
        "uri": uri, "languageId": "slalang", "version": 1, "text": broken}})
    found = diagnostics(client, uri)
    assert [d["code"] for d in found] == ["SLA101"]
    assert found[0]["range"]["start"] == at(broken, "alwayz")
    assert found[0]["range"]["end"] == at(broken, "alwayz", len("alwayz"))
    assert "alwayz" in found[0]["message"] and "hint:" in found[0]["message"]
    # fixed as it is typed: the diagnostic goes away
    client.notify("textDocument/didChange", {
        "textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": text}]})
    assert diagnostics(client, uri) == []

    doc = {"textDocument": {"uri": uri}}
    # hover on Gold's P2 response: inherited calendar, effective value, the clause
    hovered = client.request("textDocument/hover", {**doc, "position": at(
        text, "response: P1 15m on always, P2 1h", len("response: P1 15m on always, "))})
    value = hovered["result"]["contents"]["value"]
    assert value.startswith("**Gold · response P2**: 1h of `office` time, objective 95%")
    assert "Monday to Friday" in value and "reference.sla:74" in value

    # go to definition of `always` lands on the calendar's name
    target = client.request("textDocument/definition", {**doc, "position": at(
        text, "response: P1 15m on always", len("response: P1 15m on "))})["result"]
    assert target["range"]["start"] == at(text, "calendar always", len("calendar "))
    refs = client.request("textDocument/references", {**doc, "position": at(
        text, "calendar always", len("calendar ")), "context": {"includeDeclaration": True}})
    assert len(refs["result"]) == 3  # the definition and two targets on it

    outline = client.request("textDocument/documentSymbol", doc)["result"]
    assert [s["name"] for s in outline if s["kind"] == 5] == ["Bronze", "Silver", "Gold"]

    done = client.request("textDocument/completion", {**doc, "position": at(
        text, "response: P1 15m on always", len("response: P1 15m on al"))})["result"]
    assert [i["label"] for i in done["items"]] == ["always"]

    # formatting a messy copy gives one edit whose text is fmt's
    messy = text.replace("    response on office: P1 2h", "  response   on office:  P1 2h")
    client.notify("textDocument/didChange", {
        "textDocument": {"uri": uri, "version": 3}, "contentChanges": [{"text": messy}]})
    diagnostics(client, uri)
    edits = client.request("textDocument/formatting", {
        **doc, "options": {"tabSize": 4, "insertSpaces": True}})["result"]
    assert len(edits) == 1 and edits[0]["newText"] == text
