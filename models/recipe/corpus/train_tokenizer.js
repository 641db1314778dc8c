#!/usr/bin/env node
/*
 * Byte-level BPE tokenizer for the embedded d3LLM tiny code model (issue 3).
 *
 * Trains with the npm `tokenizers` package (the native Hugging Face tokenizers binding) and writes a
 * Hugging Face tokenizer.json: ByteLevel pre-tokenizer (GPT-2 regex, no prefix space), BPE model with
 * the full 256-symbol byte alphabet, ByteLevel decoder, and the project's six special tokens at ids
 * 0..5: <|pad|> <|endofmiddle|> <|mask|> <|fim_prefix|> <|fim_suffix|> <|fim_middle|>
 * (docs/model-contract.md).
 *
 * Two details of the binding shape the procedure:
 * - `Tokenizer.train(files)` uses the model's default BPE trainer (vocabulary 30000). BPE training is
 *   greedy, so the first k merges of a longer run are the merges of a k-merge run: the script keeps the
 *   first (vocabSize - 6 - 256) merges, which gives a vocabulary of exactly vocabSize.
 * - The trainer reads its files line by line, so merges that cross a newline (newline + indentation,
 *   very common in code) would never be learnt. The training sample therefore writes each source file on
 *   one line with "\n" replaced by "\v" (vertical tab: also whitespace for the pre-tokenizer regex, so
 *   the pre-tokenization is the same); the byte-level symbols of \v (U+010B) and \n (U+010A) are then
 *   swapped back in the learnt merges. Files that contain a literal \v are left out of the sample.
 *
 * Usage: node train_tokenizer.js --corpus /work/d3llm-data/corpus/train.jsonl \
 *          --out /work/d3llm-data/tokenizer/tokenizer.json [--sample-mb 25] [--vocab 8192] [--sample-every 14]
 * The result is checked: both the native binding and @huggingface/tokenizers (the runtime loader) load
 * it, agree on ids and round-trip code exactly.
 */
'use strict';
const fs = require('fs');
const path = require('path');
const readline = require('readline');
const crypto = require('crypto');

const SPECIALS = ['<|pad|>', '<|endofmiddle|>', '<|mask|>', '<|fim_prefix|>', '<|fim_suffix|>', '<|fim_middle|>'];

function args() {
  const a = { corpus: '/work/d3llm-data/corpus/train.jsonl', out: '/work/d3llm-data/tokenizer/tokenizer.json', sampleMb: 25, vocab: 8192, sampleEvery: 14 };
  const v = process.argv.slice(2);
  for (let i = 0; i < v.length; i += 2) {
    const k = v[i].replace(/^--/, '');
    if (k === 'corpus') a.corpus = v[i + 1];
    else if (k === 'out') a.out = v[i + 1];
    else if (k === 'sample-mb') a.sampleMb = Number(v[i + 1]);
    else if (k === 'vocab') a.vocab = Number(v[i + 1]);
    else if (k === 'sample-every') a.sampleEvery = Number(v[i + 1]);
    else throw new Error('unknown option ' + v[i]);
  }
  return a;
}

/** The GPT-2 byte -> printable unicode symbol table used by ByteLevel. */
function byteSymbols() {
  const bs = [];
  for (let b = 33; b <= 126; b++) bs.push(b);
  for (let b = 161; b <= 172; b++) bs.push(b);
  for (let b = 174; b <= 255; b++) bs.push(b);
  const cs = bs.slice();
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bs.includes(b)) {
      bs.push(b);
      cs.push(256 + n);
      n++;
    }
  }
  const table = new Array(256);
  bs.forEach((b, i) => (table[b] = String.fromCharCode(cs[i])));
  return table;
}

/** Deterministic sample: files whose id hash falls under a threshold, until sampleMb is reached. */
async function writeSample(corpus, sampleFile, sampleMb, every) {
  const budget = sampleMb * 1e6;
  const out = fs.createWriteStream(sampleFile);
  let total = 0;
  let files = 0;
  const langBytes = {};
  const rl = readline.createInterface({ input: fs.createReadStream(corpus), crlfDelay: Infinity });
  // Keep ~1 file in 14 (by hash) so the sample spans all sources and both languages (~7% of the corpus).
  for await (const line of rl) {
    if (total >= budget) break;
    const rec = JSON.parse(line);
    const h = crypto.createHash('sha1').update(rec.id).digest()[0];
    if (h % every !== 0) continue;
    if (rec.text.includes('\v') || SPECIALS.some((s) => rec.text.includes(s))) continue;
    out.write(rec.text.replace(/\n/g, '\v') + '\n');
    total += Buffer.byteLength(rec.text);
    files++;
    langBytes[rec.lang] = (langBytes[rec.lang] || 0) + Buffer.byteLength(rec.text);
  }
  await new Promise((r) => out.end(r));
  return { bytes: total, files, langBytes };
}

async function main() {
  const a = args();
  const tk = require('tokenizers');
  fs.mkdirSync(path.dirname(a.out), { recursive: true });
  const work = path.join(path.dirname(a.out), 'work');
  fs.mkdirSync(work, { recursive: true });
  const sampleFile = path.join(work, 'sample.txt');
  const t0 = Date.now();
  const sample = await writeSample(a.corpus, sampleFile, a.sampleMb, a.sampleEvery);
  console.error(`sample: ${(sample.bytes / 1e6).toFixed(1)} MB from ${sample.files} files`, sample.langBytes);

  const tok = new tk.Tokenizer(tk.BPE.empty());
  tok.setPreTokenizer(tk.byteLevelPreTokenizer(false, true));
  tok.train([sampleFile]);
  const rawPath = path.join(work, 'trained-raw.json');
  tok.save(rawPath, false);
  const raw = JSON.parse(fs.readFileSync(rawPath, 'utf8'));
  console.error(`trained in ${((Date.now() - t0) / 1000).toFixed(0)} s, ${raw.model.merges.length} merges`);

  // Swap the \v and \n byte symbols back (see header).
  const sym = byteSymbols();
  const NL = sym[10];
  const VT = sym[11];
  const swap = (s) => s.replace(/[\u010a\u010b]/g, (c) => (c === NL ? VT : NL));

  const nMerges = a.vocab - SPECIALS.length - 256;
  const merges = raw.model.merges.slice(0, nMerges).map((m) => (Array.isArray(m) ? m : m.split(' ')).map(swap));
  const vocab = Object.create(null);
  let next = 0;
  for (const s of SPECIALS) vocab[s] = next++;
  for (let b = 0; b < 256; b++) vocab[sym[b]] = next++;
  for (const [l, r] of merges) {
    const t = l + r;
    if (vocab[l] === undefined || vocab[r] === undefined) throw new Error(`merge of unknown symbols ${l} ${r}`);
    if (vocab[t] === undefined) vocab[t] = next++;
  }
  if (next !== a.vocab) console.error(`note: vocabulary has ${next} entries (duplicate merge results)`);

  const json = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIALS.map((content, id) => ({
      id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true,
    })),
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: null,
    decoder: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null,
      fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab, merges,
    },
  };
  fs.writeFileSync(a.out, JSON.stringify(json));
  const stats = { vocabSize: next, merges: merges.length, sample, seconds: (Date.now() - t0) / 1000 };
  await check(a.out, a.corpus, stats);
  fs.writeFileSync(path.join(path.dirname(a.out), 'tokenizer-stats.json'), JSON.stringify(stats, null, 1));
  console.error(JSON.stringify(stats));
}

/** Load with both libraries, compare ids, check exact round trip on validation-like files. */
async function check(file, corpus, stats) {
  const tk = require('tokenizers');
  const native = tk.Tokenizer.fromFile(file);
  const { Tokenizer } = await import('@huggingface/tokenizers');
  const js = new Tokenizer(JSON.parse(fs.readFileSync(file, 'utf8')), {});
  for (let i = 0; i < SPECIALS.length; i++) {
    if (native.tokenToId(SPECIALS[i]) !== i) throw new Error(`special ${SPECIALS[i]} is not id ${i}`);
  }
  const valFile = corpus.replace(/train\.jsonl$/, 'val.jsonl');
  const rl = readline.createInterface({ input: fs.createReadStream(valFile), crlfDelay: Infinity });
  let n = 0;
  let bytes = 0;
  let tokens = 0;
  const perLang = {};
  for await (const line of rl) {
    const rec = JSON.parse(line);
    if (SPECIALS.some((s) => rec.text.includes(s))) continue;
    const text = rec.text.slice(0, 20000);
    const enc = await native.encode(text, null, { addSpecialTokens: false });
    const ids = enc.getIds();
    const jsIds = js.encode(text, { add_special_tokens: false }).ids;
    if (ids.length !== jsIds.length || ids.some((v, i) => v !== jsIds[i])) throw new Error(`native and JS ids differ on ${rec.path}`);
    const back = js.decode(jsIds, { skip_special_tokens: false, clean_up_tokenization_spaces: false });
    if (back !== text) throw new Error(`round trip failed on ${rec.path}`);
    const b = Buffer.byteLength(text);
    bytes += b;
    tokens += ids.length;
    const p = (perLang[rec.lang] = perLang[rec.lang] || { bytes: 0, tokens: 0 });
    p.bytes += b;
    p.tokens += ids.length;
    if (++n >= 200) break;
  }
  const sp = [0, 1, 2, 3, 4, 5];
  const spText = js.decode(sp, { skip_special_tokens: false });
  if (spText !== SPECIALS.join('')) throw new Error('special tokens do not decode to their strings: ' + spText);
  stats.check = { files: n, bytesPerToken: +(bytes / tokens).toFixed(3), perLang: Object.fromEntries(Object.entries(perLang).map(([k, v]) => [k, +(v.bytes / v.tokens).toFixed(3)])) };
  console.error(`check: ${n} validation files round-trip exactly; native == @huggingface/tokenizers; ${stats.check.bytesPerToken} bytes/token`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
