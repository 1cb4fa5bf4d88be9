// Tokenizes files with the TextMate grammar as VS Code does (vscode-textmate + oniguruma) and
// prints, per file, every non-blank token that has no scope beyond the file's, or an
// `invalid` scope, as JSON: {"tokens": N, "report": {"file": [[line, text, scopes], ...]}}.
// Used by the Python test. Without arguments it reads the shipped policies (`npm run
// test:grammar`); it exits 1 when a token is unscoped or invalid, or when nothing was read.
const fs = require("fs");
const path = require("path");
const vsctm = require("vscode-textmate");
const oniguruma = require("vscode-oniguruma");

const wasm = fs.readFileSync(
  path.join(path.dirname(require.resolve("vscode-oniguruma")), "onig.wasm"),
);

const POLICIES = path.join(__dirname, "..", "..", "..", "policies");

function shipped() {
  return fs.readdirSync(POLICIES).filter((f) => f.endsWith(".sla")).sort()
    .map((f) => path.join(POLICIES, f));
}

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
  const bad = Object.values(report).filter((p) => p.length).length;
  if (bad || !tokens) {  // a run that tokenized nothing must not look green
    console.error(tokens ? `${bad} file(s) with unscoped or invalid tokens`
      : "no token read: give .sla files");
    process.exitCode = 1;
  }
}

main(process.argv.length > 2 ? process.argv.slice(2) : shipped()).catch((e) => {
  console.error(e);
  process.exit(2);
});
