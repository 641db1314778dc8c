import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { distFile, fixtureCausalModel, fixtureModel, repoRoot } from '../helpers/paths';

const fixtureData = path.join(repoRoot, 'test', 'fixtures', 'bench', 'tiny-infilling.jsonl');

function d3llm(args: string[]): { code: number; stdout: string; stderr: string } {
	distFile('cli.js');
	const run = spawnSync(process.execPath, [path.join(repoRoot, 'bin', 'd3llm.js'), ...args], { encoding: 'utf8', timeout: 120000 });
	return { code: run.status ?? -1, stdout: run.stdout, stderr: run.stderr };
}

describe('d3llm bench (CLI through the real sidecar)', function () {
	this.timeout(150000);

	it('benchmarks every decoder and the AR twin on a small fixture and prints one JSON line', () => {
		const run = d3llm(['bench', '--data', fixtureData, '--limit', '3', '--model', fixtureModel, '--ar-model', fixtureCausalModel, '--thresholds', '0.3,0.5', '--max-tokens', '16', '--json']);
		assert.equal(run.code, 0, run.stderr);
		const lines = run.stdout.trim().split('\n');
		assert.equal(lines.length, 1);
		const result = JSON.parse(lines[0]);
		assert.equal(result.model, 'tiny-random');
		assert.equal(result.tasks, 3);
		assert.equal(result.defaultThreshold, 0.5);
		assert.deepEqual(result.results.map((r: { label: string; threshold: number | null }) => `${r.label}${r.threshold ?? ''}`), ['ar', 'vanilla', 'fastdllm', 'd3llm0.3', 'd3llm0.5', 'ar-twin']);
		for (const row of result.results) {
			assert.equal(row.tasks, 3);
			for (const key of ['exactMatch', 'editSimilarity', 'passAt1']) {
				assert.ok(row[key] >= 0 && row[key] <= 100, `${row.label} ${key} = ${row[key]}`);
			}
			assert.ok(row.tokens <= 16 && row.forwards >= 1 && row.tpf >= 0 && row.tpf <= 16, JSON.stringify(row));
			assert.ok(row.msP50 > 0 && row.msP95 >= row.msP50 && row.tokensPerSecond >= 0, JSON.stringify(row));
		}
		assert.equal(result.results[5].model, 'tiny-random-causal');
		assert.deepEqual(Object.keys(result.aup), ['ar', 'vanilla', 'fastdllm', 'd3llm', 'ar-twin']);
		assert.match(run.stderr, /decode: 18\/18/, 'plain progress lines when stderr is not a terminal');
	});

	it('writes the markdown report and its plot with --out (scoring the inserted text with --as-inserted)', () => {
		const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'd3llm-bench-')), 'report.md');
		const run = d3llm(['bench', '--data', fixtureData, '--model', fixtureModel, '--decoders', 'ar,d3llm', '--thresholds', '0.5', '--max-tokens', '8', '--as-inserted', '--out', out]);
		assert.equal(run.code, 0, run.stderr);
		const markdown = fs.readFileSync(out, 'utf8');
		assert.match(markdown, /cut: auto \(at the line end for SingleLineInfilling tasks\), of the text the editor inserts \(--as-inserted\)/);
		assert.match(markdown, /\| decoder \| model \| τ \| tasks \|/);
		assert.match(markdown, /\| d3llm \| tiny-random \| 0\.5 \| 4 \|/);
		assert.match(markdown, /!\[.*\]\(report\.svg\)/);
		assert.match(markdown, /- command: `d3llm bench --data .* --decoders ar,d3llm /);
		assert.ok(fs.readFileSync(out.replace(/\.md$/, '.svg'), 'utf8').startsWith('<svg'));
	});

	it('sends --decoding overrides to the main model\'s rows, records them, and writes --samples', () => {
		const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'd3llm-bench-'));
		const [out, samples] = [path.join(dir, 'report.md'), path.join(dir, 'samples.jsonl')];
		const decoding = '{"eosAtLeftmostOnly":true,"blockSize":4,"cacheDelay":1}';
		const args = ['bench', '--data', fixtureData, '--limit', '2', '--model', fixtureModel, '--ar-model', fixtureCausalModel, '--decoders', 'd3llm', '--thresholds', '0.5', '--max-tokens', '8'];
		const run = d3llm([...args, '--decoding', decoding, '--samples', samples, '--out', out, '--json']);
		assert.equal(run.code, 0, run.stderr);
		assert.deepEqual(JSON.parse(run.stdout.trim()).decoding, JSON.parse(decoding));
		assert.match(fs.readFileSync(out, 'utf8'), /- decoding overrides \(main model's rows; .*\): `\{"eosAtLeftmostOnly":true,"blockSize":4,"cacheDelay":1\}`/);
		assert.match(run.stderr, /wrote 4 samples to /);
		const lines = fs.readFileSync(samples, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
		assert.deepEqual(lines.map((l) => `${l.row} ${l.model} ${l.taskId}`), [
			'd3llm τ=0.5 tiny-random SingleLineInfilling/fixture/add/L0', 'd3llm τ=0.5 tiny-random SingleLineInfilling/fixture/is_even/L0',
			'ar-twin tiny-random-causal SingleLineInfilling/fixture/add/L0', 'ar-twin tiny-random-causal SingleLineInfilling/fixture/is_even/L0',
		]);
		assert.equal(lines[0].reference, '    return a + b\n');
		assert.ok(lines.every((l) => l.completion.endsWith('\n') && l.text.startsWith(l.completion.slice(0, -1)) && l.tokens <= 8 && l.forwards >= 1));
		const rejected = d3llm([...args, '--decoding', '{"blockSize":0}']);
		assert.equal(rejected.code, 2, rejected.stderr);
		assert.match(rejected.stderr, /^d3llm: --decoding: blockSize must be an integer in \[1, \d+\] \(got 0\)$/m);
	});

	it('measures inline latency through the warm sidecar and splits it', () => {
		const run = d3llm(['bench', '--latency', '--model', fixtureModel, '--requests', '3', '--max-tokens', '16', '--context-chars', '2000', '--json']);
		assert.equal(run.code, 0, run.stderr);
		const result = JSON.parse(run.stdout.trim());
		assert.equal(result.requests, 3);
		const row = result.results[0];
		assert.equal(row.decoder, 'd3llm');
		assert.equal(row.requests, 3);
		assert.ok(row.e2eP50 > 0 && row.e2eP95 >= row.e2eP50);
		assert.ok(row.contextTokensMax > 0 && row.contextTokensMax <= 1024 - 16);
		const split = row.tokenizeMean + row.forwardMean + row.decoderMean + row.ipcMean;
		assert.ok(Math.abs(split - row.e2eMean) < 0.1, `split ${split} vs e2e ${row.e2eMean}`);
	});

	it('stops cleanly on Ctrl+C (SIGINT) and still prints what finished', async () => {
		distFile('cli.js');
		const samples = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'd3llm-bench-')), 'samples.jsonl');
		const args = ['bench', '--data', fixtureData, '--model', fixtureModel, '--decoders', 'vanilla,d3llm', '--thresholds', '0.1,0.5,0.9', '--max-tokens', '48', '--json', '--samples', samples];
		const child = spawn(process.execPath, [path.join(repoRoot, 'bin', 'd3llm.js'), ...args]);
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
		child.stderr.on('data', (d: Buffer) => {
			stderr += d.toString();
			if (/decode: \d+\/16/.test(stderr) && !child.killed) {
				child.kill('SIGINT');
			}
		});
		const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
		assert.equal(code, 130, stderr);
		assert.match(stderr, /stopping after the request in flight/);
		const result = JSON.parse(stdout.trim());
		assert.equal(result.interrupted, true);
		const finished = result.results.reduce((n: number, r: { tasks: number }) => n + r.tasks, 0);
		assert.ok(finished >= 1 && finished < 16, `finished ${finished} of 16`);
		assert.equal(fs.readFileSync(samples, 'utf8').trim().split('\n').length, finished, 'the samples hold what finished');
	});

	it('rejects bad options and bad data with a message and a non-zero exit', () => {
		const bad = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'd3llm-bench-')), 'bad.jsonl');
		fs.writeFileSync(bad, '{"task_id": "x", "prompt": "p"}\n');
		const cases: Array<[string[], RegExp]> = [
			[['bench'], /give the tasks with --data/],
			[['bench', '--data', bad], /bad\.jsonl:1: missing field "suffix"/],
			[['bench', '--data', fixtureData, '--decoders', 'beam'], /--decoders: unknown decoder "beam"/],
			[['bench', '--data', fixtureData, '--thresholds', 'x'], /--thresholds: "x" is not a non-negative number/],
			[['bench', '--data', fixtureData, '--jobs', '8'], /--jobs must be an integer from 1 to 2/],
			[['bench', '--data', fixtureData, '--decoding', '[1]'], /--decoding must be a JSON object/],
			[['bench', '--data', fixtureData, '--samples', path.join(path.dirname(bad), 'missing', 's.jsonl')], /--samples: folder .*missing does not exist/],
		];
		for (const [args, pattern] of cases) {
			const run = d3llm(args);
			assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
			assert.match(run.stderr, pattern);
		}
	});
});
