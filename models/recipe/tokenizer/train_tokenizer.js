#!/usr/bin/env node
// Train a byte-level BPE tokenizer.json for the model contract (docs/model-contract.md) with the
// Hugging Face `tokenizers` library (npm, native binding).
//
// Usage: node models/recipe/tokenizer/train_tokenizer.js --vocab-size 512 --out tokenizer.json FILE...
//        [--specials "<|pad|>,<|endofmiddle|>,..."]   (default: the contract's six, ids 0..5)
//
// Result: ids 0..5 = <|pad|> <|endofmiddle|> <|mask|> <|fim_prefix|> <|fim_suffix|> <|fim_middle|>
// (added tokens, special), then the 256 byte-level symbols (so any UTF-8 text round-trips), then
// BPE merge results in the order the trainer learnt them, up to --vocab-size in all.
// Pre-tokenizer: a Qwen2-style split (letters, single digits, punctuation runs, newline runs,
// whitespace runs) followed by ByteLevel; decoder ByteLevel; no normaliser, no post-processor.
//
// How: the npm binding exposes Tokenizer.train(files) with the BPE model's default trainer
// (vocab cap 30000, no alphabet/special-token options). BPE training is greedy, so the first M
// merges of that run are exactly what a run capped at M merges learns; we keep those merges,
// rebuild the vocabulary as specials + full byte alphabet + merge results, and let the library
// re-load (validate) and save the final file. Vocab sizes above 30000 + 262 are not reachable.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const tk = require('tokenizers');

const DEFAULT_SPECIALS = ['<|pad|>', '<|endofmiddle|>', '<|mask|>', '<|fim_prefix|>', '<|fim_suffix|>', '<|fim_middle|>'];
// Qwen2's pre-tokenization pattern (facts from the public Qwen2 tokenizer.json).
const SPLIT_PATTERN = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

function parseArgs(argv) {
  const args = { vocabSize: 0, out: '', specials: DEFAULT_SPECIALS, files: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--vocab-size') args.vocabSize = Number(argv[++i]);
    else if (a === '--out') args.out = argv[++i];
    else if (a === '--specials') args.specials = argv[++i].split(',');
    else args.files.push(a);
  }
  if (!args.vocabSize || !args.out || args.files.length === 0) {
    throw new Error('usage: train_tokenizer.js --vocab-size N --out tokenizer.json FILE...');
  }
  return args;
}

function preTokenizerJson() {
  return {
    type: 'Sequence',
    pretokenizers: [
      { type: 'Split', pattern: { Regex: SPLIT_PATTERN }, behavior: 'Isolated', invert: false },
      { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false },
    ],
  };
}

function trainRaw(files) {
  const tok = new tk.Tokenizer(tk.BPE.empty());
  tok.setPreTokenizer(tk.sequencePreTokenizer([
    tk.splitPreTokenizer(SPLIT_PATTERN, 'isolated', false),
    tk.byteLevelPreTokenizer(false, false),
  ]));
  tok.train(files);
  const tmp = path.join(os.tmpdir(), `bpe-raw-${process.pid}.json`);
  tok.save(tmp);
  const raw = JSON.parse(fs.readFileSync(tmp, 'utf8'));
  fs.unlinkSync(tmp);
  return raw;
}

function mergePair(m) {
  return Array.isArray(m) ? m : m.split(' ');
}

// specials, then all 256 byte symbols, then merge results until vocabSize.
function buildVocab(specials, rawMerges, vocabSize) {
  const vocab = {};
  let next = 0;
  const add = (t) => { if (!(t in vocab)) vocab[t] = next++; };
  specials.forEach(add);
  tk.byteLevelAlphabet().slice().sort().forEach(add);
  if (next > vocabSize) throw new Error(`vocab size ${vocabSize} < ${next} (specials + byte alphabet)`);
  const merges = [];
  for (const m of rawMerges) {
    if (next >= vocabSize) break;
    const [a, b] = mergePair(m);
    if (!(a in vocab) || !(b in vocab)) throw new Error(`merge ${a} ${b} uses an unknown symbol`);
    if ((a + b) in vocab) continue;
    add(a + b);
    merges.push([a, b]);
  }
  return { vocab, merges, size: next };
}

function assemble(raw, specials, vocabSize) {
  const { vocab, merges, size } = buildVocab(specials, raw.model.merges, vocabSize);
  if (size < vocabSize) console.warn(`warning: corpus gave only ${size} tokens (< ${vocabSize})`);
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: specials.map((content, id) => ({
      id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true,
    })),
    normalizer: null,
    pre_tokenizer: preTokenizerJson(),
    post_processor: null,
    decoder: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false },
    model: {
      type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null,
      fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab, merges,
    },
  };
}

async function checkRoundTrip(tok, text) {
  const enc = await tok.encode(text, null, { addSpecialTokens: false });
  const back = await tok.decode(enc.getIds(), false);
  if (back !== text) throw new Error('tokenizer does not round-trip the training sample');
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const raw = trainRaw(args.files);
  const json = assemble(raw, args.specials, args.vocabSize);
  const tok = tk.Tokenizer.fromString(JSON.stringify(json)); // the library validates the file
  args.specials.forEach((s, id) => {
    if (tok.tokenToId(s) !== id) throw new Error(`${s} is not id ${id}`);
  });
  await checkRoundTrip(tok, fs.readFileSync(args.files[0], 'utf8').slice(0, 4000) + '\n\tünïcødé ✓ 𝄞\r\n');
  tok.save(args.out, true);
  console.log(`wrote ${args.out}: vocab ${tok.getVocabSize(true)}, ${json.model.merges.length} merges`);
}

main().catch((err) => { console.error(err.message || err); process.exit(1); });
