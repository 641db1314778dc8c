#!/usr/bin/env node
/*
 * Boundary table for data.py: for every vocabulary token whose text is newline(s) followed by spaces or
 * tabs (e.g. "\n        "), the ids that the runtime tokenizer (@huggingface/tokenizers) gives to the
 * newline part and to the whitespace part when they are tokenised separately. The trainer uses it to
 * present line-aligned spans the way the engine sees them (prefix, middle and suffix tokenised on their
 * own: the prefix ends with a bare newline and the middle starts with its indentation).
 * Usage: node boundary_table.js tokenizer.json out.json     -> {"<id>": [[newline ids], [whitespace ids]]}
 */
'use strict';
const fs = require('fs');

async function main() {
  const [tokPath, out] = process.argv.slice(2);
  const json = JSON.parse(fs.readFileSync(tokPath, 'utf8'));
  const { Tokenizer } = await import('@huggingface/tokenizers');
  const tok = new Tokenizer(json, { clean_up_tokenization_spaces: false });
  const table = {};
  for (const id of Object.values(json.model.vocab)) {
    if (id < 6) continue;
    const text = tok.decode([id], { skip_special_tokens: false, clean_up_tokenization_spaces: false });
    const m = /^(\n+)([ \t]+)$/.exec(text);
    if (!m) continue;
    const enc = (s) => tok.encode(s, { add_special_tokens: false }).ids;
    table[id] = [enc(m[1]), enc(m[2])];
  }
  fs.writeFileSync(out, JSON.stringify(table));
  console.error(`boundary table: ${Object.keys(table).length} newline+indent tokens`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
