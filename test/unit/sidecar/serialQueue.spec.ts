import * as assert from 'node:assert/strict';
import { CancellationTokenSource, neverCancelled, type CancellationToken } from '../../../src/common/cancellation';
import { SerialQueue } from '../../../src/sidecar/serialQueue';

function deferred(): { promise: Promise<void>; resolve: () => void } {
	let resolve!: () => void;
	const promise = new Promise<void>((r) => (resolve = r));
	return { promise, resolve };
}

describe('SerialQueue', () => {
	it('runs jobs one at a time in arrival order', async () => {
		const queue = new SerialQueue();
		const order: string[] = [];
		const gate = deferred();
		const a = queue.run(async () => {
			order.push('a start');
			await gate.promise;
			order.push('a end');
		}, neverCancelled);
		const b = queue.run(async () => {
			order.push('b');
		}, neverCancelled);
		await Promise.resolve();
		gate.resolve();
		await Promise.all([a, b]);
		assert.deepEqual(order, ['a start', 'a end', 'b']);
	});

	it('cancels the older job of the same document when a newer one arrives', async () => {
		const queue = new SerialQueue();
		const seen: CancellationToken[] = [];
		const gate = deferred();
		const first = queue.run(async (token) => {
			seen.push(token);
			await gate.promise;
			return token.isCancellationRequested;
		}, neverCancelled, 'doc1');
		await Promise.resolve();
		const other = queue.run(async (token) => token.isCancellationRequested, neverCancelled, 'doc2');
		const second = queue.run(async (token) => token.isCancellationRequested, neverCancelled, 'doc1');
		gate.resolve();
		assert.equal(await first, true, 'older doc1 job sees cancellation');
		assert.equal(await other, false, 'another document is untouched');
		assert.equal(await second, false);
	});

	it('passes the caller\'s cancellation through and survives a failing job', async () => {
		const queue = new SerialQueue();
		const source = new CancellationTokenSource();
		source.cancel();
		await assert.rejects(queue.run(async () => { throw new Error('boom'); }, neverCancelled), /boom/);
		assert.equal(await queue.run(async (t) => t.isCancellationRequested, source.token), true);
	});
});
