/**
 * Decoder invariants on randomized scripted models (fast-check), for every decoder and k ∈ {1, 2, 3}, with and
 * without the EOS policy and the length cap:
 * every masked position committed exactly once, nothing committed outside created blocks, ≥ 1 token per
 * step per unfinished region (exactly one per step for `ar`), known text never changes, counters and
 * events agree with the result, cancellation between steps leaves a consistent state, cache on = cache off.
 */
import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import type { StepEvent } from '../../../src/common/stepEvent';
import { CancellationTokenSource } from '../../../src/common/cancellation';
import { decode, type DecodeOptions, type DecodeResult, type DecoderName } from '../../../src/core';
import { ScriptedModel, scriptedMask } from '../helpers/scriptedModel';

interface Scenario {
	readonly decoder: DecoderName;
	readonly seed: number;
	readonly logitShift: boolean;
	readonly causal: boolean;
	readonly segments: number[][];
	readonly budgets: number[];
	readonly options: DecodeOptions;
	readonly eosRate: number;
}

const scenarioArb: fc.Arbitrary<Scenario> = fc
	.record({
		decoder: fc.constantFrom<DecoderName>('d3llm', 'fastdllm', 'vanilla', 'ar'),
		k: fc.integer({ min: 1, max: 3 }),
		seed: fc.integer(),
		logitShift: fc.boolean(),
		causal: fc.boolean(),
		segments: fc.array(fc.array(fc.integer({ min: 0, max: 14 }), { maxLength: 4 }), { minLength: 4, maxLength: 4 }),
		budgets: fc.array(fc.integer({ min: 1, max: 14 }), { minLength: 3, maxLength: 3 }),
		blockSize: fc.integer({ min: 1, max: 6 }),
		threshold: fc.double({ min: 0, max: 1.5, noNaN: true }),
		blockAddThreshold: fc.double({ min: 0, max: 1, noNaN: true }),
		fullActivationThreshold: fc.double({ min: 0, max: 1, noNaN: true }),
		cacheDelay: fc.constantFrom(0, 1, 2, 10000),
		refreshInterval: fc.integer({ min: 0, max: 4 }),
		tokensPerStep: fc.integer({ min: 1, max: 3 }),
		eosRate: fc.constantFrom(0, 0.05, 0.3),
		eosAtLeftmostOnly: fc.boolean(),
		lengthSlack: fc.constantFrom(-1, -1, 0, 2, 5),
	})
	.map((r) => ({
		decoder: r.decoder,
		seed: r.seed,
		logitShift: r.logitShift,
		causal: r.causal && r.decoder === 'ar',
		segments: r.segments.slice(0, r.k + 1),
		budgets: r.budgets.slice(0, r.k),
		eosRate: r.eosRate,
		options: { decoder: r.decoder, blockSize: r.blockSize, threshold: r.threshold, blockAddThreshold: r.blockAddThreshold, fullActivationThreshold: r.fullActivationThreshold, cacheDelay: r.cacheDelay, refreshInterval: r.refreshInterval, tokensPerStep: r.tokensPerStep, eosAtLeftmostOnly: r.eosAtLeftmostOnly, lengthSlack: r.lengthSlack },
	}));

function modelFor(s: Scenario): ScriptedModel {
	return new ScriptedModel({ seed: s.seed, logitShift: s.logitShift, causal: s.causal, eosRate: s.eosRate });
}

async function runScenario(s: Scenario, cancelAfter = -1): Promise<{ events: StepEvent[]; result: DecodeResult }> {
	const events: StepEvent[] = [];
	const source = new CancellationTokenSource();
	if (cancelAfter === 0) {
		source.cancel();
	}
	const onStep = (e: StepEvent): void => {
		events.push(e);
		if (e.step === cancelAfter) {
			source.cancel();
		}
	};
	const result = await decode(modelFor(s), { segments: s.segments, budgets: s.budgets }, s.options, { onStep, token: source.token });
	return { events, result };
}

/** The initial canvas and the region of every position (−1 for known text). */
function layout(s: Scenario): { canvas: number[]; regionOf: number[] } {
	const canvas: number[] = [];
	const regionOf: number[] = [];
	s.segments.forEach((segment, i) => {
		canvas.push(...segment);
		regionOf.push(...segment.map(() => -1));
		if (i < s.budgets.length) {
			canvas.push(...Array(s.budgets[i]).fill(scriptedMask));
			regionOf.push(...Array(s.budgets[i]).fill(i));
		}
	});
	return { canvas, regionOf };
}

function replay(s: Scenario, events: readonly StepEvent[]): number[] {
	const { canvas } = layout(s);
	events.forEach((e) => e.committed.forEach((c) => (canvas[c.position] = c.tokenId)));
	return canvas;
}

/** ≥ 1 accepted token per region that still had masks after the EOS fill (exactly one per step for ar). */
function checkProgress(s: Scenario, events: readonly StepEvent[]): void {
	const { canvas, regionOf } = layout(s);
	for (const e of events) {
		e.committed.filter((c) => c.filled).forEach((c) => (canvas[c.position] = c.tokenId));
		const accepted = e.committed.filter((c) => !c.filled);
		const open = s.budgets.map((_, r) => canvas.some((t, p) => regionOf[p] === r && t === scriptedMask));
		if (s.decoder === 'ar' && e.forwardKind !== 'none') {
			const firstOpen = open.indexOf(true);
			assert.equal(accepted.length, 1, `ar step ${e.step} commits one token`);
			assert.equal(accepted[0].position, canvas.findIndex((t, p) => regionOf[p] === firstOpen && t === scriptedMask));
		} else {
			open.forEach((isOpen, r) => assert.ok(!isOpen || accepted.some((c) => c.region === r), `step ${e.step}: region ${r} made progress`));
		}
		accepted.forEach((c) => (canvas[c.position] = c.tokenId));
	}
}

/** Each commit lies in a block the step's event lists; baselines only commit in the earliest unfinished block. */
function checkBlocks(s: Scenario, events: readonly StepEvent[]): void {
	let previous: StepEvent['blocks'] = [];
	for (const e of events) {
		for (const c of e.committed.filter((c) => !c.filled)) {
			const block = e.blocks.find((b) => b.region === c.region && c.position >= b.start && c.position < b.end);
			assert.ok(block, `step ${e.step}: position ${c.position} is inside a created block`);
			const unfinishedBefore = previous.some((b) => b.region === c.region && b.index < block.index && b.masks > 0);
			assert.ok(s.decoder === 'd3llm' || !unfinishedBefore, `step ${e.step}: ${s.decoder} commits only in the current block`);
		}
		previous = e.blocks;
	}
}

function checkExactlyOnce(s: Scenario, events: readonly StepEvent[]): void {
	const { regionOf } = layout(s);
	const counts = regionOf.map(() => 0);
	events.forEach((e) => e.committed.forEach((c) => counts[c.position]++));
	regionOf.forEach((r, p) => assert.equal(counts[p], r < 0 ? 0 : 1, `position ${p} (region ${r}) committed ${counts[p]} times`));
}

function checkCounters(s: Scenario, events: readonly StepEvent[], result: DecodeResult): void {
	assert.deepEqual(events.map((e) => e.step), events.map((_, i) => i + 1));
	assert.equal(result.steps, events.length);
	assert.equal(result.forwards, events.filter((e) => e.forwardKind !== 'none').length);
	events.forEach((e, i) => assert.equal(e.forwards, events.slice(0, i + 1).filter((x) => x.forwardKind !== 'none').length));
	const canvas = replay(s, events);
	assert.deepEqual(result.canvas, canvas);
	events.forEach((e) => assert.equal(e.windowLength, e.windowRanges.reduce((n, [a, b]) => n + b - a, 0)));
	const { canvas: initial, regionOf } = layout(s);
	regionOf.forEach((r, p) => r < 0 && assert.equal(result.canvas[p], initial[p], `known position ${p} unchanged`));
}

/** Region outputs = tokens up to the first mask or EOS. */
function checkOutputs(s: Scenario, result: DecodeResult): void {
	const { regionOf } = layout(s);
	s.budgets.forEach((_, r) => {
		const region = result.canvas.filter((_, p) => regionOf[p] === r);
		const stop = region.findIndex((t) => t === scriptedMask || t === 1);
		assert.deepEqual(result.regions[r].tokens, stop < 0 ? region : region.slice(0, stop));
		assert.equal(result.regions[r].endedByEos, stop >= 0 && region[stop] === 1);
	});
}

const runs = { numRuns: 150 };

describe('decoder invariants (property-based)', () => {
	it('every masked position is committed exactly once; known text never changes; counters agree', async () => {
		await fc.assert(
			fc.asyncProperty(scenarioArb, async (s) => {
				const { events, result } = await runScenario(s);
				assert.equal(result.cancelled, false);
				assert.equal(events[events.length - 1].masksLeft, 0);
				checkExactlyOnce(s, events);
				checkCounters(s, events, result);
				checkOutputs(s, result);
			}),
			runs,
		);
	});

	it('commits only inside created blocks and makes progress in every unfinished region each step', async () => {
		await fc.assert(
			fc.asyncProperty(scenarioArb, async (s) => {
				const { events } = await runScenario(s);
				checkBlocks(s, events);
				checkProgress(s, events);
			}),
			runs,
		);
	});

	it('cancelling between steps returns a consistent partial state', async () => {
		await fc.assert(
			fc.asyncProperty(scenarioArb, fc.integer({ min: 0, max: 30 }), async (s, cancelAfter) => {
				const { events, result } = await runScenario(s, cancelAfter);
				const full = await runScenario(s);
				const stoppedEarly = cancelAfter < full.events.length;
				assert.equal(result.cancelled, stoppedEarly);
				assert.equal(result.steps, stoppedEarly ? cancelAfter : full.events.length);
				assert.deepEqual(events, full.events.slice(0, result.steps));
				checkCounters(s, events, result);
				checkOutputs(s, result);
			}),
			{ numRuns: 60 },
		);
	});

	it('gives the same commits with the KV cache on and off (the scripted model sees exactly what it attends to)', async () => {
		const cached = scenarioArb.filter((s) => s.options.cacheDelay !== 10000);
		await fc.assert(
			fc.asyncProperty(cached, async (s) => {
				const on = await runScenario(s);
				const off = await runScenario({ ...s, options: { ...s.options, useCache: false } });
				const commits = (events: StepEvent[]): string[] => events.map((e) => e.committed.map((c) => `${c.position}=${c.tokenId}`).join(' '));
				assert.deepEqual(commits(on.events), commits(off.events));
			}),
			{ numRuns: 100 },
		);
	});

	it('literal mode always terminates on random models', async () => {
		await fc.assert(
			fc.asyncProperty(scenarioArb, async (s) => {
				const { result } = await runScenario({ ...s, options: { ...s.options, decoder: 'd3llm', literal: true, useCache: false } });
				assert.equal(result.cancelled, false);
			}),
			{ numRuns: 60 },
		);
	});
});
