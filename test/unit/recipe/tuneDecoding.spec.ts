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
		const best = Math.max(...quality.tuning.sweep.map((row: { editSimilarity: number }) => row.editSimilarity));
		assert.equal(quality.tuning.sweep.find((row: { threshold: number; eosAtLeftmostOnly: boolean }) => row.threshold === chosen.threshold && row.eosAtLeftmostOnly === chosen.eosAtLeftmostOnly).editSimilarity, best);
		for (const decoder of ['d3llm', 'ar']) {
			assert.ok(manifest.quality.decoders[decoder].exactMatch >= 0, decoder);
		}
		assert.equal(manifest.quality.tasks, 2);
		assert.equal(manifest.quality.autoregressiveTwin.model, 'tiny-random-causal');
		const twinManifest = JSON.parse(fs.readFileSync(path.join(twin, 'model.json'), 'utf8'));
		assert.equal(twinManifest.quality.decoders.ar.editSimilarity, manifest.quality.autoregressiveTwin.editSimilarity);
		assert.deepEqual(twinManifest.decoding, twinDecoding, 'the twin keeps its own decoding');
	});

	it('refuses benchmark data and a missing file', () => {
		const shared = path.join(scratch, 'shared', 'tasks.jsonl');
		fs.mkdirSync(path.dirname(shared));
		fs.copyFileSync(tasks, shared);
		const refused = tune(['--data', shared]);
		assert.equal(refused.code, 2);
		assert.match(refused.stderr, /refusing to tune on a file under shared/);
		const missing = tune(['--data', path.join(scratch, 'none.jsonl')]);
		assert.equal(missing.code, 2);
		assert.match(missing.stderr, /give the validation tasks with --data/);
	});
});
