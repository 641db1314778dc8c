import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { aupEntry, buildAupTable, chooseMetric } from '../../../src/cli/bench/aupTable';
import type { BenchConfig } from '../../../src/cli/bench/benchConfig';
import { buildConfigs } from '../../../src/cli/bench/benchConfig';
import { reportJson, reportMarkdown, svgPathFor, writeReport, type BenchReport } from '../../../src/cli/bench/benchReport';
import type { ConfigRun, TaskRun } from '../../../src/cli/bench/benchRunner';
import { percentile, summarizeRun, type BenchRow } from '../../../src/cli/bench/benchSummary';
import type { BenchTask } from '../../../src/cli/bench/benchTask';

const tasks = new Map<string, BenchTask>([
	['a', { taskId: 'a', prompt: '', suffix: '', canonicalSolution: 'x = 1\n', test: 't', entryPoint: 'f' }],
	['b', { taskId: 'b', prompt: '', suffix: '', canonicalSolution: 'y = 2\n', test: 't', entryPoint: 'f' }],
]);

function taskRun(taskId: string, completion: string, tokens: number, forwards: number, ms: number): TaskRun {
	return { taskId, text: completion, completion, tokens, forwards, ms, result: undefined as never };
}

function row(label: string, tpf: number, passAt1: number | null, exactMatch = 0, threshold: number | null = null): BenchRow {
	return { decoder: label, label, model: 'm', threshold, tasks: 2, exactMatch, editSimilarity: 0, passAt1, tpf, forwards: 1, tokens: 1, msP50: 1, msP95: 1, tokensPerSecond: 1 };
}

describe('bench summary, AUP table and report', () => {
	it('summarises a row: scores in percent, TPF as Σ tokens ÷ Σ forwards, per-task time percentiles', () => {
		const config: BenchConfig = { label: 'd3llm', decoder: 'd3llm', threshold: 0.5, modelDir: '/m' };
		const run: ConfigRun = { config, model: 'tiny', runs: [taskRun('a', 'x = 1  \n', 12, 4, 10), taskRun('b', 'y = 3\n', 6, 2, 30)] };
		const summary = summarizeRun(run, tasks, new Map([['a', 'pass'], ['b', 'timeout']]));
		assert.deepEqual(summary, {
			decoder: 'd3llm', label: 'd3llm', model: 'tiny', threshold: 0.5, tasks: 2,
			exactMatch: 50, editSimilarity: 90, passAt1: 50, tpf: 3, forwards: 3, tokens: 9, msP50: 10, msP95: 30, tokensPerSecond: 450,
		});
		assert.equal(summarizeRun(run, tasks, new Map()).passAt1, null);
	});

	it('takes nearest-rank percentiles', () => {
		const values = Array.from({ length: 20 }, (_, i) => i + 1);
		assert.equal(percentile(values, 50), 10);
		assert.equal(percentile(values, 95), 19);
		assert.equal(percentile([7], 95), 7);
		assert.equal(percentile([], 50), 0);
	});

	it('reproduces the reference AUP worked example (§4.2) and gives ρ·y for one point', () => {
		const coder = aupEntry('d3llm', [{ tpf: 2.88, accuracy: 79.7 }, { tpf: 1, accuracy: 82.4 }], 86.6);
		assert.equal(coder.value, 208.36);
		assert.deepEqual(coder.points.map((p) => p.tpf), [1, 2.88]);
		assert.equal(aupEntry('ar', [{ tpf: 1, accuracy: 86.6 }], 86.6).value, 86.6);
		assert.equal(aupEntry('x', [{ tpf: 2.5, accuracy: 40 }], 80).value, 100);
		assert.equal(aupEntry('none', [], 50).value, null);
	});

	it('cuts a sweep where accuracy falls more than 5 points, and says so', () => {
		const entry = aupEntry('d3llm', [{ tpf: 1, accuracy: 50 }, { tpf: 2, accuracy: 48 }, { tpf: 3, accuracy: 40 }], 50);
		assert.equal(entry.value, aupEntry('d3llm', [{ tpf: 1, accuracy: 50 }, { tpf: 2, accuracy: 48 }], 50).value);
		assert.match(entry.note ?? '', /cut at TPF 2/);
	});

	it('uses pass@1 when every row has it, exact match otherwise, and the best row as y_max', () => {
		const rows = [row('ar', 1, 40, 30), row('d3llm', 2, 38, 35, 0.3), row('d3llm', 3, 36, 20, 0.5)];
		assert.equal(chooseMetric(rows), 'passAt1');
		const table = buildAupTable(rows);
		assert.equal(table.yMax, 40);
		assert.deepEqual(table.entries.map((e) => e.label), ['ar', 'd3llm']);
		assert.equal(table.entries[0].value, 40);
		assert.equal(chooseMetric([row('ar', 1, null, 30), row('d3llm', 2, 10)]), 'exactMatch');
		assert.equal(buildAupTable([row('ar', 1, 0), row('x', 0, 0)]).entries[1].value, null);
	});

	it('orders rows: decoders as given, d3llm thresholds ascending without duplicates, then the AR twin', () => {
		const configs = buildConfigs(['ar', 'd3llm', 'vanilla'], [0.5, 0.1, 0.5], '/m', '/twin');
		assert.deepEqual(configs.map((c) => [c.label, c.decoder, c.threshold, c.modelDir]), [
			['ar', 'ar', undefined, '/m'],
			['d3llm', 'd3llm', 0.1, '/m'],
			['d3llm', 'd3llm', 0.5, '/m'],
			['vanilla', 'vanilla', undefined, '/m'],
			['ar-twin', 'ar', undefined, '/twin'],
		]);
	});

	it('prints one JSON line and a markdown report with its SVG plot next to it', () => {
		const rows = [row('ar', 1, 40), row('d3llm', 2.5, 38, 0, 0.5)];
		const report: BenchReport = { model: 'tiny', dataFile: '/d/x.jsonl', tasks: 2, defaultThreshold: 0.5, maxTokens: 48, cut: 'line', executionProvider: 'cpu', rows, aup: buildAupTable(rows), interrupted: false };
		const json = JSON.parse(reportJson(report));
		assert.deepEqual(Object.keys(json).slice(0, 5), ['model', 'tasks', 'defaultThreshold', 'results', 'aup']);
		assert.deepEqual(Object.keys(json.aup), ['ar', 'd3llm']);
		for (const key of ['decoder', 'threshold', 'exactMatch', 'editSimilarity', 'passAt1', 'tpf', 'forwards', 'tokens', 'msP50', 'msP95', 'tokensPerSecond']) {
			assert.ok(key in json.results[1], key);
		}
		const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'd3llm-report-')), 'report.md');
		const svg = writeReport(report, out);
		assert.equal(svg, svgPathFor(out));
		assert.match(fs.readFileSync(out, 'utf8'), /\| d3llm \| m \| 0\.5 \| 2 \|.* \| 1\.00× \|\n[\s\S]*!\[pass@1 against tokens per forward\]\(report\.svg\)/);
		const plot = fs.readFileSync(svg, 'utf8');
		assert.match(plot, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[\s\S]*<\/svg>\n$/);
		assert.equal((plot.match(/<circle /g) ?? []).length, 4, 'one point per row plus one legend dot per label');
		assert.doesNotMatch(reportMarkdown(report), /!\[/);
	});
});
