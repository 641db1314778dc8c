import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { decideLinePolicy } from '../../../src/common/linePolicy';
import { postProcess } from '../../../src/common/postProcess';
import { distFile, fixtureModel, repoRoot } from '../helpers/paths';

function d3llm(args: string[]): { code: number; stdout: string; stderr: string } {
	distFile('cli.js');
	const run = spawnSync(process.execPath, [path.join(repoRoot, 'bin', 'd3llm.js'), ...args], { encoding: 'utf8', timeout: 30000 });
	return { code: run.status ?? -1, stdout: run.stdout, stderr: run.stderr };
}

function tempFile(name: string, content: Buffer | string): string {
	const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'd3llm-cli-')), name);
	fs.writeFileSync(file, content);
	return file;
}

describe('d3llm complete (CLI through the real sidecar)', function () {
	this.timeout(40000);

	it('prints one JSON line with the documented fields', () => {
		const run = d3llm(['complete', '--model', fixtureModel, '--prefix', 'def f(x):\n', '--suffix', '\n', '--max-tokens', '16', '--json']);
		assert.equal(run.code, 0, run.stderr);
		const lines = run.stdout.trim().split('\n');
		assert.equal(lines.length, 1);
		const result = JSON.parse(lines[0]);
		for (const field of ['text', 'rawText', 'tokens', 'forwards', 'tpf', 'ms', 'decoder', 'model', 'executionProvider']) {
			assert.ok(field in result, `missing ${field}`);
		}
		assert.equal(result.model, 'tiny-random');
		assert.equal(result.executionProvider, 'cpu');
		assert.equal(result.decoder, 'd3llm');
		assert.ok(result.tokens <= 16 && result.forwards >= 1);
		assert.equal(result.tpf, Math.round((result.tokens / result.forwards) * 1000) / 1000);
	});

	it('prints the text as the editor\'s post-processing leaves it, and the model\'s middle as is with --raw', () => {
		const common = ['complete', '--model', fixtureModel, '--prefix', 'x = 1\ntotal = sum(', '--suffix', ')\nprint(total)\n', '--max-tokens', '12', '--json'];
		const shown = JSON.parse(d3llm(common).stdout);
		const lines = { lineBefore: 'total = sum(', lineAfter: ')' };
		const expected = postProcess({ text: shown.rawText, policy: decideLinePolicy({ setting: 'auto', ...lines }), ...lines, suffix: ')\nprint(total)\n' });
		assert.equal(shown.text, expected ?? '');
		const raw = JSON.parse(d3llm([...common, '--raw']).stdout);
		assert.equal(raw.text, raw.rawText);
		assert.equal(raw.rawText, shown.rawText, 'the same decode either way');
	});

	it('reports median warm times and the share of step time outside onnxruntime with --repeat', () => {
		const run = d3llm(['complete', '--model', fixtureModel, '--prefix', 'import os\n', '--max-tokens', '8', '--decoder', 'ar', '--json', '--repeat', '3']);
		assert.equal(run.code, 0, run.stderr);
		const { timing, forwards } = JSON.parse(run.stdout);
		assert.equal(forwards, 8, 'ar: one forward per token');
		assert.ok(timing.stepMs >= timing.forwardMs && timing.forwardMs > 0);
		assert.ok(timing.outsideOrtShare >= 0 && timing.outsideOrtShare < 1);
	});

	it('prints alternatives as the editor would show them, in JSON and after a marker line', () => {
		const common = ['complete', '--model', fixtureModel, '--prefix', 'def f(x):\n    return', '--max-tokens', '8', '--no-token-healing', '--alternatives', '2'];
		const json = JSON.parse(d3llm([...common, '--json']).stdout);
		assert.ok(Array.isArray(json.alternatives) && json.alternatives.length >= 1, JSON.stringify(json));
		assert.ok(json.alternatives.every((text: string) => text !== '' && text !== json.text));
		assert.equal(new Set(json.alternatives).size, json.alternatives.length);
		const plain = d3llm(common);
		assert.equal(plain.code, 0, plain.stderr);
		assert.equal(plain.stdout, [json.text, ...json.alternatives.map((text: string, i: number) => `── alternative ${i + 1} ──\n${text}`)].join('\n'));
		assert.equal('alternatives' in JSON.parse(d3llm(['complete', '--model', fixtureModel, '--prefix', 'x = ', '--max-tokens', '4', '--json']).stdout), false);
	});

	it('traces the steps in plain text when stderr is not a terminal', () => {
		const run = d3llm(['complete', '--model', fixtureModel, '--prefix-file', tempFile('p.py', 'import os\n'), '--max-tokens', '8', '--trace']);
		assert.equal(run.code, 0, run.stderr);
		const stepLines = run.stderr.split('\n').filter((l) => l.startsWith('step '));
		assert.ok(stepLines.length >= 1);
		assert.match(stepLines[0], /^step {3}1 {2}full/);
		assert.ok(!run.stderr.includes('\x1b['), 'no colour codes when not a TTY');
		assert.match(run.stderr, /\[/, 'this step\'s commits are bracketed');
	});

	it('rejects bad input with a message and a non-zero exit', () => {
		const cases: Array<[string[], number, RegExp]> = [
			[['complete', '--model', fixtureModel, '--prefix', '', '--suffix', ''], 2, /both empty/],
			[['complete', '--model', fixtureModel, '--prefix', 'x', '--max-tokens', '0'], 2, /--max-tokens must be an integer from 1 to 512/],
			[['complete', '--model', fixtureModel, '--prefix', 'x', '--decoder', 'beam'], 2, /--decoder must be one of/],
			[['complete', '--model', fixtureModel, '--prefix', 'x', '--length-slack', '-2'], 2, /--length-slack must be an integer from -1 to 512/],
			[['complete', '--model', fixtureModel, '--prefix', 'x', '--alternatives', '4'], 2, /--alternatives must be an integer from 0 to 3/],
			[['complete', '--model', '/no/such/model', '--prefix', 'x'], 1, /model folder not found/],
			[['complete', '--model', fixtureModel, '--prefix-file', tempFile('bad.py', Buffer.from([0x61, 0x62, 0xff, 0xfe]))], 2, /is not valid UTF-8 \(at or before byte 2\)/],
			[['complete', '--model', fixtureModel, '--prefix-file', '/no/such/file.py'], 2, /cannot read .*ENOENT/],
			[['complete', '--model', fixtureModel, '--prefix', 'x', '--prefix-file', '/tmp/x'], 2, /either --prefix or --prefix-file/],
		];
		for (const [args, code, pattern] of cases) {
			const run = d3llm(args);
			assert.equal(run.code, code, `${args.join(' ')}: ${run.stderr}`);
			assert.match(run.stderr, pattern);
		}
	});
});
