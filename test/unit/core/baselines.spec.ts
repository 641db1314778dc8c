/**
 * Baseline decoders of reference §2 on scripted models with fixed per-position entropies: vanilla picks
 * the most confident masks of the current block, fastdllm accepts confidence ≥ 0.9 plus the top-1, ar
 * decodes left to right (with a causal model: one new position per forward against the cache).
 */
import * as assert from 'node:assert/strict';
import type { StepEvent } from '../../../src/common/stepEvent';
import { decode, type DecodeOptions, type DecodeResult } from '../../../src/core';
import { ScriptedModel, type ScriptedModelOptions } from '../helpers/scriptedModel';

async function run(model: Partial<ScriptedModelOptions>, options: DecodeOptions, segments = [[2, 3, 4], []], budgets = [8]): Promise<{ events: StepEvent[]; result: DecodeResult }> {
	const events: StepEvent[] = [];
	const scripted = new ScriptedModel({ seed: 5, eosRate: 0, maskRate: 0, ...model });
	const result = await decode(scripted, { segments, budgets }, { blockSize: 4, ...options }, { onStep: (e) => events.push(e) });
	return { events, result };
}

const positions = (events: StepEvent[]): string[] => events.map((e) => e.committed.map((c) => `${c.offset}${c.forced ? '*' : ''}`).join(','));

describe('vanilla (LLaDA low-confidence remasking)', () => {
	const rising = { entropyAt: (q: number) => 1 / (q + 1) };

	it('commits the most confident mask of the current block, one per step, full forward each step', async () => {
		const { events, result } = await run(rising, { decoder: 'vanilla' });
		assert.deepEqual(positions(events), ['3', '2', '1', '0', '7', '6', '5', '4']);
		assert.ok(events.every((e) => e.forwardKind === 'full' && e.cacheLength === 0));
		assert.ok(events[7].blocks.every((b) => b.phase === 'done'));
		assert.equal(result.forwards, 8);
	});

	it('commits tokensPerStep tokens per step', async () => {
		const { events } = await run(rising, { decoder: 'vanilla', tokensPerStep: 3 });
		assert.deepEqual(positions(events), ['1,2,3', '0', '5,6,7', '4']);
	});
});

describe('fastdllm (confidence ≥ 0.9 plus top-1, dual cache)', () => {
	const evenSure = { entropyAt: (q: number) => (q % 2 === 0 ? 0.01 : 2 + q / 100) };

	it('accepts confident tokens of the current block, else forces the most confident one', async () => {
		const { events } = await run(evenSure, { decoder: 'fastdllm' });
		// Canvas positions 3..10: even positions 4, 6, 8, 10 are confident (offsets 1, 3, 5, 7).
		assert.deepEqual(positions(events), ['1,3', '0*', '2*', '5,7', '4*', '6*']);
	});

	it('refreshes the whole canvas when a region moves to its next block and forwards only the block otherwise', async () => {
		const { events } = await run(evenSure, { decoder: 'fastdllm' });
		assert.deepEqual(events.map((e) => e.forwardKind), ['full', 'window', 'window', 'refresh', 'window', 'window']);
		assert.deepEqual(events[1].windowRanges, [[3, 7]]);
		assert.equal(events[1].cacheLength, 7);
	});

	it('adds the position left of the block to the window for logitShift models', async () => {
		const { events } = await run({ ...evenSure, logitShift: true }, { decoder: 'fastdllm' });
		assert.deepEqual(events[1].windowRanges, [[2, 7]]);
	});
});

describe('ar (left to right, one token per forward)', () => {
	it('decodes a causal logitShift model like ordinary autoregressive decoding with a KV cache', async () => {
		const { events, result } = await run({ logitShift: true, causal: true }, { decoder: 'ar', cacheDelay: 0 }, [[2, 3, 4], [5]], [5]);
		assert.deepEqual(positions(events), ['0', '1', '2', '3', '4']);
		assert.deepEqual(events.map((e) => e.windowRanges), [[[0, 3]], [[3, 4]], [[4, 5]], [[5, 6]], [[6, 7]]]);
		assert.deepEqual(events.map((e) => e.cacheLength), [0, 3, 4, 5, 6]);
		assert.equal(result.forwards, 5);
	});

	it('decodes a bidirectional model left to right, region after region', async () => {
		const { events } = await run({}, { decoder: 'ar' }, [[2], [3], []], [3, 2]);
		assert.deepEqual(events.map((e) => e.committed.map((c) => `${c.region}:${c.offset}`).join()), ['0:0', '0:1', '0:2', '1:0', '1:1']);
	});
});
