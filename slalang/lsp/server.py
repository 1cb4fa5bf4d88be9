"""The language server: :mod:`slalang.lsp.analysis` served over the Language Server Protocol
with pygls (optional extra ``lsp``; imported only by ``slalang lsp``).

Documents are synchronised in full; each change is parsed and checked again (a policy is a
few hundred lines: about 10 ms) and its diagnostics published with the same codes, ranges and
hints as ``slalang check``. Positions are converted between the spans' 1-based lines and
columns (characters) and the protocol's 0-based lines and UTF-16 code units.
"""

from __future__ import annotations

from urllib.parse import unquote, urlparse

from lsprotocol import types as t
from pygls.lsp.server import LanguageServer

from slalang.lsp import analysis
from slalang.model import Span
from slalang.version import __version__

SEVERITY = {"error": t.DiagnosticSeverity.Error, "warning": t.DiagnosticSeverity.Warning}
SYMBOL_KIND = {"policy": t.SymbolKind.File, "calendar": t.SymbolKind.Object,
               "priority": t.SymbolKind.EnumMember, "clock": t.SymbolKind.Function,
               "exclusion": t.SymbolKind.Event, "tier": t.SymbolKind.Class,
               "target": t.SymbolKind.Property}
COMPLETION_KIND = {"keyword": t.CompletionItemKind.Keyword,
                   "calendar": t.CompletionItemKind.Module, "clock": t.CompletionItemKind.Function,
                   "tier": t.CompletionItemKind.Class, "priority": t.CompletionItemKind.EnumMember}

server = LanguageServer("slalang", __version__)
#: per document, its last analysis that built a policy: hover keeps working while the text
#: has an error elsewhere
_known: dict[str, analysis.Analysis] = {}


def path_of(uri: str) -> str:
    """A document's file path (the roster it names is read relative to it)."""
    parsed = urlparse(uri)
    return unquote(parsed.path) if parsed.scheme == "file" else uri


def _utf16(line_text: str, chars: int) -> int:
    return len(line_text[:chars].encode("utf-16-le")) // 2


def _chars(line_text: str, units: int) -> int:
    """The character index at ``units`` UTF-16 code units into the line."""
    count = 0
    for i, ch in enumerate(line_text):
        if count >= units:
            return i
        count += 2 if ord(ch) > 0xFFFF else 1
    return len(line_text)


def to_range(span: Span, lines: list[str]) -> t.Range:
    def pos(line: int, column: int) -> t.Position:
        text = lines[line - 1] if 0 < line <= len(lines) else ""
        return t.Position(max(line - 1, 0), _utf16(text, max(column - 1, 0)))

    end_line = span.end_line or span.line
    end_column = span.end_column or span.column + 1
    return t.Range(pos(span.line, span.column), pos(end_line, end_column))


def from_position(position: t.Position, lines: list[str]) -> tuple[int, int]:
    text = lines[position.line] if position.line < len(lines) else ""
    return position.line + 1, _chars(text, position.character) + 1


def _analysis(ls: LanguageServer, uri: str) -> analysis.Analysis:
    doc = ls.workspace.get_text_document(uri)
    a = analysis.analyse(doc.source, path_of(uri))
    if a.policy is not None:
        _known[uri] = a
    return a


def _publish(ls: LanguageServer, uri: str) -> None:
    a = _analysis(ls, uri)
    lines = a.source.splitlines()
    path = path_of(uri)
    found = []
    for d in a.diagnostics:
        # a finding in another file (the roster) is shown at the top of the policy
        here = d.span.file in (path, "", None)
        span = d.span if here else Span(path, 1, 1, 1, 1)
        message = d.message if here else f"{d.span.file}:{d.span.line}: {d.message}"
        found.append(t.Diagnostic(
            range=to_range(span, lines), message=message + (f"\nhint: {d.hint}" if d.hint
                                                               else ""),
            severity=SEVERITY.get(d.severity, t.DiagnosticSeverity.Information),
            code=d.code, source="slalang"))
    ls.text_document_publish_diagnostics(t.PublishDiagnosticsParams(uri=uri, diagnostics=found))


@server.feature(t.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: LanguageServer, params: t.DidOpenTextDocumentParams) -> None:
    _publish(ls, params.text_document.uri)


@server.feature(t.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: LanguageServer, params: t.DidChangeTextDocumentParams) -> None:
    _publish(ls, params.text_document.uri)


@server.feature(t.TEXT_DOCUMENT_DID_SAVE)
def did_save(ls: LanguageServer, params: t.DidSaveTextDocumentParams) -> None:
    _publish(ls, params.text_document.uri)  # the roster beside it may have changed


@server.feature(t.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: LanguageServer, params: t.DidCloseTextDocumentParams) -> None:
    _known.pop(params.text_document.uri, None)
    ls.text_document_publish_diagnostics(
        t.PublishDiagnosticsParams(uri=params.text_document.uri, diagnostics=[]))


@server.feature(t.TEXT_DOCUMENT_HOVER)
def hover(ls: LanguageServer, params: t.HoverParams) -> t.Hover | None:
    a = _analysis(ls, params.text_document.uri)
    text = analysis.hover(a, *from_position(params.position, a.source.splitlines()),
                          known=_known.get(params.text_document.uri))
    if text is None:
        return None
    return t.Hover(contents=t.MarkupContent(kind=t.MarkupKind.Markdown, value=text))


@server.feature(t.TEXT_DOCUMENT_DEFINITION)
def definition(ls: LanguageServer, params: t.DefinitionParams) -> t.Location | None:
    a = _analysis(ls, params.text_document.uri)
    lines = a.source.splitlines()
    span = analysis.definition(a, *from_position(params.position, lines))
    if span is None:
        return None
    return t.Location(uri=params.text_document.uri, range=to_range(span, lines))


@server.feature(t.TEXT_DOCUMENT_REFERENCES)
def references(ls: LanguageServer, params: t.ReferenceParams) -> list[t.Location]:
    a = _analysis(ls, params.text_document.uri)
    lines = a.source.splitlines()
    spans = analysis.references(a, *from_position(params.position, lines),
                                declaration=params.context.include_declaration)
    return [t.Location(uri=params.text_document.uri, range=to_range(sp, lines)) for sp in spans]


@server.feature(t.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
def document_symbol(ls: LanguageServer, params: t.DocumentSymbolParams
                    ) -> list[t.DocumentSymbol]:
    a = _analysis(ls, params.text_document.uri)
    lines = a.source.splitlines()

    def convert(sym: analysis.Symbol) -> t.DocumentSymbol:
        return t.DocumentSymbol(
            name=sym.name, kind=SYMBOL_KIND[sym.kind], range=to_range(sym.span, lines),
            selection_range=to_range(sym.selection, lines), detail=sym.detail or None,
            children=[convert(c) for c in sym.children])

    return [convert(sym) for sym in analysis.symbols(a)]


@server.feature(t.TEXT_DOCUMENT_COMPLETION)
def completion(ls: LanguageServer, params: t.CompletionParams) -> t.CompletionList:
    a = _analysis(ls, params.text_document.uri)
    line, column = from_position(params.position, a.source.splitlines())
    items = [t.CompletionItem(label=label, kind=COMPLETION_KIND.get(kind), detail=detail)
             for label, kind, detail in analysis.completions(a, line, column)]
    return t.CompletionList(is_incomplete=False, items=items)


@server.feature(t.TEXT_DOCUMENT_FORMATTING)
def formatting(ls: LanguageServer, params: t.DocumentFormattingParams) -> list[t.TextEdit]:
    doc = ls.workspace.get_text_document(params.text_document.uri)
    text = analysis.formatted(doc.source, path_of(params.text_document.uri))
    if text is None or text == doc.source:
        return []
    lines = doc.source.splitlines()
    end = t.Position(len(lines), 0)
    return [t.TextEdit(range=t.Range(t.Position(0, 0), end), new_text=text)]


def serve() -> None:
    """Serve one client over standard input and output until it exits."""
    server.start_io()
