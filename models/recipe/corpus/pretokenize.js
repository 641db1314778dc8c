#!/usr/bin/env node
/*
 * Pre-tokenises the corpus (build_corpus.py output) into flat token files for training (issue 3).
 *
 * For each split (train, val) it writes, under --out:
 *   <split>.bin        all token ids, uint16 little-endian, files concatenated (no separators)
 *   <split>.idx        int64 little-endian file boundaries: N+1 offsets (in tokens) into <split>.bin
 *   <split>.meta.json  {tokens, files, langs: [..], file_lang: [index into langs per file], ids: [...]}
 * The trainer (models/recipe/data.py) memory-maps these and cuts windows inside file boundaries.
 *
 * Encoding uses the native `tokenizers` binding (batched, multi-threaded); train_tokenizer.js checked
 * that it yields the same ids as the runtime loader @huggingface/tokenizers. Files containing one of
 * the special-token strings are skipped (their text would otherwise encode as control tokens).
 *
 * Usage: node pretokenize.js --corpus /work/d3llm-data/corpus --tokenizer <tokenizer.json> --out /work/d3llm-data/tok
 */
'use strict';
const fs = require('fs');
const path = require('path');
const readline = require('readline');

const SPECIALS = ['<|pad|>', '<|endofmiddle|>', '<|mask|>', '<|fim_prefix|>', '<|fim_suffix|>', '<|fim_middle|>'];

function args() {
  const a = { corpus: '/work/d3llm-data/corpus', tokenizer: '/work/d3llm-data/tokenizer/tokenizer.json', out: '/work/d3llm-data/tok', splits: 'val,train' };
  const v = process.argv.slice(2);
  for (let i = 0; i < v.length; i += 2) {
    const k = v[i].replace(/^--/, '');
    if (!(k in a)) throw new Error('unknown option ' + v[i]);
    a[k] = v[i + 1];
  }
  return a;
}

async function encodeSplit(tok, corpusFile, outBase) {
  const binTmp = outBase + '.bin.tmp';
  const fd = fs.openSync(binTmp, 'w');
  const offsets = [0];
  const langs = [];
  const fileLang = [];
  const ids = [];
  let total = 0;
  let skipped = 0;
  let batch = [];
  const t0 = Date.now();
  const flush = async () => {
    if (!batch.length) return;
    const encs = await tok.encodeBatch(batch.map((r) => r.text), { addSpecialTokens: false });
    for (let i = 0; i < encs.length; i++) {
      const arr = encs[i].getIds();
      const u16 = new Uint16Array(arr.length);
      for (let j = 0; j < arr.length; j++) {
        if (arr[j] > 65535) throw new Error('id does not fit uint16');
        u16[j] = arr[j];
      }
      fs.writeSync(fd, Buffer.from(u16.buffer));
      total += arr.length;
      offsets.push(total);
      let li = langs.indexOf(batch[i].lang);
      if (li < 0) li = langs.push(batch[i].lang) - 1;
      fileLang.push(li);
      ids.push(batch[i].id);
    }
    batch = [];
  };
  const rl = readline.createInterface({ input: fs.createReadStream(corpusFile), crlfDelay: Infinity });
  for await (const line of rl) {
    const rec = JSON.parse(line);
    if (SPECIALS.some((s) => rec.text.includes(s))) {
      skipped++;
      continue;
    }
    batch.push(rec);
    if (batch.length >= 128) await flush();
  }
  await flush();
  fs.closeSync(fd);
  const idx = Buffer.alloc(offsets.length * 8);
  offsets.forEach((o, i) => idx.writeBigInt64LE(BigInt(o), i * 8));
  fs.writeFileSync(outBase + '.idx.tmp', idx);
  const meta = { dtype: 'uint16', tokens: total, files: offsets.length - 1, skipped_special: skipped, langs, file_lang: fileLang, ids };
  fs.writeFileSync(outBase + '.meta.json.tmp', JSON.stringify(meta));
  for (const ext of ['.bin', '.idx', '.meta.json']) fs.renameSync(outBase + ext + '.tmp', outBase + ext);
  console.error(`${path.basename(outBase)}: ${meta.files} files, ${total} tokens, ${skipped} skipped, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  return meta;
}

async function main() {
  const a = args();
  const tk = require('tokenizers');
  const tok = tk.Tokenizer.fromFile(a.tokenizer);
  fs.mkdirSync(a.out, { recursive: true });
  fs.copyFileSync(a.tokenizer, path.join(a.out, 'tokenizer.json'));
  for (const split of a.splits.split(',')) {
    await encodeSplit(tok, path.join(a.corpus, split + '.jsonl'), path.join(a.out, split));
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
