import * as assert from 'node:assert/strict';
import type { CompleteRequest, ModelLoadRequest } from '../../../src/protocol/sidecarProtocol';
import { buildConfigs } from '../../../src/cli/bench/benchConfig';
import { runBench, type CompletionBackend, type RunnerOptions } from '../../../src/cli/bench/benchRunner';
import type { BenchTask } from '../../../src/cli/bench/benchTask';
import { StopSignal } from '../../../src/cli/bench/stopSignal';

/** A scripted backend: records calls, answers `<decoder> <task>\nsecond line`. */
class FakeBackend implements CompletionBackend {
	readonly calls: string[] = [];
	onComplete: (params: CompleteRequest.Params) => void = () => undefined;

	async load(params: ModelLoadRequest.Params): Promise<ModelLoadRequest.Result> {
		this.calls.push(`load ${params.modelDir}`);
		return { id: params.modelDir.slice(1), decoding: { threshold: 0.5 } } as ModelLoadRequest.Result;
	}

	async complete(params: CompleteRequest.Params): Promise<CompleteRequest.Result> {
		const decoding = params.decoding!;
		this.calls.push(`${decoding.decoder}${decoding.threshold ?? ''} ${params.segments[0]} ${params.regions[0].maxTokens}`);
		this.onComplete(params);
		const text = `${decoding.decoder} ${params.segments[0]}\nsecond line`;
		return { regions: [{ text, tokens: 6, endedByEos: false }], tokens: 6, forwards: 2 } as unknown as CompleteRequest.Result;
	}
}

const tasks: BenchTask[] = ['t1', 't2'].map((id) => ({ taskId: `SingleLineInfilling/${id}`, prompt: id, suffix: '', canonicalSolution: '' }));

function options(stop = new StopSignal(), warmup = 0): RunnerOptions {
	return { maxTokens: 48, cut: 'auto', load: {}, warmup, stop };
}

describe('bench runner', () => {
	it('runs every row on every task in a fixed order, loading each model once, after the warm-up', async () => {
		const backend = new FakeBackend();
		const configs = buildConfigs(['ar', 'd3llm'], [0.3], '/main', '/twin');
		const runs = await runBench(backend, configs, tasks, options(new StopSignal(), 1));
		assert.deepEqual(backend.calls, [
			'load /main', 'ar t1 48', 'd3llm0.3 t1 48',
			'ar t1 48', 'd3llm0.3 t1 48', 'ar t2 48', 'd3llm0.3 t2 48',
			'load /twin', 'ar t1 48',
			'ar t1 48', 'ar t2 48',
		]);
		assert.deepEqual(runs.map((r) => [r.config.label, r.model, r.runs.length]), [['ar', 'main', 2], ['d3llm', 'main', 2], ['ar-twin', 'twin', 2]]);
		assert.equal(runs[1].runs[0].completion, 'd3llm t1\n', 'single-line tasks are cut at the line end');
		assert.equal(runs[1].runs[0].text, 'd3llm t1\nsecond line');
	});

	it('with asInserted scores the text the editor would insert: the suffix\'s closing run is not repeated', async () => {
		const backend = new FakeBackend();
		backend.complete = async () => ({ regions: [{ text: "'fs');\nconst x = 1;", tokens: 6, endedByEos: true }], tokens: 6, forwards: 6 }) as unknown as CompleteRequest.Result;
		const task: BenchTask = { taskId: 'Mid/1', prompt: 'const fs = require(', suffix: ');\n', canonicalSolution: "'fs'" };
		const configs = buildConfigs(['ar'], [], '/main');
		const raw = await runBench(backend, configs, [task], { ...options(), cut: 'line' });
		const inserted = await runBench(backend, configs, [task], { ...options(), cut: 'line', asInserted: true });
		assert.equal(raw[0].runs[0].completion, "'fs');\n");
		assert.equal(inserted[0].runs[0].completion, "'fs'\n");
		assert.equal(inserted[0].runs[0].text, "'fs');\nconst x = 1;", 'the samples keep the model\'s text');
	});

	it('stops cleanly on request and keeps what finished', async () => {
		const backend = new FakeBackend();
		const stop = new StopSignal();
		let count = 0;
		backend.onComplete = () => {
			if (++count === 3) {
				stop.stop();
			}
		};
		const runs = await runBench(backend, buildConfigs(['ar', 'vanilla'], [], '/main'), tasks, options(stop));
		assert.deepEqual(runs.map((r) => r.runs.length), [2, 1]);
	});
});
