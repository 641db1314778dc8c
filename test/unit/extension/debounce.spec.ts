import * as assert from 'node:assert/strict';
import { CancellationTokenSource } from 'vscode-jsonrpc';
import { debounce } from '../../../src/extension/debounce';
import { FakeClock, flush } from './fakeClock';

describe('debounce', () => {
	it('resolves true after the delay on the injected clock, not before', async () => {
		const clock = new FakeClock();
		const source = new CancellationTokenSource();
		let result: boolean | undefined;
		void debounce(150, source.token, clock).then((r) => (result = r));
		await clock.tick(149);
		assert.equal(result, undefined);
		await clock.tick(1);
		assert.equal(result, true);
		assert.equal(clock.pending, 0);
	});

	it('resolves false at once when cancelled during the wait, and clears its timer', async () => {
		const clock = new FakeClock();
		const source = new CancellationTokenSource();
		const waiting = debounce(150, source.token, clock);
		await clock.tick(50);
		source.cancel();
		assert.equal(await waiting, false);
		assert.equal(clock.pending, 0);
	});

	it('resolves false for an already cancelled token and true for 0 ms', async () => {
		const clock = new FakeClock();
		const cancelled = new CancellationTokenSource();
		cancelled.cancel();
		assert.equal(await debounce(150, cancelled.token, clock), false);
		assert.equal(await debounce(0, new CancellationTokenSource().token, clock), true);
		await flush();
		assert.equal(clock.pending, 0);
	});
});
