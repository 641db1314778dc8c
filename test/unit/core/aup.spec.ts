/**
 * AUP (reference §4): the worked HumanEval example, the single-point identity and the >5-point drop error.
 */
import * as assert from 'node:assert/strict';
import { aup, aupWeight } from '../../../src/core';

describe('aup (reference §4)', () => {
	it('gives 208.36 for d3LLM-Coder on HumanEval (§4.2)', () => {
		const value = aup([{ tpf: 2.88, accuracy: 79.7 }, { tpf: 1.0, accuracy: 82.4 }], 86.6);
		assert.ok(Math.abs(value - 208.3577) < 0.01, `got ${value}`);
	});

	it('matches the other coder rows of §4.3', () => {
		assert.ok(Math.abs(aup([{ tpf: 1, accuracy: 74.4 }, { tpf: 2.88, accuracy: 71.3 }], 82.3) - 171.72) < 0.01);
		assert.ok(Math.abs(aup([{ tpf: 1, accuracy: 80.1 }, { tpf: 2.5, accuracy: 80.0 }], 83.5) - 186.18) < 0.01);
	});

	it('gives y for a single point at ρ = 1', () => {
		assert.equal(aup([{ tpf: 1, accuracy: 82.9 }], 86.6), 82.9);
	});

	it('computes the weights of §4.2', () => {
		assert.ok(Math.abs(aupWeight(82.4, 86.6) - 0.86459) < 1e-5);
		assert.ok(Math.abs(aupWeight(79.7, 86.6) - 0.78739) < 1e-5);
		assert.equal(aupWeight(90, 86.6), 1);
	});

	it('drops middle points more than yMinOffset below the first', () => {
		const withDip = aup([{ tpf: 1, accuracy: 80 }, { tpf: 2, accuracy: 70 }, { tpf: 3, accuracy: 78 }], 80);
		const without = aup([{ tpf: 1, accuracy: 80 }, { tpf: 3, accuracy: 78 }], 80);
		assert.equal(withDip, without);
	});

	it('throws when accuracy drops by more than 5 from the smallest to the largest TPF', () => {
		assert.throws(() => aup([{ tpf: 1, accuracy: 80 }, { tpf: 4, accuracy: 74.9 }], 86), /drops by .* \(> 5\)/);
	});

	it('throws on no points and non-positive TPF', () => {
		assert.throws(() => aup([], 80), /at least one point/);
		assert.throws(() => aup([{ tpf: 0, accuracy: 50 }], 80), /tpf > 0/);
	});
});
