import * as assert from 'node:assert/strict';
import { decode, type DecoderName, type ForwardRequest, type ForwardResult, type IDenoiserModel } from '../../../src/core/index';
import { tinySpec } from '../helpers/tinySpec';

const MASK = tinySpec.maskId;
const EOS = tinySpec.eosId;
const WORD = 7;
const spec = tinySpec;

/**
 * Sees the whole canvas (run without the cache). Position `prefixLength + 2` predicts EOS with near-zero
 * entropy while the position before it is still masked, and WORD once that one is decoded — a premature,
 * over-confident EOS. Every other masked position predicts WORD with low entropy.
 */
class PrematureEosModel implements IDenoiserModel {
	readonly spec = spec;
	constructor(private readonly _trap: number) {}

	async forward(request: ForwardRequest): Promise<ForwardResult> {
		const ids = Array.from(request.inputIds);
		const n = ids.length;
		const token = new Int32Array(n).fill(WORD);
		const entropy = new Float32Array(n).fill(0.2);
		if (ids[this._trap - 1] === MASK) {
			token[this._trap] = EOS;
			entropy[this._trap] = 0.01;
		}
		const kv = [new Float32Array(n * 2)];
		return { entropy, token, confidence: new Float32Array(n).fill(0.9), topkIds: new Int32Array(n * 2), topkProbs: new Float32Array(n * 2), presentKeys: kv, presentValues: kv };
	}
}

describe('EOS only at the leftmost mask (option eosAtLeftmostOnly)', () => {
	const prefix = [3, 4, 5];
	const input = { segments: [prefix, [6]], budgets: [8] };
	const run = (decoder: DecoderName, eosAtLeftmostOnly: boolean) =>
		decode(new PrematureEosModel(prefix.length + 2), input, { decoder, eosAtLeftmostOnly, useCache: false, blockSize: 8 });

	it('by default (reference §1.5) a premature EOS ends the region', async () => {
		const result = await run('d3llm', false);
		assert.deepEqual(result.regions[0], { tokens: [WORD, WORD], endedByEos: true });
	});

	for (const decoder of ['d3llm', 'fastdllm', 'vanilla'] as const) {
		it(`${decoder}: the EOS proposal waits until it is the leftmost mask, and the region is filled`, async () => {
			const result = await run(decoder, true);
			assert.deepEqual(result.regions[0].tokens, new Array(8).fill(WORD));
		});
	}
});
