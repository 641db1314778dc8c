/**
 * KV cache: the row store, the d3llm schedule (first forward full, later windows, cacheDelay, refresh),
 * rows holding the right positions in one never-reallocated buffer, and cache-on/off parity.
 */
import * as assert from 'node:assert/strict';
import type { StepEvent } from '../../../src/common/stepEvent';
import { KvCache, decode, probeKvParity, type DecodeOptions, type ForwardResult } from '../../../src/core';
import { ScriptedModel, scriptedSpec } from '../helpers/scriptedModel';

const prefix = [2, 3, 4];
const suffix = [5, 6];
const input = { segments: [prefix, suffix], budgets: [24] };
const calmModel = (logitShift = false): ScriptedModel => new ScriptedModel({ seed: 1, logitShift, entropyAt: () => 0, eosRate: 0, maskRate: 0 });

async function run(model: ScriptedModel, options: DecodeOptions, canvas = input): Promise<StepEvent[]> {
	const events: StepEvent[] = [];
	await decode(model, canvas, { blockSize: 4, ...options }, { onStep: (e) => events.push(e) });
	return events;
}

function present(rows: number[][]): ForwardResult {
	const keys = [Float32Array.from(rows.flat())];
	return { entropy: new Float32Array(), token: new Int32Array(), confidence: new Float32Array(), topkIds: new Int32Array(), topkProbs: new Float32Array(), presentKeys: keys, presentValues: keys };
}

describe('KvCache store', () => {
	it('appends rows in place, tracks positions and never reallocates', () => {
		const cache = new KvCache({ numLayers: 1, numKvHeads: 1, headDim: 2 }, 4);
		const buffer = cache.keys[0];
		cache.append(3, present([[9, 9], [3, 30]]), 1);
		cache.append(0, present([[0, 10]]), 0);
		assert.deepEqual(cache.positions(), [3, 0]);
		assert.deepEqual(Array.from(cache.keys[0].subarray(0, 4)), [3, 30, 0, 10]);
		assert.equal(cache.rowOf(0), 1);
		assert.throws(() => cache.append(3, present([[3, 3]]), 0), /already holds position 3/);
		cache.clear();
		assert.equal(cache.view().length, 0);
		assert.equal(cache.has(3), false);
		assert.equal(cache.keys[0], buffer);
	});
});

describe('KvCache.remove', () => {
	it('moves the last row into the freed slot', () => {
		const cache = new KvCache({ numLayers: 1, numKvHeads: 1, headDim: 2 }, 3);
		[[0, 10], [1, 11], [2, 12]].forEach((row, i) => cache.append(i, present([row]), 0));
		cache.remove(0);
		assert.deepEqual(cache.positions(), [2, 1]);
		assert.deepEqual(Array.from(cache.keys[0].subarray(0, 4)), [2, 12, 1, 11]);
		assert.equal(cache.rowOf(2), 0);
		assert.equal(cache.has(0), false);
		cache.remove(0);
		assert.equal(cache.length, 2);
	});
});

describe('d3llm KV schedule', () => {
	const known = prefix.length + suffix.length;
	/** With entropy 0 everywhere, block b (of 4 tokens) finishes in step b + 1 and joins at step b + 2 + D. */
	const expectedCacheLength = (step: number, delay: number): number => (step === 1 ? 0 : known + 4 * [0, 1, 2, 3, 4, 5].filter((b) => b + 2 + delay < step).length);

	for (const delay of [0, 1, 2]) {
		it(`caches known text after the first full forward and finished blocks ${delay} steps later (D = ${delay})`, async () => {
			const events = await run(calmModel(), { cacheDelay: delay });
			assert.deepEqual(events.map((e) => e.forwardKind), ['full', 'window', 'window', 'window', 'window', 'window']);
			assert.deepEqual(events.map((e) => e.cacheLength), events.map((e) => expectedCacheLength(e.step, delay)));
			assert.ok(events.every((e) => e.windowLength + e.cacheLength === 29));
		});
	}

	it('holds the known text of prefix and suffix, in the rows the full forward produced', async () => {
		const model = calmModel();
		await run(model, { cacheDelay: 0 });
		assert.deepEqual(model.calls[1].pastPositions, [0, 1, 2, 27, 28]);
		assert.deepEqual(model.calls[1].positions, Array.from({ length: 24 }, (_, i) => 3 + i));
		assert.deepEqual(model.calls[2].pastPositions, [0, 1, 2, 27, 28, 3, 4, 5, 6]);
	});

	it('hands the model one preallocated buffer per layer for the whole decode', async () => {
		const model = calmModel();
		await run(model, { cacheDelay: 0 });
		assert.ok(model.calls.every((call) => call.pastKeys[0] === model.calls[0].pastKeys[0]));
	});

	it('refreshes the whole canvas every R steps and rebuilds the cache', async () => {
		const events = await run(calmModel(), { cacheDelay: 0, refreshInterval: 3 });
		assert.deepEqual(events.map((e) => e.forwardKind), ['full', 'window', 'refresh', 'window', 'window', 'refresh']);
		assert.equal(events[2].cacheLength, 0);
		assert.equal(events[2].windowLength, 29);
		assert.equal(events[3].cacheLength, expectedCacheLength(4, 0));
	});

	for (const options of [{ cacheDelay: 10000 }, { useCache: false }] as DecodeOptions[]) {
		it(`runs a full forward every step with ${JSON.stringify(options)}`, async () => {
			const events = await run(calmModel(), options);
			assert.ok(events.every((e) => e.forwardKind === 'full' && e.cacheLength === 0 && e.windowLength === 29));
			assert.ok(events.every((e) => e.blocks.every((b) => b.phase !== 'cached' && b.phase !== 'stabilizing')));
		});
	}

	it('keeps the position left of each mask in the window for logitShift models (K1 fix)', async () => {
		const model = calmModel(true);
		await run(model, { cacheDelay: 0 });
		assert.deepEqual(model.calls[1].pastPositions, [0, 1, 27, 28]);
		assert.equal(model.calls[1].positions[0], 2);
	});

	it('reports block phases: stabilizing until the delay passes, then cached', async () => {
		const events = await run(calmModel(), { cacheDelay: 2 });
		const phasesOfBlock0 = events.map((e) => e.blocks.find((b) => b.index === 0)!.phase);
		assert.deepEqual(phasesOfBlock0, ['stabilizing', 'stabilizing', 'stabilizing', 'cached', 'cached', 'cached']);
	});
});

describe('cache on/off parity (scripted model sees exactly what it attends to)', () => {
	const cases = [
		{ decoder: 'd3llm', logitShift: false, k: 1 },
		{ decoder: 'd3llm', logitShift: true, k: 2 },
		{ decoder: 'd3llm', logitShift: true, k: 3 },
		{ decoder: 'fastdllm', logitShift: false, k: 2 },
		{ decoder: 'fastdllm', logitShift: true, k: 1 },
		{ decoder: 'ar', logitShift: true, k: 2 },
		{ decoder: 'ar', logitShift: false, k: 1 },
	] as const;
	for (const { decoder, logitShift, k } of cases) {
		it(`${decoder}, logitShift ${logitShift}, k = ${k}: identical commits with and without the cache`, async () => {
			const canvas = { segments: [[2, 3], ...Array.from({ length: k }, (_, i) => [4 + i, 5])], budgets: Array(k).fill(13) };
			const options: DecodeOptions = { decoder, blockSize: 4, threshold: 0.6, cacheDelay: 1, refreshInterval: 5 };
			const commits = (events: StepEvent[]): string[] => events.map((e) => e.committed.map((c) => `${c.position}=${c.tokenId}`).join(' '));
			const cached = await run(new ScriptedModel({ seed: 7, logitShift }), options, canvas);
			const uncached = await run(new ScriptedModel({ seed: 7, logitShift }), { ...options, useCache: false }, canvas);
			assert.deepEqual(commits(cached), commits(uncached));
			assert.ok(cached.some((e) => e.forwardKind === 'window'));
		});
	}
});

describe('probeKvParity', () => {
	for (const logitShift of [false, true]) {
		for (const budgets of [[6], [4, 5]]) {
			it(`windowed forward against the known-text cache equals the full forward (logitShift ${logitShift}, k = ${budgets.length})`, async () => {
				const segments = [[2, 3, 4], ...budgets.map((_, i) => [5 + i, 6])];
				const probe = await probeKvParity(new ScriptedModel({ seed: 3, logitShift }), { segments, budgets });
				const compared = probe.windowPositions.filter((p) => probe.windowed.has(p));
				assert.ok(compared.length >= budgets.reduce((a, b) => a + b, 0));
				for (const p of compared) {
					assert.equal(probe.windowed.entropy[p], probe.full.entropy[p]);
					assert.equal(probe.windowed.token[p], probe.full.token[p]);
				}
				assert.equal(probe.cachedPositions.length + probe.windowPositions.length, segments.flat().length + budgets.reduce((a, b) => a + b, 0));
			});
		}
	}

	it('uses the scripted spec (sanity)', () => {
		assert.equal(scriptedSpec({ logitShift: true }).logitShift, true);
	});
});
