import * as assert from 'node:assert/strict';
import { CancellationTokenSource, type CancellationToken } from 'vscode-jsonrpc';
import { InlineCompletionEngine, type CompletionSettings, type InlineRequest } from '../../../src/extension/completionEngine';
import type { CompleteParams, DecodeMeta } from '../../../src/extension/decodeRouter';
import type { CompleteRequest } from '../../../src/protocol/sidecarProtocol';
import { FakeClock, flush } from './fakeClock';

/** A scripted `complete`: records calls; each call resolves when the test says so (or is cancelled). */
class FakeModel {
	readonly calls: Array<{ params: CompleteParams; token: CancellationToken; meta: DecodeMeta; resolve: (text: string, alternatives?: string[]) => void; cancelled: boolean }> = [];

	readonly complete = (params: CompleteParams, token: CancellationToken, meta: DecodeMeta): Promise<CompleteRequest.Result> =>
		new Promise((resolve, reject) => {
			const call = { params, token, meta, cancelled: false, resolve: (text: string, alternatives?: string[]) => resolve({ ...result(text), ...(alternatives ? { alternatives } : {}) }) };
			token.onCancellationRequested(() => {
				call.cancelled = true;
				reject(new Error('cancelled'));
			});
			this.calls.push(call);
		});
}

function result(text: string): CompleteRequest.Result {
	return { requestId: 'r', regions: [{ text, tokens: 4, endedByEos: true }], tokens: 4, steps: 2, forwards: 2, tpf: 2, ms: 5, timing: { tokenizeMs: 0, forwardMs: 4, decoderMs: 1, stepMs: 1 } as CompleteRequest.Result['timing'], decoder: 'd3llm', model: 'fake', executionProvider: 'cpu', truncatedTokens: 0 };
}

const settings: CompletionSettings = { debounceMs: 100, multiline: 'auto', maxTokens: 64, speculative: false, syntaxCheck: false, dropRepetition: true, timeoutMs: 1000, decoding: {} };

function request(prefix: string, suffix = '\n', invoked = false): InlineRequest {
	const lineBefore = prefix.split('\n').pop() ?? '';
	return { scope: 'file:///a.py', languageId: 'python', prefix, suffix, lineBefore, lineAfter: suffix.split('\n')[0], invoked, label: 'a.py:1' };
}

function setup(overrides: Partial<CompletionSettings> = {}): { engine: InlineCompletionEngine; model: FakeModel; clock: FakeClock } {
	const model = new FakeModel();
	const clock = new FakeClock();
	const engine = new InlineCompletionEngine({ complete: model.complete, clock, settings: () => ({ ...settings, ...overrides }) });
	return { engine, model, clock };
}

describe('InlineCompletionEngine', () => {
	it('debounces, calls the model once with [prefix, suffix] and one region, and post-processes', async () => {
		const { engine, model, clock } = setup();
		const pending = engine.provide(request('x = '), new CancellationTokenSource().token);
		await clock.tick(99);
		assert.equal(model.calls.length, 0);
		await clock.tick(1);
		assert.equal(model.calls.length, 1);
		assert.deepEqual(model.calls[0].params.segments, ['x = ', '\n']);
		assert.deepEqual(model.calls[0].params.regions, [{ maxTokens: 24 }]);
		assert.equal(model.calls[0].params.documentKey, 'file:///a.py');
		model.calls[0].resolve('compute(1)\ny = 2');
		assert.deepEqual(await pending, { text: 'compute(1)', alternatives: [] });
	});

	it('never calls the model when cancelled during the debounce', async () => {
		const { engine, model, clock } = setup();
		const source = new CancellationTokenSource();
		const pending = engine.provide(request('x = '), source.token);
		await clock.tick(50);
		source.cancel();
		assert.equal(await pending, undefined);
		await clock.tick(500);
		assert.equal(model.calls.length, 0);
	});

	it('cancels the model request (→ $/cancelRequest) when the caller cancels and nobody adopts it', async () => {
		const { engine, model, clock } = setup();
		const source = new CancellationTokenSource();
		const pending = engine.provide(request('x = ', '\n', true), source.token);
		await flush();
		assert.equal(model.calls.length, 1);
		source.cancel();
		assert.equal(await pending, undefined);
		await clock.tick(200);
		assert.equal(model.calls[0].cancelled, true);
	});

	it('adopts the request in flight when the user types its start, and serves the rest without a second call', async () => {
		const { engine, model, clock } = setup();
		const first = new CancellationTokenSource();
		void engine.provide(request('x = ', '\n', true), first.token);
		await flush();
		first.cancel(); // VS Code cancels the old call when the user types
		const second = engine.provide(request('x = com'), new CancellationTokenSource().token);
		await clock.tick(10);
		model.calls[0].resolve('compute(1)');
		assert.deepEqual(await second, { text: 'pute(1)', alternatives: [] });
		assert.equal(model.calls.length, 1);
		assert.equal(model.calls[0].cancelled, false);
	});

	it('cancels the older request at once when the new state is not a continuation of it', async () => {
		const { engine, model, clock } = setup();
		void engine.provide(request('x = ', '\n', true), new CancellationTokenSource().token);
		await flush();
		void engine.provide(request('y = ', '\n', true), new CancellationTokenSource().token);
		await clock.tick(0);
		assert.equal(model.calls[0].cancelled, true);
		assert.equal(model.calls.length, 2);
	});

	it('typing the start of a shown completion never calls the model (typed-through)', async () => {
		const { engine, model, clock } = setup();
		const pending = engine.provide(request('x = ', '\n', true), new CancellationTokenSource().token);
		await flush();
		model.calls[0].resolve('compute(1)');
		await pending;
		for (const typed of ['c', 'co', 'com', 'comp']) {
			const next = await engine.provide(request(`x = ${typed}`), new CancellationTokenSource().token);
			assert.equal(next?.text, 'compute(1)'.slice(typed.length));
		}
		await clock.tick(1000);
		assert.equal(model.calls.length, 1);
	});

	it('requests the state after acceptance speculatively, and serves it from the cache', async () => {
		const { engine, model, clock } = setup({ speculative: true, multiline: 'always' });
		const pending = engine.provide(request('def f(x):\n    ', '', true), new CancellationTokenSource().token);
		await flush();
		model.calls[0].resolve('y = x + 1');
		await pending;
		await flush();
		assert.equal(model.calls.length, 2);
		assert.equal(model.calls[1].meta.speculative, true);
		assert.deepEqual(model.calls[1].params.segments, ['def f(x):\n    y = x + 1', '']);
		assert.equal(model.calls[1].params.documentKey, 'file:///a.py#speculative');
		model.calls[1].resolve('\n    return y');
		await flush();
		const after = await engine.provide(request('def f(x):\n    y = x + 1', ''), new CancellationTokenSource().token);
		assert.equal(after?.text, '\n    return y');
		await clock.tick(1000);
		assert.equal(model.calls.length, 3, 'the accepted state starts the next speculation only');
		assert.equal(model.calls[2].meta.speculative, true);
	});

	it('offers the first line as a cycling alternative of a multi-line completion', async () => {
		const { engine, model } = setup({ multiline: 'always' });
		const pending = engine.provide(request('def f(x):\n    ', '', true), new CancellationTokenSource().token);
		await flush();
		assert.deepEqual(model.calls[0].params.regions, [{ maxTokens: 64 }]);
		model.calls[0].resolve('y = x\n    return y');
		assert.deepEqual(await pending, { text: 'y = x\n    return y', alternatives: ['y = x'], sampled: true });
	});

	it('asks the model for alternatives on an explicit request and caches them post-processed, without repeats', async () => {
		const { engine, model } = setup();
		const pending = engine.provide(request('x = ', '\n', true), new CancellationTokenSource().token);
		await flush();
		assert.equal(model.calls[0].params.alternatives, 2);
		model.calls[0].resolve('compute(1)\ny = 2', ['compute(1)', 'total(2)\nz = 3']);
		assert.deepEqual(await pending, { text: 'compute(1)', alternatives: ['total(2)'], sampled: true });
	});

	it('an explicit request asks again where a typed one cached no alternatives, then uses the cache', async () => {
		const { engine, model, clock } = setup();
		const typed = engine.provide(request('x = '), new CancellationTokenSource().token);
		await clock.tick(100);
		assert.equal(model.calls[0].params.alternatives, undefined, 'typing never asks for alternatives');
		model.calls[0].resolve('a');
		assert.deepEqual(await typed, { text: 'a', alternatives: [] });
		const invoked = engine.provide(request('x = ', '\n', true), new CancellationTokenSource().token);
		await flush();
		assert.equal(model.calls.length, 2);
		model.calls[1].resolve('a', ['b']);
		assert.deepEqual(await invoked, { text: 'a', alternatives: ['b'], sampled: true });
		assert.deepEqual(await engine.provide(request('x = ', '\n', true), new CancellationTokenSource().token), { text: 'a', alternatives: ['b'], sampled: true });
		assert.equal(model.calls.length, 2);
	});

	it('shows the first alternative that survives post-processing when the completion does not', async () => {
		const { engine, model } = setup();
		const pending = engine.provide(request('xs.map((n) => ', ');\n', true), new CancellationTokenSource().token);
		await flush();
		model.calls[0].resolve('n, n, n, n, n, n, n, n,', ['n * 2']);
		assert.deepEqual(await pending, { text: 'n * 2', alternatives: [], sampled: true });
	});

	it('asks the sidecar to stop at the first line break for single-line completions only', async () => {
		const single = setup({ multiline: 'never', decoding: { blockSize: 8 } });
		single.engine.provide(request('x = ', '\n', true), new CancellationTokenSource().token);
		const multi = setup({ multiline: 'always', decoding: { blockSize: 8 } });
		multi.engine.provide(request('def f(x):\n    ', '', true), new CancellationTokenSource().token);
		await flush();
		assert.deepEqual(single.model.calls[0].params.decoding, { blockSize: 8, stopAtNewline: true });
		assert.deepEqual(multi.model.calls[0].params.decoding, { blockSize: 8 });
	});

	it('applies the parse check: keeps the lines that parse no worse', async () => {
		const model = new FakeModel();
		const counter = (text: string): number => (text.match(/\)\)/g) ?? []).length;
		const engine = new InlineCompletionEngine({ complete: model.complete, clock: new FakeClock(), settings: () => ({ ...settings, multiline: 'always', syntaxCheck: true }), syntax: { facts: () => undefined, errorCounter: () => counter } });
		const pending = engine.provide(request('def f(x):\n    ', '', true), new CancellationTokenSource().token);
		await flush();
		model.calls[0].resolve('y = g(x)\n    return y))');
		assert.equal((await pending)?.text, 'y = g(x)');
	});
});
