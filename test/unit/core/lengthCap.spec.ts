import * as assert from 'node:assert/strict';
import { decode, type ForwardRequest, type ForwardResult, type IDenoiserModel } from '../../../src/core/index';
import type { ModelSpec } from '../../../src/core/modelPort';
import { Canvas } from '../../../src/core/canvas';
import { capRegionLengths } from '../../../src/core/lengthCap';
import { Predictions } from '../../../src/core/predictions';
import { tinySpec } from '../helpers/tinySpec';

const MASK = tinySpec.maskId;
const EOS = tinySpec.eosId;
const WORD = 7;
const prefix = [3, 4, 5];

/**
 * Sees the whole canvas (run without the cache). While every hole position is still masked, positions from
 * `guess` on propose EOS with high entropy (a first-forward guess of the middle's end); every other masked
 * position, and every position later on, proposes WORD with low entropy, so without a cap the hole fills up.
 */
class EndGuessModel implements IDenoiserModel {
	readonly spec: ModelSpec;
	constructor(private readonly _guess: number, private readonly _budget: number, causal = false) {
		this.spec = { ...tinySpec, causal };
	}

	async forward(request: ForwardRequest): Promise<ForwardResult> {
		const ids = Array.from(request.inputIds);
		const n = ids.length;
		const token = new Int32Array(n).fill(WORD);
		const entropy = new Float32Array(n).fill(0.2);
		const untouched = ids.slice(prefix.length, prefix.length + this._budget).every((id) => id === MASK);
		for (let p = prefix.length + this._guess; untouched && p < prefix.length + this._budget; p++) {
			token[p] = EOS;
			entropy[p] = 2;
		}
		const kv = [new Float32Array(n * 2)];
		return { entropy, token, confidence: new Float32Array(n).fill(0.9), topkIds: new Int32Array(n * 2), topkProbs: new Float32Array(n * 2), presentKeys: kv, presentValues: kv };
	}
}

describe('length cap from the first forward (option lengthSlack)', () => {
	const budget = 12;
	const input = { segments: [prefix, [6]], budgets: [budget] };
	const run = (lengthSlack: number | undefined, guess = 3) =>
		decode(new EndGuessModel(guess, budget), input, { eosAtLeftmostOnly: true, lengthSlack, useCache: false, blockSize: 4, threshold: 1 });

	it('off by default: the whole budget is decoded', async () => {
		const result = await run(undefined);
		assert.deepEqual(result.regions[0].tokens, new Array(budget).fill(WORD));
	});

	for (const slack of [0, 2, 5]) {
		it(`slack ${slack}: the region ends ${slack} positions after the first EOS guess`, async () => {
			const result = await run(slack);
			assert.deepEqual(result.regions[0], { tokens: new Array(3 + slack).fill(WORD), endedByEos: true });
		});
	}

	it('never ends a region at its first position (token healing re-emits a token there)', () => {
		const canvas = Canvas.create(input, MASK, EOS, []);
		const predictions = new Predictions(canvas.length, tinySpec.topK);
		for (let p = prefix.length; p < prefix.length + budget; p++) {
			predictions.entropy[p] = 1;
			predictions.token[p] = EOS;
		}
		const committed = capRegionLengths(canvas, predictions, 0);
		assert.deepEqual(committed.map((c) => [c.position, c.tokenId]), [[prefix.length + 1, EOS]]);
		assert.ok(canvas.isMask(prefix.length));
	});

	it('does not apply to a causal model (its rows past the first mask see only masks)', async () => {
		const result = await decode(new EndGuessModel(3, budget, true), input, { lengthSlack: 0, useCache: false, blockSize: 4, threshold: 1 });
		assert.deepEqual(result.regions[0].tokens, new Array(budget).fill(WORD));
	});

	it('a cap past the end of the region leaves the budget as it is', async () => {
		const result = await run(budget - 3);
		assert.deepEqual(result.regions[0].tokens, new Array(budget).fill(WORD));
	});

	it('no EOS guess in the first forward: no cap', async () => {
		const result = await run(2, budget);
		assert.deepEqual(result.regions[0].tokens, new Array(budget).fill(WORD));
	});

	it('rejects a slack below −1', () => {
		return assert.rejects(run(-2), /lengthSlack must be an integer ≥ 0, or −1 for off/);
	});
});
