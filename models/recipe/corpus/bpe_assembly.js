/*
 * Byte-level BPE vocabulary assembly for train_tokenizer.js (docs/model-contract.md: ids 0..5 are the contract's
 * special tokens, then the 256 byte-level symbols, then merge results). Holds the two byte-stable styles
 * (shipped: GPT-2 ByteLevel; fixture: Qwen2-style Split + ByteLevel), the GPT-2 byte-to-symbol table
 * (Radford et al. 2019, as Hugging Face tokenizers' ByteLevel uses it) and the tokenizer.json layout.
 */
'use strict';

const SPECIALS = ['<|pad|>', '<|endofmiddle|>', '<|mask|>', '<|fim_prefix|>', '<|fim_suffix|>', '<|fim_middle|>'];
const BASE_VOCAB = SPECIALS.length + 256;
// Qwen2's pre-tokenization pattern (from the public Qwen2 tokenizer.json).
const QWEN2_SPLIT = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

function byteLevelJson(useRegex) {
  return { type: 'ByteLevel', add_prefix_space: false, trim_offsets: useRegex, use_regex: useRegex };
}

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

const BYTE_SYMBOLS = byteSymbols();

// ---------------------------------------------------------------- vocabulary and tokenizer.json

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

module.exports = {
  SPECIALS, BASE_VOCAB, PRE_TOKENIZERS, STYLES, BYTE_SYMBOLS, swapNewlineSymbols, buildVocabulary, tokenizerJson,
};
