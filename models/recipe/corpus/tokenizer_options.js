/*
 * Command-line options of train_tokenizer.js (parsed with node's util.parseArgs): corpus JSONL or plain FILEs,
 * sample size, vocabulary size and style; every bad value is an InputError with one readable line.
 */
'use strict';
const fs = require('fs');
const { parseArgs: parseCommandLine } = require('util');
const { BASE_VOCAB, SPECIALS, STYLES } = require('./bpe_assembly');

/** Bad input: reported as one line, without a stack trace. */
class InputError extends Error {}

const DEFAULTS = {
  corpus: '/work/d3llm-data/corpus/train.jsonl',
  out: '/work/d3llm-data/tokenizer/tokenizer.json',
  'sample-mb': '25',
  'sample-every': '14',
  vocab: '8192',
  style: 'shipped',
};
const USAGE = 'usage: train_tokenizer.js [--corpus train.jsonl] [--sample-mb MB] [--sample-every N] [--out tokenizer.json]\n' +
  '         [--vocab N] [--style shipped|fixture] [FILE...]   (FILEs instead of --corpus: train on plain files)';
const CORPUS_ONLY = ['sample-mb', 'sample-every'];

/** The options of argv (without node and the script), checked. */
function parseArgs(argv) {
  const { values: given, positionals: files } = readCommandLine(argv);
  if (files.length > 0) {
    if ('corpus' in given) throw new InputError(`give either --corpus or plain FILEs, not both\n${USAGE}`);
    const misplaced = CORPUS_ONLY.find((name) => name in given);
    if (misplaced) throw new InputError(`--${misplaced} applies only to --corpus input\n${USAGE}`);
  }
  const raw = { ...DEFAULTS, ...given };
  return {
    corpus: files.length > 0 ? null : raw.corpus,
    files,
    out: raw.out,
    vocab: integerOption('vocab', raw.vocab, BASE_VOCAB, ` (${SPECIALS.length} special tokens + 256 byte symbols)`),
    sampleMb: positiveNumberOption('sample-mb', raw['sample-mb']),
    sampleEvery: integerOption('sample-every', raw['sample-every'], 1, ''),
    style: styleOption(raw.style),
  };
}

function readCommandLine(argv) {
  const options = Object.fromEntries(Object.keys(DEFAULTS).map((name) => [name, { type: 'string' }]));
  try {
    return parseCommandLine({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new InputError(`${err.message}\n${USAGE}`);
  }
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

module.exports = { InputError, parseArgs, requireFile, validationFile };
