import * as assert from 'node:assert/strict';
import { statusView } from '../../../src/extension/statusView';
import { RestartBackoff } from '../../../src/extension/backoff';

describe('statusView', () => {
	it('shows the state word, latency and tokens per forward', () => {
		const view = statusView({ sidecar: { state: 'ready', modelId: 'tiny', executionProvider: 'cpu' }, enabled: true, language: { id: 'python', enabled: true }, last: { latencyMs: 41.6, tpf: 3.14, tokens: 22 } });
		assert.equal(view.word, 'ready');
		assert.equal(view.text, '$(check) d3LLM 42 ms · 3.1 tok/fwd');
		assert.equal(view.label, 'd3LLM: ready, tiny on cpu');
	});
	it('orders error, disabled, disabled for this language, then the sidecar state', () => {
		const base = { sidecar: { state: 'loading' as const }, enabled: true, language: { id: 'python', enabled: true } };
		assert.equal(statusView(base).word, 'loading model');
		assert.equal(statusView({ ...base, language: { id: 'markdown', enabled: false } }).word, 'disabled for this language');
		assert.equal(statusView({ ...base, enabled: false }).word, 'disabled');
		assert.equal(statusView({ ...base, enabled: false, sidecar: { state: 'error', message: 'boom' } }).severity, 'error');
		assert.equal(statusView({ ...base, sidecar: { state: 'stopped' } }).word, 'idle');
	});
});

describe('RestartBackoff', () => {
	it('doubles the delay per crash, resets after a stable run, and gives up after maxCrashes', () => {
		const backoff = new RestartBackoff({ initialMs: 100, maxMs: 1000, stableMs: 10_000, maxCrashes: 3 });
		assert.deepEqual([backoff.onCrash(10), backoff.onCrash(10), backoff.onCrash(10)], [100, 200, 400]);
		assert.equal(backoff.onCrash(10), undefined);
		assert.equal(backoff.onCrash(20_000), 100);
	});
});
