// Runs the npm peers of the inline stage over one half of the evaluation set and
// writes what each would let the room see, one `{"id","text"}` line per input, for
// `moderation-eval --peer`. Each is set up as its documentation recommends:
//   obscenity  — RegExpMatcher over englishDataset with the recommended
//                transformers, matches censored by the default TextCensor;
//   bad-words  — the default Filter, `clean()` (profane words replaced by `*`;
//                a line counts as acted on only when a word was replaced).
// Usage: node peers.mjs CORPUS_DIR HALF OUT_DIR

import { readFileSync, readdirSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { Filter } from "bad-words";
import { RegExpMatcher, TextCensor, englishDataset, englishRecommendedTransformers } from "obscenity";

const [corpus, half, out] = process.argv.slice(2);
if (!corpus || !half || !out) {
  console.error("usage: node peers.mjs CORPUS_DIR HALF OUT_DIR");
  process.exit(2);
}
const dir = join(corpus, half);
const lines = readdirSync(dir)
  .filter((name) => name.endsWith(".jsonl"))
  .sort()
  .flatMap((name) =>
    readFileSync(join(dir, name), "utf8")
      .split("\n")
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l)),
  );

const matcher = new RegExpMatcher({ ...englishDataset.build(), ...englishRecommendedTransformers });
const censor = new TextCensor();
const peers = {
  obscenity: (text) => censor.applyTo(text, matcher.getAllMatches(text)),
  // `clean()` also drops every `_` and can mangle a line it censors nothing in;
  // only a line with a word replaced by its `*` placeholder counts as acted on.
  "bad-words": (text) => {
    try {
      const cleaned = new Filter().clean(text);
      return /\*{2,}/.test(cleaned) && !/\*{2,}/.test(text) ? cleaned : text;
    } catch {
      return text; // bad-words throws on some inputs; the line goes through as written
    }
  },
};

mkdirSync(out, { recursive: true });
for (const [name, run] of Object.entries(peers)) {
  const started = process.hrtime.bigint();
  const rows = lines.map((line) => JSON.stringify({ id: line.id, text: run(line.text) }));
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  writeFileSync(join(out, `${name}.jsonl`), rows.join("\n") + "\n");
  console.error(`${name}: ${lines.length} lines in ${ms.toFixed(1)} ms`);
}
