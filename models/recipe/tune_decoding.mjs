#!/usr/bin/env node
/**
 * Tunes the shipped model's default decoding parameters on the corpus VALIDATION split (never on benchmark
 * data) and records the measured validation numbers in model.json (issue 3, "Ship"): single-line infilling
 * exact match and edit similarity with the `d3llm` and `ar` decoders on the diffusion model, and with the
 * autoregressive twin. Everything runs through `d3llm bench`, i.e. the real engine and sidecar.
 *
 * Grid: d3llm entropy threshold × EOS policy (anywhere / leftmost undecided position only) × block size.
 * Choice: among the settings within `--es-tolerance` points (default 0.5) of the best mean edit similarity
 * — on a few hundred tasks differences that small are noise, and a small model's exact-match count is too
 * small to rank settings by itself — the one with the most tokens per forward (d3LLM's speed measure),
 * then the higher exact match.
 * Then, with `--multi-data` (multi-line validation holes, `eval_infill.py extract --cursor lines`): the length
 * cap `lengthSlack` (src/core/lengthCap.ts) among `--length-slacks`, scored on the whole middle as the editor
 * inserts it: among the caps that keep single-line edit similarity within the tolerance of no cap (a cap changes
 * what the model writes on the first line too, not only where the hole ends), those within the same tolerance
 * of the best multi-line edit similarity, then the lowest median latency (a cap saves forwards, not tokens per
 * forward).
 *
 * Usage:
 *   node models/recipe/tune_decoding.mjs --data /work/d3llm-data/val_single_line.jsonl \
 *     --model models/d3llm-tiny-code --ar-model models/d3llm-tiny-code-ar [--limit 200] [--write]
 *     [--multi-data /work/d3llm-data/val_multi_line.jsonl --length-slacks=-1,10,16,24]  (= : the list starts with a dash)
 *   (--reuse-sweep quality.json: take the sweeps of an earlier run's output instead of running them again; the
 *    length-cap rows only when that run chose the same threshold, block size and EOS policy)
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = path.join(root, 'bin', 'd3llm.js');
const { values: opts } = parseArgs({
	options: {
		data: { type: 'string' },
		model: { type: 'string', default: path.join(root, 'models', 'd3llm-tiny-code') },
		'ar-model': { type: 'string', default: path.join(root, 'models', 'd3llm-tiny-code-ar') },
		limit: { type: 'string', default: '200' },
		thresholds: { type: 'string', default: '0.3,0.7,1.5' },
		'block-sizes': { type: 'string', default: '16,32' },
		'max-tokens': { type: 'string', default: '32' },
		'es-tolerance': { type: 'string', default: '0.5' },
		'reuse-sweep': { type: 'string' },
		'multi-data': { type: 'string' },
		'length-slacks': { type: 'string', default: '-1,10,16,24' },
		'multi-max-tokens': { type: 'string', default: '48' },
		write: { type: 'boolean', default: false },
	},
});
if (!opts.data || !fs.existsSync(opts.data)) {
	console.error('give the validation tasks with --data FILE (models/recipe/eval_infill.py extract writes them)');
	process.exit(2);
}
if (opts['multi-data'] && !fs.existsSync(opts['multi-data'])) {
	console.error(`--multi-data: no such file ${opts['multi-data']}`);
	process.exit(2);
}
if ([opts.data, opts['multi-data']].some((file) => file && path.resolve(file).split(path.sep).includes('shared'))) {
	console.error('refusing to tune on a file under shared/ (benchmark data)');
	process.exit(2);
}

function bench(args, data = opts.data, shape = ['--cut', 'line', '--max-tokens', opts['max-tokens']]) {
	const common = ['bench', '--data', data, '--limit', opts.limit, ...shape, '--json'];
	const out = execFileSync(process.execPath, [cli, ...common, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26 });
	return JSON.parse(out.trim().split('\n').pop());
}

/** One `bench` of the diffusion model with the d3llm decoder at `thresholds` (comma list) and these decoding overrides. */
function benchD3llm(thresholds, decoding, data, shape) {
	return bench(['--model', opts.model, '--decoders', 'd3llm', '--thresholds', String(thresholds), '--decoding', JSON.stringify(decoding)], data, shape);
}

function rowSummary(row, decoding) {
	return {
		decoder: row.decoder, ...decoding, threshold: row.threshold ?? undefined, tasks: row.tasks,
		exactMatch: row.exactMatch, editSimilarity: row.editSimilarity, tpf: row.tpf, msP50: row.msP50,
	};
}

const earlierTuning = opts['reuse-sweep'] ? readEarlierTuning(opts['reuse-sweep']) : undefined;
const sweep = earlierTuning ? [...(earlierTuning.sweep ?? [])] : [];
for (const eosAtLeftmostOnly of earlierTuning ? [] : [false, true]) {
	for (const blockSize of opts['block-sizes'].split(',').map(Number)) {
		// with --multi-data the cap is tuned second, so the first stage runs without it whatever model.json says
		const decoding = { eosAtLeftmostOnly, blockSize, ...(opts['multi-data'] ? { lengthSlack: -1 } : {}) };
		process.stderr.write(`tune: ${JSON.stringify(decoding)}\n`);
		const report = benchD3llm(opts.thresholds, decoding);
		sweep.push(...report.results.map((row) => rowSummary(row, decoding)));
	}
}
if (sweep.length === 0 || sweep.some((row) => typeof row.editSimilarity !== 'number' || typeof row.tpf !== 'number')) {
	console.error('tune: no usable sweep rows (an earlier output of this script is expected with --reuse-sweep)');
	process.exit(2);
}
const tolerance = Number(opts['es-tolerance']);
const faster = (a, b) => a.tpf - b.tpf || a.exactMatch - b.exactMatch || a.editSimilarity - b.editSimilarity;
const { top: bestSimilarity, pick: best } = pickAmongAccurate(sweep, faster);
const tuned = { threshold: best.threshold, blockSize: best.blockSize, eosAtLeftmostOnly: best.eosAtLeftmostOnly };
process.stderr.write(`tune: best ${JSON.stringify(tuned)} (edit similarity ${best.editSimilarity}, EM ${best.exactMatch})\n`);
const lengthTuning = opts['multi-data'] ? tuneLengthSlack(tuned, best) : undefined;
if (lengthTuning) {
	tuned.lengthSlack = lengthTuning.chosen;
}

const finalDecoding = { blockSize: tuned.blockSize, eosAtLeftmostOnly: tuned.eosAtLeftmostOnly, lengthSlack: tuned.lengthSlack };
const final = bench(['--model', opts.model, '--decoders', 'ar,d3llm', '--thresholds', String(tuned.threshold),
	'--decoding', JSON.stringify(finalDecoding), '--ar-model', opts['ar-model']]);
const byLabel = Object.fromEntries(final.results.map((row) => [row.label, row]));
const measured = (row) => ({ exactMatch: row.exactMatch, editSimilarity: row.editSimilarity, tpf: row.tpf, msP50: row.msP50 });
const quality = {
	metric: 'single-line infilling on the corpus validation split (first line; exact match and edit similarity in %, after trimming line ends)',
	tasks: final.tasks,
	maxTokens: Number(opts['max-tokens']),
	measuredWith: 'd3llm bench (the engine and sidecar), models/recipe/tune_decoding.mjs',
	decoders: { d3llm: measured(byLabel.d3llm), ar: measured(byLabel.ar) },
	autoregressiveTwin: { model: byLabel['ar-twin'].model, ...measured(byLabel['ar-twin']) },
	tuning: {
		criterion: `edit similarity within ${tolerance} points of the best (${bestSimilarity}), then the most tokens per forward, then exact match`,
		chosen: tuned,
		sweep,
		...(lengthTuning ? { lengthSlack: lengthTuning } : {}),
	},
	measuredAt: new Date().toISOString(),
};
console.log(JSON.stringify(quality, null, 1));

if (opts.write) {
	updateManifest(opts.model, (m) => ({ ...m, decoding: { ...m.decoding, ...tuned }, quality }));
	updateManifest(opts['ar-model'], (m) => ({
		...m,
		quality: { metric: quality.metric, tasks: quality.tasks, maxTokens: quality.maxTokens, measuredWith: quality.measuredWith,
			decoders: { ar: measured(byLabel['ar-twin']) }, diffusionTwin: { model: byLabel.d3llm.model, d3llm: quality.decoders.d3llm }, measuredAt: quality.measuredAt },
	}));
	process.stderr.write(`tune: wrote decoding and quality into ${opts.model}/model.json and quality into ${opts['ar-model']}/model.json\n`);
}

/**
 * Sweeps lengthSlack with the chosen settings on the multi-line holes and on the single-line ones (`offRow`: the
 * first stage's row of the choice, i.e. no cap); among the caps that keep single-line edit similarity within the
 * tolerance of no cap, the accurate ones on multi-line holes, then the lowest p50.
 */
function tuneLengthSlack(chosen, offRow) {
	const earlier = earlierLengthRows(chosen);
	const rows = opts['length-slacks'].split(',').map(Number).map((lengthSlack) => {
		const decoding = { blockSize: chosen.blockSize, eosAtLeftmostOnly: chosen.eosAtLeftmostOnly, lengthSlack };
		const multi = earlier.get(lengthSlack) ?? measureMultiLine(chosen, decoding);
		const singleLine = lengthSlack < 0 ? singleLineSummary(offRow) : (multi.singleLine ?? measureSingleLine(chosen, decoding));
		return { ...multi, lengthSlack, singleLine };
	});
	const offSingle = offRow.editSimilarity;
	const kept = rows.filter((row) => row.singleLine.editSimilarity >= offSingle - tolerance);
	// no cap is always allowed: when every listed cap costs single-line accuracy (and -1 is not listed), none is chosen
	const { top, pick } = kept.length > 0 ? pickAmongAccurate(kept, (b, a) => a.msP50 - b.msP50) : { top: null, pick: { lengthSlack: -1 } };
	return {
		metric: 'multi-line holes (2 to 4 whole lines) of the corpus validation split, the whole middle as the editor inserts it',
		data: path.basename(opts['multi-data']),
		maxTokens: Number(opts['multi-max-tokens']),
		criterion: `single-line edit similarity within ${tolerance} points of no cap (${offSingle}), then multi-line edit similarity within ${tolerance} points of the best of those (${top}), then the lowest median latency`,
		chosen: pick.lengthSlack,
		sweep: rows,
	};
}

function measureMultiLine(chosen, decoding) {
	process.stderr.write(`tune: multi-line ${JSON.stringify(decoding)}\n`);
	const shape = ['--cut', 'none', '--as-inserted', '--max-tokens', opts['multi-max-tokens']];
	const report = benchD3llm(chosen.threshold, decoding, opts['multi-data'], shape);
	return rowSummary(report.results[0], {});
}

function measureSingleLine(chosen, decoding) {
	process.stderr.write(`tune: single-line ${JSON.stringify(decoding)}\n`);
	const report = benchD3llm(chosen.threshold, decoding);
	return singleLineSummary(report.results[0]);
}

function singleLineSummary(row) {
	return { exactMatch: row.exactMatch, editSimilarity: row.editSimilarity, msP50: row.msP50 };
}

/** The length-cap rows of --reuse-sweep's run, by cap, when that run chose the same settings on the same multi-line file and budget (else none). */
function earlierLengthRows(chosen) {
	const tuning = earlierTuning ?? {};
	const same = ['threshold', 'blockSize', 'eosAtLeftmostOnly'].every((key) => tuning.chosen?.[key] === chosen[key]);
	const sameData = tuning.lengthSlack?.data === path.basename(opts['multi-data']) && tuning.lengthSlack?.maxTokens === Number(opts['multi-max-tokens']);
	const rows = same && sameData ? tuning.lengthSlack.sweep ?? [] : [];
	return new Map(rows.map((row) => [row.lengthSlack, row]));
}

/**
 * The best edit similarity of `rows` (`top`) and, among the rows within `--es-tolerance` of it, the first one that
 * no later row beats by `prefer(later, current) > 0` (`pick`).
 */
function pickAmongAccurate(rows, prefer) {
	const top = Math.max(...rows.map((row) => row.editSimilarity));
	const accurate = rows.filter((row) => row.editSimilarity >= top - tolerance);
	return { top, pick: accurate.reduce((a, b) => (prefer(b, a) > 0 ? b : a)) };
}

/** The `tuning` object of an earlier output of this script (--reuse-sweep), read once for both stages. */
function readEarlierTuning(file) {
	try {
		return JSON.parse(fs.readFileSync(file, 'utf8')).tuning ?? {};
	} catch (e) {
		console.error(`tune: cannot read the sweep of ${file}: ${e.message}`);
		process.exit(2);
	}
}

function updateManifest(dir, change) {
	const file = path.join(dir, 'model.json');
	const manifest = JSON.parse(fs.readFileSync(file, 'utf8'));
	fs.writeFileSync(file, `${JSON.stringify(change(manifest), null, 2)}\n`);
}
