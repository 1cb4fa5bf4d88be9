// The VS Code extension: highlighting comes from the TextMate grammar in syntaxes/; everything
// else (diagnostics, hover, go to definition, references, outline, completion, formatting)
// from `slalang lsp`, started over stdio with the command in the `slalang.server.command`
// setting.
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const [command, ...args] = vscode.workspace
    .getConfiguration("slalang")
    .get("server.command", ["slalang", "lsp", "--stdio"]);
  client = new LanguageClient(
    "slalang",
    "slalang",
    { command, args },
    { documentSelector: [{ scheme: "file", language: "slalang" }] },
  );
  context.subscriptions.push(client);
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
