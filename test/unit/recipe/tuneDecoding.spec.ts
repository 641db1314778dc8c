import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { distFile, fixtureCausalModel, fixtureModel, repoRoot } from '../helpers/paths';

const script = path.join(repoRoot, 'models', 'recipe', 'tune_decoding.mjs');
const tasks = path.join(repoRoot, 'test', 'fixtures', 'bench', 'tiny-infilling.jsonl');

function copyModel(from: string, scratch: string): string {
	const to = path.join(scratch, path.basename(from));
	fs.cpSync(from, to, { recursive: true });
	return to;
}

function tune(args: string[]): { code: number; stdout: string; stderr: string } {
	distFile('cli.js');
	const run = spawnSync(process.execPath, [script, ...args], { encoding: 'utf8', timeout: 120000 });
	return { code: run.status ?? -1, stdout: run.stdout, stderr: run.stderr };
}

describe('models/recipe/tune_decoding.mjs (through d3llm bench on the fixtures)', function () {
	this.timeout(150000);
	let scratch: string;

	beforeEach(() => {
		scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'd3llm-tune-'));
	});
	afterEach(() => fs.rmSync(scratch, { recursive: true, force: true }));

	it('sweeps the grid, writes the chosen defaults and the validation numbers into both model.json files', () => {
		const model = copyModel(fixtureModel, scratch);
		const twin = copyModel(fixtureCausalModel, scratch);
		const twinDecoding = JSON.parse(fs.readFileSync(path.join(twin, 'model.json'), 'utf8')).decoding;
		const run = tune(['--data', tasks, '--model', model, '--ar-model', twin, '--limit', '2', '--thresholds', '0.2,0.6', '--block-sizes', '8', '--max-tokens', '8', '--write']);
		assert.equal(run.code, 0, run.stderr);
		const quality = JSON.parse(run.stdout);
		assert.equal(quality.tuning.sweep.length, 4, 'two thresholds × two EOS policies × one block size');
		const manifest = JSON.parse(fs.readFileSync(path.join(model, 'model.json'), 'utf8'));
		const chosen = quality.tuning.chosen;
		assert.deepEqual({ threshold: manifest.decoding.threshold, blockSize: manifest.decoding.blockSize, eosAtLeftmostOnly: manifest.decoding.eosAtLeftmostOnly }, chosen);
		assert.ok([0.2, 0.6].includes(chosen.threshold));
		type Row = { threshold: number; eosAtLeftmostOnly: boolean; editSimilarity: number; tpf: number };
		const sweep: Row[] = quality.tuning.sweep;
		const best = Math.max(...sweep.map((row) => row.editSimilarity));
		const near = sweep.filter((row) => row.editSimilarity >= best - 0.5);
		const picked = sweep.find((row) => row.threshold === chosen.threshold && row.eosAtLeftmostOnly === chosen.eosAtLeftmostOnly)!;
		assert.ok(near.includes(picked), 'the choice is within 0.5 points of the best edit similarity');
		assert.equal(picked.tpf, Math.max(...near.map((row) => row.tpf)), 'and the fastest of those');
		for (const decoder of ['d3llm', 'ar']) {
			assert.ok(manifest.quality.decoders[decoder].exactMatch >= 0, decoder);
		}
		assert.equal(manifest.quality.tasks, 2);
		assert.equal(manifest.quality.autoregressiveTwin.model, 'tiny-random-causal');
		const twinManifest = JSON.parse(fs.readFileSync(path.join(twin, 'model.json'), 'utf8'));
		assert.equal(twinManifest.quality.decoders.ar.editSimilarity, manifest.quality.autoregressiveTwin.editSimilarity);
		assert.deepEqual(twinManifest.decoding, twinDecoding, 'the twin keeps its own decoding');
	});

	it('with --multi-data, picks the length cap on multi-line holes and writes it into model.json', () => {
		const model = copyModel(fixtureModel, scratch);
		const twin = copyModel(fixtureCausalModel, scratch);
		const run = tune(['--data', tasks, '--multi-data', tasks, '--length-slacks=-1,2', '--multi-max-tokens', '8', '--model', model, '--ar-model', twin,
			'--limit', '2', '--thresholds', '0.6', '--block-sizes', '8', '--max-tokens', '8', '--write']);
		assert.equal(run.code, 0, run.stderr);
		const tuning = JSON.parse(run.stdout).tuning;
		assert.ok(tuning.sweep.length > 0 && tuning.sweep.every((row: { lengthSlack: number }) => row.lengthSlack === -1), 'the first stage runs without the cap');
		const lengthTuning = tuning.lengthSlack;
		type Row = { lengthSlack: number; editSimilarity: number; msP50: number; tasks: number; singleLine: { editSimilarity: number } };
		const sweep: Row[] = lengthTuning.sweep;
		assert.deepEqual(sweep.map((row) => row.lengthSlack), [-1, 2]);
		assert.ok(sweep.every((row) => row.tasks === 2 && typeof row.singleLine.editSimilarity === 'number'));
		const kept = sweep.filter((row) => row.singleLine.editSimilarity >= sweep[0].singleLine.editSimilarity - 0.5);
		const best = Math.max(...kept.map((row) => row.editSimilarity));
		const near = kept.filter((row) => row.editSimilarity >= best - 0.5);
		const picked = sweep.find((row) => row.lengthSlack === lengthTuning.chosen)!;
		assert.ok(near.includes(picked));
		assert.equal(picked.msP50, Math.min(...near.map((row) => row.msP50)), 'the fastest of the accurate caps');
		const manifest = JSON.parse(fs.readFileSync(path.join(model, 'model.json'), 'utf8'));
		assert.equal(manifest.decoding.lengthSlack, lengthTuning.chosen);
		assert.equal(manifest.quality.tuning.chosen.lengthSlack, lengthTuning.chosen);
	});

	it('reuses an earlier sweep without running it again', () => {
		const model = copyModel(fixtureModel, scratch);
		const twin = copyModel(fixtureCausalModel, scratch);
		const earlier = path.join(scratch, 'earlier.json');
		const row = { decoder: 'd3llm', blockSize: 8, tasks: 2, exactMatch: 0, msP50: 1 };
		const sweep = [
			{ ...row, eosAtLeftmostOnly: false, threshold: 0.2, editSimilarity: 30, tpf: 1 },
			{ ...row, eosAtLeftmostOnly: true, threshold: 0.9, editSimilarity: 29.8, tpf: 2 },
			{ ...row, eosAtLeftmostOnly: true, threshold: 2, editSimilarity: 20, tpf: 5 },
		];
		fs.writeFileSync(earlier, JSON.stringify({ tuning: { sweep } }));
		const run = tune(['--data', tasks, '--model', model, '--ar-model', twin, '--limit', '2', '--max-tokens', '8', '--reuse-sweep', earlier]);
		assert.equal(run.code, 0, run.stderr);
		const quality = JSON.parse(run.stdout);
		assert.deepEqual(quality.tuning.chosen, { threshold: 0.9, blockSize: 8, eosAtLeftmostOnly: true }, 'fastest within 0.5 points');
		assert.doesNotMatch(run.stderr, /tune: \{/, 'no sweep ran');
	});

	it('keeps a length cap only when single-line accuracy stays within the tolerance of no cap (reused rows)', () => {
		const model = copyModel(fixtureModel, scratch);
		const twin = copyModel(fixtureCausalModel, scratch);
		const earlier = path.join(scratch, 'earlier.json');
		const row = { decoder: 'd3llm', blockSize: 8, tasks: 2, exactMatch: 0, msP50: 1, eosAtLeftmostOnly: true };
		const sweep = [{ ...row, threshold: 0.9, editSimilarity: 29.8, tpf: 2 }, { ...row, threshold: 0.2, editSimilarity: 20, tpf: 1 }];
		const capRow = { decoder: 'd3llm', threshold: 0.9, tasks: 2, exactMatch: 0, tpf: 1 };
		const capSweep = [
			{ ...capRow, lengthSlack: -1, editSimilarity: 20, msP50: 100 },
			{ ...capRow, lengthSlack: 4, editSimilarity: 30, msP50: 40, singleLine: { exactMatch: 0, editSimilarity: 25, msP50: 1 } },
			{ ...capRow, lengthSlack: 6, editSimilarity: 19.8, msP50: 60, singleLine: { exactMatch: 0, editSimilarity: 29.5, msP50: 1 } },
		];
		const chosen = { threshold: 0.9, blockSize: 8, eosAtLeftmostOnly: true };
		fs.writeFileSync(earlier, JSON.stringify({ tuning: { chosen, sweep, lengthSlack: { data: path.basename(tasks), maxTokens: 8, sweep: capSweep } } }));
		const run = tune(['--data', tasks, '--multi-data', tasks, '--length-slacks=-1,4,6', '--multi-max-tokens', '8', '--model', model,
			'--ar-model', twin, '--limit', '2', '--max-tokens', '8', '--reuse-sweep', earlier]);
		assert.equal(run.code, 0, run.stderr);
		const lengthTuning = JSON.parse(run.stdout).tuning.lengthSlack;
		assert.equal(lengthTuning.chosen, 6, 'cap 4 has the best multi-line score but costs 4.8 points on single lines; 6 is within 0.5 of no cap');
		assert.deepEqual(lengthTuning.sweep.find((r: { lengthSlack: number }) => r.lengthSlack === -1).singleLine.editSimilarity, 29.8, 'no cap: the first stage row');
		assert.doesNotMatch(run.stderr, /tune: (multi|single)-line/, 'every row reused');
	});

	it('refuses benchmark data, a missing file and an empty sweep', () => {
		const shared = path.join(scratch, 'shared', 'tasks.jsonl');
		fs.mkdirSync(path.dirname(shared));
		fs.copyFileSync(tasks, shared);
		const refused = tune(['--data', shared]);
		assert.equal(refused.code, 2);
		assert.match(refused.stderr, /refusing to tune on a file under shared/);
		const empty = path.join(scratch, 'empty.json');
		fs.writeFileSync(empty, '{"tuning":{"sweep":[]}}');
		const noRows = tune(['--data', tasks, '--reuse-sweep', empty]);
		assert.equal(noRows.code, 2);
		assert.match(noRows.stderr, /no usable sweep rows/);
		const missing = tune(['--data', path.join(scratch, 'none.jsonl')]);
		assert.equal(missing.code, 2);
		assert.match(missing.stderr, /give the validation tasks with --data/);
	});
});
