import * as assert from 'node:assert/strict';
import { PanelOutbox, frameMs } from '../../../src/extension/panelOutbox';
import type { HostToPanelMessage, StepsMessage } from '../../../src/protocol/panelProtocol';
import type { StepEvent } from '../../../src/common/stepEvent';
import { FakeClock } from './fakeClock';

const step = (n: number): StepEvent => ({ step: n, forwardKind: 'window', windowLength: 4, windowRanges: [[0, 4]], cacheLength: 8, committed: [], blocks: [], forwards: n, masksLeft: 0, elapsedMs: 1, forwardMs: 1 });

describe('PanelOutbox', () => {
	it('buffers until ready, then flushes in order', () => {
		const posted: HostToPanelMessage[] = [];
		const outbox = new PanelOutbox((m) => posted.push(m), new FakeClock());
		outbox.push({ type: 'begin', requestId: 'a', source: 'inline', label: 'x', budgets: [4] });
		outbox.push({ type: 'steps', requestId: 'a', events: [step(1)] });
		assert.equal(posted.length, 0);
		outbox.setReady(true);
		assert.deepEqual(posted.map((m) => m.type), ['begin', 'steps']);
	});

	it('coalesces steps into one message per frame', async () => {
		const posted: HostToPanelMessage[] = [];
		const clock = new FakeClock();
		const outbox = new PanelOutbox((m) => posted.push(m), clock);
		outbox.setReady(true);
		for (let i = 1; i <= 5; i++) {
			outbox.push({ type: 'steps', requestId: 'a', events: [step(i)] });
		}
		assert.equal(posted.length, 0);
		await clock.tick(frameMs);
		assert.equal(posted.length, 1);
		assert.deepEqual((posted[0] as StepsMessage).events.map((e) => e.step), [1, 2, 3, 4, 5]);
	});

	it('posts an end right after the pending steps, in order', () => {
		const posted: HostToPanelMessage[] = [];
		const outbox = new PanelOutbox((m) => posted.push(m), new FakeClock());
		outbox.setReady(true);
		outbox.push({ type: 'steps', requestId: 'a', events: [step(1)] });
		outbox.push({ type: 'end', requestId: 'a', outcome: 'done' });
		assert.deepEqual(posted.map((m) => m.type), ['steps', 'end']);
	});

	it('drops what is queued for an older decode when a new one begins while hidden', () => {
		const posted: HostToPanelMessage[] = [];
		const outbox = new PanelOutbox((m) => posted.push(m), new FakeClock());
		outbox.push({ type: 'begin', requestId: 'a', source: 'inline', label: 'x', budgets: [4] });
		outbox.push({ type: 'steps', requestId: 'a', events: [step(1)] });
		outbox.push({ type: 'begin', requestId: 'b', source: 'fillInMiddle', label: 'y', budgets: [4] });
		outbox.setReady(true);
		assert.deepEqual(posted.map((m) => `${m.type}:${m.requestId}`), ['begin:b']);
	});
});
