/**
 * The `decode` entry point: option and input validation, the EOS early stop with its forward-less last
 * step, timing from the injected clock, the mask-id fallback, and a golden transcript of the toy oracle.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { StepEvent } from '../../../src/common/stepEvent';
import { decode, resolveDecodeOptions, type DecodeOptions } from '../../../src/core';
import { ScriptedModel, scriptedEos, scriptedMask } from '../helpers/scriptedModel';
import { ToyOracle, toyBudget, toyPromptLength } from '../helpers/toyOracle';
import { renderRegionSteps } from '../helpers/transcript';

const model = (): ScriptedModel => new ScriptedModel({ seed: 2 });
const input = { segments: [[2, 3], [4]], budgets: [6] };

describe('decode: validation', () => {
	const invalid: Array<[string, DecodeOptions, RegExp]> = [
		['blockSize 0', { blockSize: 0 }, /blockSize must be an integer ≥ 1/],
		['negative threshold', { threshold: -1 }, /threshold must be a finite number ≥ 0/],
		['blockAddThreshold 1.5', { blockAddThreshold: 1.5 }, /blockAddThreshold must be in \[0, 1\]/],
		['fullActivationThreshold NaN', { fullActivationThreshold: Number.NaN }, /fullActivationThreshold/],
		['fractional cacheDelay', { cacheDelay: 0.5 }, /cacheDelay must be an integer/],
		['unknown decoder', { decoder: 'beam' as never }, /decoder must be one of d3llm, fastdllm, vanilla, ar/],
		['tokensPerStep 0', { tokensPerStep: 0 }, /tokensPerStep/],
	];
	for (const [name, options, message] of invalid) {
		it(`rejects ${name}`, async () => {
			await assert.rejects(decode(model(), input, options), message);
		});
	}

	it('rejects malformed canvases', async () => {
		await assert.rejects(decode(model(), { segments: [[2], [3]], budgets: [0] }), /budget 0 must be an integer ≥ 1, got 0/);
		await assert.rejects(decode(model(), { segments: [[2]], budgets: [3] }), /segments.length must be budgets.length \+ 1/);
		await assert.rejects(decode(model(), { segments: [[2], [scriptedMask]], budgets: [3] }), /mask id/);
		await assert.rejects(decode(model(), { segments: [[2], [99]], budgets: [3] }), /outside \[0, 16\)/);
		await assert.rejects(decode(model(), { segments: [[], []], budgets: [600] }), /exceeds the model's maxPositions 512/);
	});

	it('fills missing options with the defaults', () => {
		assert.equal(resolveDecodeOptions({ threshold: undefined }).threshold, 0.5);
	});
});

describe('decode: steps', () => {
	it('ends with a forward-less step when the EOS fill empties the last masks (reference §1.5 step 6)', async () => {
		const events: StepEvent[] = [];
		const eosFirst = new ScriptedModel({ seed: 1, eosRate: 1, maskRate: 0, entropyAt: (q) => (q === 2 ? 0 : 5) });
		const result = await decode(eosFirst, input, {}, { onStep: (e) => events.push(e) });
		assert.deepEqual(events.map((e) => e.forwardKind), ['full', 'none']);
		assert.ok(events[1].committed.every((c) => c.filled && c.eos && c.tokenId === scriptedEos));
		assert.deepEqual(result.regions, [{ tokens: [], endedByEos: true }]);
		assert.equal(result.forwards, 1);
		assert.equal(result.steps, 2);
	});

	it('times steps and forwards with the injected clock', async () => {
		let now = 0;
		const events: StepEvent[] = [];
		const result = await decode(model(), input, {}, { clock: () => (now += 2), onStep: (e) => events.push(e) });
		assert.ok(events.every((e) => e.forwardMs === 2 && e.elapsedMs >= e.forwardMs));
		assert.equal(result.forwardMs, 2 * result.forwards);
	});

	it('never commits the mask id: a model ranking it first gets its best other top-k token', async () => {
		const maskLover = new ScriptedModel({ seed: 4, maskRate: 1, eosRate: 0 });
		const result = await decode(maskLover, input);
		assert.deepEqual(result.canvas.filter((t) => t === scriptedMask), []);
	});
});

describe('decode: golden transcript', () => {
	it('renders the toy oracle (recommended mode) as in test/fixtures/golden/toy-d3llm.txt', async () => {
		const events: StepEvent[] = [];
		const toy = { segments: [Array(toyPromptLength).fill(1), []], budgets: [toyBudget] };
		await decode(new ToyOracle(), toy, { blockSize: 16, useCache: false }, { onStep: (e) => events.push(e) });
		const rendered = renderRegionSteps(events, 0, toyBudget, (id) => (id === 6 ? '$' : String(id))).join('\n') + '\n';
		const golden = path.join(__dirname, '../../fixtures/golden/toy-d3llm.txt');
		if (process.env.UPDATE_GOLDEN) {
			fs.mkdirSync(path.dirname(golden), { recursive: true });
			fs.writeFileSync(golden, rendered);
		}
		assert.equal(rendered, fs.readFileSync(golden, 'utf8'));
	});
});
