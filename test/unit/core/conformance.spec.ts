/**
 * Conformance with the toy oracle of reference §1.11 (Dream rules, no KV cache): the literal mode reproduces
 * the reference code's 23 iterations including the Q1 re-writes; the recommended mode takes 22.
 */
import * as assert from 'node:assert/strict';
import type { StepEvent } from '../../../src/common/stepEvent';
import { decode, type DecodeOptions } from '../../../src/core';
import { ToyOracle, toyBudget, toyEos, toyPromptLength } from '../helpers/toyOracle';
import { acceptanceLines } from '../helpers/transcript';

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

const literalExpected = [
	'1:[1,15]', '2:[2,23,31]', '3:[3,4,39,45,46,47]', `4:[5,6,7,${range(48, 63).join(',')}]`,
	'5:[8,9]', '6:[10,11]', '7:[12,13]', '8:[14]', '9:[0*,17]', '10:[18*]', '11:[19,20]', '12:[21,22]',
	'13:[24,25]', '14:[26,27]', '15:[28]', '16:[29,30]', '17:[16*,33]', '18:[34]', '19:[35,36]',
	'20:[37,38]', '21:[40,41]', '22:[42,43,44]', '23:[32*]',
];

const toyOptions: DecodeOptions = { decoder: 'd3llm', threshold: 0.5, blockSize: 16, blockAddThreshold: 0.1, fullActivationThreshold: 0.95, useCache: false };

async function runToy(literal: boolean): Promise<{ events: StepEvent[]; result: Awaited<ReturnType<typeof decode>> }> {
	const events: StepEvent[] = [];
	const input = { segments: [Array(toyPromptLength).fill(1), []], budgets: [toyBudget] };
	const result = await decode(new ToyOracle(), input, { ...toyOptions, literal }, { onStep: (e) => events.push(e) });
	return { events, result };
}

const expectedGeneration = range(0, 63).map((r) => (r >= 40 ? toyEos : (5 * r + 1) % 6));

describe('conformance: toy oracle of reference §1.11', () => {
	it('literal mode: nfe 23 and the listed acceptances, Q1 re-writes included', async () => {
		const { events, result } = await runToy(true);
		assert.deepEqual(acceptanceLines(events), literalExpected);
		assert.equal(result.forwards, 23);
		assert.equal(result.steps, 23);
		assert.deepEqual(result.canvas.slice(toyPromptLength), expectedGeneration);
	});

	it('literal mode: iteration 4 fills r 48..63 with EOS before re-writing them', async () => {
		const { events } = await runToy(true);
		assert.deepEqual(events[3].committed.filter((c) => c.filled).map((c) => c.offset), range(48, 63));
		assert.deepEqual(events[21].committed.filter((c) => c.filled).map((c) => c.offset), [42, 43, 44]);
	});

	it('recommended mode: nfe 22, iteration 4 = [5,6,7] and iteration 22 = [32*]', async () => {
		const { events, result } = await runToy(false);
		const expected = literalExpected.slice(0, 21).map((line, i) => (i === 3 ? '4:[5,6,7]' : line)).concat('22:[32*]');
		assert.deepEqual(acceptanceLines(events), expected);
		assert.equal(result.forwards, 22);
		assert.deepEqual(result.canvas.slice(toyPromptLength), expectedGeneration);
		assert.deepEqual(result.regions, [{ tokens: expectedGeneration.slice(0, 40), endedByEos: true }]);
	});

	it('every step is a full forward of the whole canvas with the cache off', async () => {
		const { events } = await runToy(false);
		assert.ok(events.every((e) => e.forwardKind === 'full' && e.windowLength === 68 && e.cacheLength === 0));
	});
});
