#!/usr/bin/env node
// Check a tokenizer.json against the contract: the runtime loader (@huggingface/tokenizers) loads
// it, special tokens sit at ids 0..5, text round-trips exactly (newlines, tabs, CRLF, unicode) and
// the runtime ids equal those of the training library (npm `tokenizers`).
// NOTE for the runtime: @huggingface/tokenizers defaults clean_up_tokenization_spaces to TRUE
// (it turns " ?" into "?" etc. when decoding). Construct it as
// new Tokenizer(json, { clean_up_tokenization_spaces: false }) for exact round trips.
// Usage: node models/recipe/corpus/check_tokenizer.js tokenizer.json [TEXT_FILE...]
'use strict';
const fs = require('fs');
const native = require('tokenizers');
const { Tokenizer } = require('@huggingface/tokenizers');

const SPECIALS = ['<|pad|>', '<|endofmiddle|>', '<|mask|>', '<|fim_prefix|>', '<|fim_suffix|>', '<|fim_middle|>'];
const SAMPLES = [
  'def add(a, b):\n\treturn a + b\n',
  'const x = { "k": [1, 2, 3] };\r\n    if (x) {\n        y();\n    }\n',
  'naïve café — ünïcødé ✓ 日本語 𝄞 emoji 🚀 zero\u200bwidth',
  '  leading spaces and trailing   \n\n\n',
  '<|fim_prefix|>def f(x):\n    <|fim_suffix|>\n    return y<|fim_middle|>',
];

async function main() {
  const [tokPath, ...files] = process.argv.slice(2);
  const json = JSON.parse(fs.readFileSync(tokPath, 'utf8'));
  const runtime = new Tokenizer(json, { clean_up_tokenization_spaces: false });
  const lib = native.Tokenizer.fromFile(tokPath);
  const texts = [...SAMPLES, ...files.map((f) => fs.readFileSync(f, 'utf8'))];
  let failures = 0;
  SPECIALS.forEach((s, id) => {
    const ids = runtime.encode(s, { add_special_tokens: false }).ids;
    if (ids.length !== 1 || ids[0] !== id) { failures++; console.log(`FAIL ${s} -> ${ids}, want [${id}]`); }
  });
  let tokens = 0, chars = 0;
  for (const text of texts) {
    const ids = runtime.encode(text, { add_special_tokens: false }).ids;
    const libIds = (await lib.encode(text, null, { addSpecialTokens: false })).getIds();
    const back = runtime.decode(ids, { skip_special_tokens: false });
    tokens += ids.length; chars += text.length;
    if (back !== text) { failures++; console.log(`FAIL round trip: ${JSON.stringify(text.slice(0, 60))}`); }
    if (ids.join() !== libIds.join()) { failures++; console.log(`FAIL runtime ids differ from library ids: ${JSON.stringify(text.slice(0, 60))}`); }
  }
  console.log(`${failures ? 'FAILED' : 'ok'}: ${texts.length} texts, ${chars} chars -> ${tokens} tokens ` +
    `(${(chars / tokens).toFixed(2)} chars/token), vocab ${lib.getVocabSize(true)}`);
  process.exit(failures ? 1 : 0);
}

main().catch((err) => { console.error(err); process.exit(2); });
