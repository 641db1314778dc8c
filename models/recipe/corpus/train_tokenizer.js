#!/usr/bin/env node
/*
 * Byte-level BPE tokenizer.json trainer for the model contract (docs/model-contract.md): the one trainer
 * behind both the shipped tokenizer of the embedded d3LLM tiny code model (8192 entries, from the corpus
 * JSONL; models/recipe/run_all.sh) and the 512-entry test-fixture tokenizer in
 * test/fixtures/models/tiny-random (from plain files; models/recipe/make_fixture.py).
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

const SPECIALS = ['<|pad|>', '<|endofmiddle|>', '<|mask|>', '<|fim_prefix|>', '<|fim_suffix|>', '<|fim_middle|>'];
const BASE_VOCAB = SPECIALS.length + 256;
// Qwen2's pre-tokenization pattern (from the public Qwen2 tokenizer.json).
const QWEN2_SPLIT = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const VAL_FILES = 200;
const VAL_CHARS = 20000;
const FILE_SAMPLE_CHARS = 4000;
const NON_ASCII_SAMPLE = '\n\tünïcødé ✓ 𝄞\r\n';
const BYTE_SYMBOLS = byteSymbols();

const DEFAULTS = {
  corpus: '/work/d3llm-data/corpus/train.jsonl',
  out: '/work/d3llm-data/tokenizer/tokenizer.json',
  sampleMb: '25',
  sampleEvery: '14',
  vocab: '8192',
  style: 'shipped',
};
const OPTIONS = { corpus: 'corpus', out: 'out', 'sample-mb': 'sampleMb', 'sample-every': 'sampleEvery', vocab: 'vocab', style: 'style' };
const USAGE = 'usage: train_tokenizer.js [--corpus train.jsonl] [--sample-mb MB] [--sample-every N] [--out tokenizer.json]\n' +
  '         [--vocab N] [--style shipped|fixture] [FILE...]   (FILEs instead of --corpus: train on plain files)';

const PRE_TOKENIZERS = {
  gpt2: {
    forTraining: (tk) => tk.byteLevelPreTokenizer(false, true),
    json: byteLevelJson(true),
    decoder: byteLevelJson(true),
  },
  qwen2: {
    forTraining: (tk) => tk.sequencePreTokenizer([
      tk.splitPreTokenizer(QWEN2_SPLIT, 'isolated', false),
      tk.byteLevelPreTokenizer(false, false),
    ]),
    json: {
      type: 'Sequence',
      pretokenizers: [
        { type: 'Split', pattern: { Regex: QWEN2_SPLIT }, behavior: 'Isolated', invert: false },
        byteLevelJson(false),
      ],
    },
    decoder: byteLevelJson(false),
  },
};

const STYLES = {
  shipped: { preTokenizer: 'gpt2', alphabet: 'byte-value', keepDuplicateMerges: true, pretty: false },
  fixture: { preTokenizer: 'qwen2', alphabet: 'table', keepDuplicateMerges: false, pretty: true },
};

/** Bad input: reported as one line, without a stack trace. */
class InputError extends Error {}

function byteLevelJson(useRegex) {
  return { type: 'ByteLevel', add_prefix_space: false, trim_offsets: useRegex, use_regex: useRegex };
}

// ---------------------------------------------------------------- arguments

function parseArgs(argv) {
  const given = {};
  const files = [];
  for (let i = 0; i < argv.length; i++) {
    if (!argv[i].startsWith('--')) { files.push(argv[i]); continue; }
    const name = argv[i].slice(2);
    if (!Object.hasOwn(OPTIONS, name)) throw new InputError(`unknown option ${argv[i]}\n${USAGE}`);
    if (i + 1 >= argv.length) throw new InputError(`${argv[i]} needs a value\n${USAGE}`);
    given[OPTIONS[name]] = argv[++i];
  }
  if (files.length > 0) {
    if ('corpus' in given) throw new InputError(`give either --corpus or plain FILEs, not both\n${USAGE}`);
    for (const k of ['sampleMb', 'sampleEvery']) {
      if (k in given) throw new InputError(`--${optionName(k)} applies only to --corpus input\n${USAGE}`);
    }
  }
  const raw = { ...DEFAULTS, ...given };
  return {
    corpus: files.length > 0 ? null : raw.corpus,
    files,
    out: raw.out,
    vocab: integerOption('vocab', raw.vocab, BASE_VOCAB, ` (${SPECIALS.length} special tokens + 256 byte symbols)`),
    sampleMb: positiveNumberOption('sample-mb', raw.sampleMb),
    sampleEvery: integerOption('sample-every', raw.sampleEvery, 1, ''),
    style: styleOption(raw.style),
  };
}

function optionName(key) {
  return Object.keys(OPTIONS).find((name) => OPTIONS[name] === key);
}

function integerOption(name, text, min, why) {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min) throw new InputError(`--${name} must be an integer >= ${min}${why}, got "${text}"`);
  return n;
}

function positiveNumberOption(name, text) {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InputError(`--${name} must be a number > 0, got "${text}"`);
  return n;
}

function styleOption(text) {
  if (!Object.hasOwn(STYLES, text)) {
    throw new InputError(`--style must be one of ${Object.keys(STYLES).join(', ')}, got "${text}"`);
  }
  return STYLES[text];
}

function requireFile(file, what) {
  let stat;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new InputError(`${what} ${file} not found`);
  }
  if (!stat.isFile()) throw new InputError(`${what} ${file} is not a file`);
}

/** The corpus's validation split: val.jsonl next to train.jsonl (other names: the corpus file itself). */
function validationFile(corpus) {
  return corpus.replace(/train\.jsonl$/, 'val.jsonl');
}

// ---------------------------------------------------------------- byte-level symbols

/** The GPT-2 byte -> printable unicode symbol table used by ByteLevel, indexed by byte value. */
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

/** The 256 byte symbols in vocabulary order: by byte value, or in GPT-2 table order (= sorted symbols). */
function byteAlphabet(order) {
  return order === 'table' ? BYTE_SYMBOLS.slice().sort() : BYTE_SYMBOLS;
}

/** Undo the \n -> \v substitution of the corpus sample in one token. */
function swapNewlineSymbols(token) {
  const [NL, VT] = [BYTE_SYMBOLS[10], BYTE_SYMBOLS[11]];
  return token.replace(/[\u010a\u010b]/g, (c) => (c === NL ? VT : NL));
}

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

/** Specials, the byte alphabet, then merge results: the first (vocabSize - 262) usable merges. */
function buildVocabulary(pairs, vocabSize, style) {
  const vocab = Object.create(null);
  let next = 0;
  const add = (token) => { if (vocab[token] === undefined) vocab[token] = next++; };
  SPECIALS.forEach(add);
  byteAlphabet(style.alphabet).forEach(add);
  const merges = [];
  for (const [left, right] of pairs) {
    if (merges.length >= vocabSize - BASE_VOCAB) break;
    if (vocab[left] === undefined || vocab[right] === undefined) throw new Error(`merge of unknown symbols ${left} ${right}`);
    const isNew = vocab[left + right] === undefined;
    add(left + right);
    if (isNew || style.keepDuplicateMerges) merges.push([left, right]);
  }
  return { vocab, merges, size: next };
}

function tokenizerJson(vocab, merges, preTokenizer) {
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIALS.map((content, id) => ({
      id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true,
    })),
    normalizer: null,
    pre_tokenizer: preTokenizer.json,
    post_processor: null,
    decoder: preTokenizer.decoder,
    model: {
      type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null,
      fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab, merges,
    },
  };
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
