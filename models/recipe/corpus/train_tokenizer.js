#!/usr/bin/env node
/*
 * Byte-level BPE tokenizer.json trainer for the model contract (docs/model-contract.md): the one trainer
 * behind both the shipped tokenizer of the embedded d3LLM tiny code model (8192 entries, from the corpus
 * JSONL; models/recipe/run_all.sh) and the 512-entry test-fixture tokenizer in
 * test/fixtures/models/tiny-random (from plain files; models/recipe/make_fixture.py).
 *
 * Options: tokenizer_options.js; vocabulary assembly, styles and byte symbols: bpe_assembly.js.
 *
 * Usage:
 *   node train_tokenizer.js [--corpus train.jsonl] [--sample-mb 25] [--sample-every 14]   corpus input
 *        [--out tokenizer.json] [--vocab 8192] [--style shipped|fixture]
 *   node train_tokenizer.js --out tokenizer.json [--vocab N] [--style ...] FILE...       plain files
 * Defaults: --corpus /work/d3llm-data/corpus/train.jsonl, --out /work/d3llm-data/tokenizer/tokenizer.json,
 * --vocab 8192, --style shipped. make_fixture.py runs `--style fixture --vocab 512 --out ... FILE...`.
 *
 * Result: ids 0..5 are the contract's special tokens <|pad|> <|endofmiddle|> <|mask|> <|fim_prefix|>
 * <|fim_suffix|> <|fim_middle|> (added tokens, special), then the 256 byte-level symbols (so any UTF-8
 * text round-trips), then BPE merge results in the order the trainer learnt them, up to --vocab entries.
 * No normaliser, no post-processor, ByteLevel decoder.
 *
 * Inputs:
 * - Corpus JSONL (records with string fields "id" and "text"; "lang" and "path" are reported): a
 *   deterministic sample of whole files (sha1 of the id, one in --sample-every, up to --sample-mb MB).
 *   The binding's trainer reads its files line by line, so merges that cross a newline (newline +
 *   indentation, very common in code) would never be learnt: each sampled file is written on one line
 *   with "\n" replaced by "\v" (also whitespace for the pre-tokenizer regexes, so pre-tokenization is
 *   the same), and the byte-level symbols of \v (U+010B) and \n (U+010A) are swapped back in the learnt
 *   merges. Files that contain a literal \v or a special token are left out of the sample. The sample
 *   and the raw training output stay in <out dir>/work; <out dir>/tokenizer-stats.json records the
 *   sample and the check (read by train.py export).
 * - Plain files: trained on as they are (merges stop at line ends).
 *
 * Styles (both kept byte-stable: the shipped model and the committed fixtures were built with them):
 * - shipped: GPT-2 ByteLevel pre-tokenizer (its regex, no prefix space, trim_offsets); byte symbols in
 *   byte-value order; exactly (--vocab - 262) merges, a merge whose result is already a token is kept
 *   without a new vocabulary entry (the vocabulary may come out smaller); compact JSON.
 * - fixture: Qwen2-style Split (letters, single digits, punctuation runs, newline runs, whitespace runs)
 *   then ByteLevel without regex; byte symbols in GPT-2 table order (printable bytes first); merges whose
 *   result is already a token are skipped so the vocabulary reaches --vocab; pretty-printed by the
 *   library.
 *
 * How: the npm binding exposes only Tokenizer.train(files) with the BPE model's default trainer
 * (vocabulary 30000, no alphabet or special-token options). BPE training is greedy, so the first k
 * merges of that run are exactly what a k-merge run learns: the script keeps a prefix of the merges and
 * rebuilds the vocabulary as specials + full byte alphabet + merge results.
 * Check: the native binding and @huggingface/tokenizers (the runtime loader) both load the result, agree
 * on ids, put the specials at ids 0..5 and round-trip exactly, on up to 200 files of the val.jsonl next
 * to train.jsonl (corpus input) or on the start of the first FILE plus non-ASCII text (plain files).
 */
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');
const readline = require('readline');
const { InputError, parseArgs, requireFile, validationFile } = require('./tokenizer_options');
const { PRE_TOKENIZERS, SPECIALS, buildVocabulary, swapNewlineSymbols, tokenizerJson } = require('./bpe_assembly');

const VAL_FILES = 200;
const VAL_CHARS = 20000;
const FILE_SAMPLE_CHARS = 4000;
const NON_ASCII_SAMPLE = '\n\tünïcødé ✓ 𝄞\r\n';

// ---------------------------------------------------------------- corpus input

async function* jsonlRecords(file) {
  const rl = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity });
  let lineNo = 0;
  for await (const line of rl) {
    lineNo++;
    if (line.trim() === '') continue;
    let rec;
    try {
      rec = JSON.parse(line);
    } catch {
      throw new InputError(`${file}:${lineNo}: not valid JSON`);
    }
    if (!rec || typeof rec.id !== 'string' || typeof rec.text !== 'string') {
      throw new InputError(`${file}:${lineNo}: a record needs string fields "id" and "text"`);
    }
    yield rec;
  }
}

/** Deterministic sample: files whose id hash falls in one bucket of `every`, until sampleMb is reached. */
async function writeSample(corpus, sampleFile, sampleMb, every) {
  const budget = sampleMb * 1e6;
  const out = fs.createWriteStream(sampleFile);
  let total = 0;
  let files = 0;
  const langBytes = {};
  for await (const rec of jsonlRecords(corpus)) {
    if (total >= budget) break;
    const h = crypto.createHash('sha1').update(rec.id).digest()[0];
    if (h % every !== 0) continue;
    if (rec.text.includes('\v') || SPECIALS.some((s) => rec.text.includes(s))) continue;
    out.write(rec.text.replace(/\n/g, '\v') + '\n');
    const bytes = Buffer.byteLength(rec.text);
    total += bytes;
    files++;
    langBytes[rec.lang] = (langBytes[rec.lang] || 0) + bytes;
  }
  await new Promise((resolve) => out.end(resolve));
  return { bytes: total, files, langBytes };
}

/** Up to VAL_FILES validation texts (first VAL_CHARS characters), without special-token strings. */
async function validationTexts(valFile) {
  const texts = [];
  for await (const rec of jsonlRecords(valFile)) {
    if (SPECIALS.some((s) => rec.text.includes(s))) continue;
    texts.push({ name: rec.path, lang: rec.lang, text: rec.text.slice(0, VAL_CHARS) });
    if (texts.length >= VAL_FILES) break;
  }
  return texts;
}

// ---------------------------------------------------------------- training and assembly

/** Train with the binding's default BPE trainer; the learnt merges as [left, right] pairs. */
function trainRawMerges(tk, files, preTokenizer, rawPath) {
  const tok = new tk.Tokenizer(tk.BPE.empty());
  tok.setPreTokenizer(preTokenizer.forTraining(tk));
  tok.train(files);
  tok.save(rawPath, false);
  const raw = JSON.parse(fs.readFileSync(rawPath, 'utf8'));
  return raw.model.merges.map((m) => (Array.isArray(m) ? m : m.split(' ')));
}

/** Compact JSON as built, or loaded (validated) and pretty-printed by the library. */
function writeTokenizer(tk, json, out, pretty) {
  fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
  if (pretty) tk.Tokenizer.fromString(JSON.stringify(json)).save(out, true);
  else fs.writeFileSync(out, JSON.stringify(json));
}

// ---------------------------------------------------------------- check

/** Load with both libraries, check the specials, equal ids and exact round trips on `texts`. */
async function checkTokenizer(tk, file, texts) {
  const native = tk.Tokenizer.fromFile(file);
  const { Tokenizer } = await import('@huggingface/tokenizers');
  const js = new Tokenizer(JSON.parse(fs.readFileSync(file, 'utf8')), { clean_up_tokenization_spaces: false });
  const decode = (ids) => js.decode(ids, { skip_special_tokens: false, clean_up_tokenization_spaces: false });
  SPECIALS.forEach((s, id) => {
    if (native.tokenToId(s) !== id) throw new Error(`special ${s} is not id ${id}`);
  });
  const specialsText = decode(SPECIALS.map((_, id) => id));
  if (specialsText !== SPECIALS.join('')) throw new Error('special tokens do not decode to their strings: ' + specialsText);
  let bytes = 0;
  let tokens = 0;
  const perLang = {};
  for (const { name, lang, text } of texts) {
    const ids = (await native.encode(text, null, { addSpecialTokens: false })).getIds();
    const jsIds = js.encode(text, { add_special_tokens: false }).ids;
    if (ids.length !== jsIds.length || ids.some((v, i) => v !== jsIds[i])) throw new Error(`native and JS ids differ on ${name}`);
    if (decode(jsIds) !== text) throw new Error(`round trip failed on ${name}`);
    const b = Buffer.byteLength(text);
    bytes += b;
    tokens += ids.length;
    const p = (perLang[lang] = perLang[lang] || { bytes: 0, tokens: 0 });
    p.bytes += b;
    p.tokens += ids.length;
  }
  const ratio = (p) => +(p.bytes / p.tokens).toFixed(3);
  return {
    files: texts.length,
    bytesPerToken: ratio({ bytes, tokens }),
    perLang: Object.fromEntries(Object.entries(perLang).map(([k, v]) => [k, ratio(v)])),
  };
}

function fileSampleTexts(files) {
  const text = fs.readFileSync(files[0], 'utf8').slice(0, FILE_SAMPLE_CHARS) + NON_ASCII_SAMPLE;
  return [{ name: files[0], lang: 'text', text }];
}

// ---------------------------------------------------------------- main

/** The training files, the merge-symbol fix-up and what to check against, for either input. */
async function prepareInput(a, workDir) {
  if (a.files.length > 0) {
    a.files.forEach((f) => requireFile(f, 'input file'));
    return { trainFiles: a.files, fixToken: (t) => t, sample: null, checkTexts: async () => fileSampleTexts(a.files) };
  }
  const valFile = validationFile(a.corpus);
  requireFile(a.corpus, 'corpus');
  requireFile(valFile, 'validation file');
  const sampleFile = path.join(workDir, 'sample.txt');
  const sample = await writeSample(a.corpus, sampleFile, a.sampleMb, a.sampleEvery);
  console.error(`sample: ${(sample.bytes / 1e6).toFixed(1)} MB from ${sample.files} files`, sample.langBytes);
  if (sample.files === 0) throw new InputError(`no file of ${a.corpus} fell into the sample (try --sample-every 1)`);
  return { trainFiles: [sampleFile], fixToken: swapNewlineSymbols, sample, checkTexts: () => validationTexts(valFile) };
}

/** Corpus input keeps its sample and raw training output in <out dir>/work; plain files use a temp dir. */
function makeWorkDir(a) {
  if (a.files.length > 0) return fs.mkdtempSync(path.join(os.tmpdir(), 'train-tokenizer-'));
  const dir = path.join(path.dirname(path.resolve(a.out)), 'work');
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

async function main() {
  const a = parseArgs(process.argv.slice(2));
  const tk = require('tokenizers');
  const t0 = Date.now();
  const workDir = makeWorkDir(a);
  try {
    const input = await prepareInput(a, workDir);
    const preTokenizer = PRE_TOKENIZERS[a.style.preTokenizer];
    const pairs = trainRawMerges(tk, input.trainFiles, preTokenizer, path.join(workDir, 'trained-raw.json'))
      .map((pair) => pair.map(input.fixToken));
    console.error(`trained in ${((Date.now() - t0) / 1000).toFixed(0)} s, ${pairs.length} merges`);
    const { vocab, merges, size } = buildVocabulary(pairs, a.vocab, a.style);
    if (size !== a.vocab) console.error(`note: vocabulary has ${size} entries, not ${a.vocab} (duplicate merge results or too small an input)`);
    writeTokenizer(tk, tokenizerJson(vocab, merges, preTokenizer), a.out, a.style.pretty);
    const stats = { vocabSize: size, merges: merges.length, sample: input.sample, seconds: (Date.now() - t0) / 1000 };
    stats.check = await checkTokenizer(tk, a.out, await input.checkTexts());
    console.error(`check: ${stats.check.files} texts round-trip exactly; native == @huggingface/tokenizers; ` +
      `${stats.check.bytesPerToken} bytes/token`);
    if (input.sample) {
      fs.writeFileSync(path.join(path.dirname(a.out), 'tokenizer-stats.json'), JSON.stringify(stats, null, 1));
    }
    console.error(`wrote ${a.out}: vocab ${size}, ${merges.length} merges`);
  } finally {
    if (a.files.length > 0) fs.rmSync(workDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  if (err instanceof InputError) console.error(`train_tokenizer.js: ${err.message}`);
  else console.error(err);
  process.exit(1);
});
