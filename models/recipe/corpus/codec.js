#!/usr/bin/env node
/*
 * Tokenizer bridge for the Python recipe scripts (eval_infill.py): the runtime loader
 * @huggingface/tokenizers encodes and decodes, so Python never re-implements the tokenizer.
 * Reads JSON lines on stdin, {"encode": text} or {"decode": [ids]}, and writes one JSON line per
 * request on stdout: {"ids": [...]} or {"text": "..."}.
 * Usage: node codec.js tokenizer.json < requests.jsonl > answers.jsonl
 */
'use strict';
const fs = require('fs');
const readline = require('readline');

async function main() {
  const { Tokenizer } = await import('@huggingface/tokenizers');
  const tok = new Tokenizer(JSON.parse(fs.readFileSync(process.argv[2], 'utf8')), { clean_up_tokenization_spaces: false });
  const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of rl) {
    if (!line.trim()) continue;
    const req = JSON.parse(line);
    if ('encode' in req) {
      process.stdout.write(JSON.stringify({ ids: tok.encode(req.encode, { add_special_tokens: false }).ids }) + '\n');
    } else {
      process.stdout.write(JSON.stringify({ text: tok.decode(req.decode, { skip_special_tokens: false, clean_up_tokenization_spaces: false }) }) + '\n');
    }
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
