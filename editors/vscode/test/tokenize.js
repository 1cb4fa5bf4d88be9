// Tokenizes files with the TextMate grammar as VS Code does (vscode-textmate + oniguruma) and
// prints, per file, every non-blank token that has no scope beyond the file's, or an
// `invalid` scope, as JSON: {"file": [[line, text, scopes], ...]}. Used by the Python test.
const fs = require("fs");
const path = require("path");
const vsctm = require("vscode-textmate");
const oniguruma = require("vscode-oniguruma");

const wasm = fs.readFileSync(
  path.join(path.dirname(require.resolve("vscode-oniguruma")), "onig.wasm"),
);

async function main(files) {
  await oniguruma.loadWASM(wasm.buffer);
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (sources) => new oniguruma.OnigScanner(sources),
      createOnigString: (s) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async () =>
      vsctm.parseRawGrammar(
        fs.readFileSync(path.join(__dirname, "..", "syntaxes", "slalang.tmLanguage.json"), "utf8"),
        "slalang.tmLanguage.json",
      ),
  });
  const grammar = await registry.loadGrammar("source.slalang");
  const report = {};
  let tokens = 0;
  for (const file of files) {
    const problems = [];
    let state = vsctm.INITIAL;
    fs.readFileSync(file, "utf8").split("\n").forEach((line, n) => {
      const result = grammar.tokenizeLine(line, state);
      for (const t of result.tokens) {
        const text = line.slice(t.startIndex, t.endIndex);
        if (!text.trim()) continue;
        tokens += 1;
        if (t.scopes.length < 2 || t.scopes.some((s) => s.startsWith("invalid"))) {
          problems.push([n + 1, text, t.scopes]);
        }
      }
      state = result.ruleStack;
    });
    report[file] = problems;
  }
  process.stdout.write(JSON.stringify({ tokens, report }));
}

main(process.argv.slice(2)).catch((e) => {
  console.error(e);
  process.exit(2);
});
