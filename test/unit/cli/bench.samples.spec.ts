import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildConfigs } from '../../../src/cli/bench/benchConfig';
import { checkSamplesPath, parseBenchOptions } from '../../../src/cli/bench/benchOptions';
import { runBench } from '../../../src/cli/bench/benchRunner';
import { writeSamples } from '../../../src/cli/bench/benchSamples';
import { summarizeRun } from '../../../src/cli/bench/benchSummary';
import { StopSignal } from '../../../src/cli/bench/stopSignal';
import { UsageError } from '../../../src/cli/usageError';
import { RecordingBackend, rawOptions, runnerOptions, singleLineTasks } from './benchFakes';

const taskMap = new Map(singleLineTasks.map((task) => [task.taskId, task]));

function tempFile(): string {
	return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'd3llm-samples-')), 'samples.jsonl');
}

function readLines(file: string): Array<Record<string, unknown>> {
	const text = fs.readFileSync(file, 'utf8');
	assert.ok(text.endsWith('\n'));
	return text.trimEnd().split('\n').map((line) => JSON.parse(line));
}

describe('bench --samples', () => {
	it('writes one line per (row, task) with the completion, the reference and the scores as summarised', async () => {
		const runs = await runBench(new RecordingBackend(), buildConfigs(['ar', 'd3llm'], [0.3], '/main', '/twin'), singleLineTasks, runnerOptions());
		const file = tempFile();
		assert.equal(writeSamples(file, runs, taskMap), 6);
		const lines = readLines(file);
		assert.deepEqual(lines.map((l) => `${l.row}|${l.taskId}`), [
			'ar|SingleLineInfilling/t1', 'ar|SingleLineInfilling/t2',
			'd3llm τ=0.3|SingleLineInfilling/t1', 'd3llm τ=0.3|SingleLineInfilling/t2',
			'ar-twin|SingleLineInfilling/t1', 'ar-twin|SingleLineInfilling/t2',
		]);
		const { ms, ...d3llm } = lines[2];
		assert.ok(typeof ms === 'number' && ms >= 0);
		assert.deepEqual(d3llm, {
			row: 'd3llm τ=0.3', decoder: 'd3llm', threshold: 0.3, model: 'main', taskId: 'SingleLineInfilling/t1',
			completion: 't1 d3llm\n', text: 't1 d3llm\nsecond line', reference: 't1 ar\n',
			exactMatch: false, editSimilarity: 0.375, tokens: 6, forwards: 2,
		});
		assert.deepEqual(Object.keys(lines[4]), ['row', 'decoder', 'model', 'taskId', 'completion', 'text', 'reference', 'exactMatch', 'editSimilarity', 'tokens', 'forwards', 'ms']);
		assert.deepEqual([lines[4].model, lines[4].exactMatch, lines[4].editSimilarity], ['twin', true, 1]);
		runs.forEach((run, i) => {
			const rowLines = lines.slice(2 * i, 2 * i + 2);
			const summary = summarizeRun(run, taskMap, new Map());
			assert.equal(summary.exactMatch, (100 * rowLines.filter((l) => l.exactMatch).length) / 2, `${run.config.label}: same exact match as the report`);
			assert.equal(summary.editSimilarity, (100 * ((rowLines[0].editSimilarity as number) + (rowLines[1].editSimilarity as number))) / 2, `${run.config.label}: same edit similarity`);
		});
	});

	it('holds only what finished when the run was stopped', async () => {
		const backend = new RecordingBackend();
		const stop = new StopSignal();
		backend.onComplete = () => backend.requests.length === 3 && stop.stop();
		const runs = await runBench(backend, buildConfigs(['ar', 'vanilla'], [], '/main'), singleLineTasks, runnerOptions(stop));
		const file = tempFile();
		assert.equal(writeSamples(file, runs, taskMap), 3);
		assert.deepEqual(readLines(file).map((l) => `${l.row} ${l.taskId}`), ['ar SingleLineInfilling/t1', 'ar SingleLineInfilling/t2', 'vanilla SingleLineInfilling/t1']);
	});

	it('refuses a path in a missing folder, or a folder, before anything runs', () => {
		const file = tempFile();
		assert.equal(parseBenchOptions(rawOptions({ samples: file })).samples, file);
		assert.equal(checkSamplesPath('samples.jsonl'), 'samples.jsonl', 'the working folder exists');
		const missing = path.join(path.dirname(file), 'no-such-folder', 'samples.jsonl');
		assert.throws(() => parseBenchOptions(rawOptions({ samples: missing })), (e: unknown) => e instanceof UsageError && /^--samples: folder .*no-such-folder does not exist$/.test(e.message));
		assert.throws(() => checkSamplesPath(path.dirname(file)), (e: unknown) => e instanceof UsageError && /^--samples: .* is a folder; give a file name$/.test(e.message));
		assert.throws(() => parseBenchOptions(rawOptions({ latency: true, samples: file })), UsageError);
	});
});
