import * as assert from 'node:assert/strict';
import { decode, type DecodeOptions, type DecoderName, type ForwardRequest, type ForwardResult, type IDenoiserModel, type ModelSpec } from '../../../src/core/index';
import type { StepEvent } from '../../../src/common/stepEvent';

const MASK = 15;
const EOS = 1;
const WORD = 7;
const spec: ModelSpec = { numLayers: 1, numKvHeads: 1, headDim: 2, vocabSize: 16, maxPositions: 64, topK: 3, logitShift: false, causal: false, maskId: MASK, eosId: EOS, padId: 0 };

/** Every row proposes WORD (entropy 2 by default, above the thresholds), with `topk` as its three candidates. */
class TopkModel implements IDenoiserModel {
	readonly spec: ModelSpec;
	forwards = 0;
	constructor(private readonly _topk: number[], private readonly _entropy = 2, causal = false) {
		this.spec = { ...spec, causal };
	}

	async forward(request: ForwardRequest): Promise<ForwardResult> {
		this.forwards++;
		const n = request.inputIds.length;
		const topkIds = new Int32Array(n * 3);
		for (let row = 0; row < n; row++) {
			topkIds.set(this._topk, row * 3);
		}
		const kv = [new Float32Array(n * 2)];
		return { entropy: new Float32Array(n).fill(this._entropy), token: new Int32Array(n).fill(WORD), confidence: new Float32Array(n).fill(0.3), topkIds, topkProbs: new Float32Array(n * 3), presentKeys: kv, presentValues: kv };
	}
}

const input = { segments: [[3, 4], [5]], budgets: [4] };
const healing = { allowed: new Set([9, 10]), fallback: 8 };

async function firstStep(decoder: DecoderName, topk: number[]): Promise<{ event: StepEvent; tokens: number[]; forwards: number }> {
	const events: StepEvent[] = [];
	const model = new TopkModel(topk);
	const result = await decode(model, input, { decoder, blockSize: 4, openings: [healing] }, { onStep: (e) => events.push(e) });
	return { event: events[0], tokens: result.regions[0].tokens, forwards: model.forwards };
}

describe('opening tokens (token healing, core half)', () => {
	for (const decoder of ['d3llm', 'fastdllm', 'vanilla', 'ar'] as DecoderName[]) {
		it(`${decoder}: commits the most likely allowed top-k token at the region's first position in the first step`, async () => {
			const { event, tokens } = await firstStep(decoder, [MASK, 10, 9]);
			const opening = event.committed.find((c) => c.offset === 0);
			assert.ok(opening, 'the first position is committed in step 1');
			assert.equal(opening.tokenId, 10);
			assert.equal(opening.entropy, 0);
			assert.equal(tokens[0], 10);
		});
	}

	it('falls back to the rule\'s token when no top-k candidate is allowed', async () => {
		const { tokens } = await firstStep('d3llm', [WORD, 11, 12]);
		assert.equal(tokens[0], 8);
	});

	it('costs no forward and leaves the other positions to the decoder', async () => {
		const free = await decode(new TopkModel([WORD, 9, 10]), input, { decoder: 'ar', blockSize: 4 });
		const { tokens, forwards } = await firstStep('ar', [WORD, 9, 10]);
		assert.equal(forwards, free.forwards);
		assert.deepEqual(tokens.slice(1), free.regions[0].tokens.slice(1));
		assert.equal(tokens[0], 9);
	});

	it('d3llm: the rest of a ruled region waits for the forward after its opening; other regions do not', async () => {
		const twoHoles = { segments: [[3], [4], [5]], budgets: [3, 3] };
		const steps: StepEvent[] = [];
		const model = new TopkModel([WORD, 9, 10], 0.1);
		const result = await decode(model, twoHoles, { decoder: 'd3llm', blockSize: 3, openings: [null, healing] }, { onStep: (e) => steps.push(e) });
		const first = steps[0].committed.map((c) => [c.region, c.offset]);
		assert.deepEqual(first.filter(([region]) => region === 1), [[1, 0]], 'only the opening of the ruled region');
		assert.deepEqual(first.filter(([region]) => region === 0), [[0, 0], [0, 1], [0, 2]], 'the free region commits in parallel');
		assert.deepEqual(steps[1].committed.map((c) => [c.region, c.offset]), [[1, 1], [1, 2]]);
		assert.deepEqual(result.regions[1].tokens, [9, WORD, WORD]);
	});

	it('turns the windowed forward after an opening into a whole-canvas refresh (bidirectional models only)', async () => {
		const kinds = async (options: DecodeOptions, causal = false): Promise<string[]> => {
			const steps: StepEvent[] = [];
			await decode(new TopkModel([WORD, 9, 10], 2, causal), input, { decoder: 'd3llm', blockSize: 4, ...options }, { onStep: (e) => steps.push(e) });
			return steps.map((e) => e.forwardKind);
		};
		assert.deepEqual(await kinds({ openings: [healing] }), ['full', 'refresh', 'window', 'window']);
		assert.deepEqual(await kinds({}), ['full', 'window', 'window', 'window']);
		assert.deepEqual(await kinds({ openings: [healing] }, true), ['full', 'window', 'window', 'window'], 'a causal model\'s cache is exact');
		assert.deepEqual(await kinds({ openings: [healing], useCache: false }), ['full', 'full', 'full', 'full']);
	});

	it('refreshes after the step that commits a later region\'s opening (ar, two holes)', async () => {
		const steps: StepEvent[] = [];
		const twoHoles = { segments: [[3], [4], [5]], budgets: [3, 3] };
		await decode(new TopkModel([WORD, 9, 10]), twoHoles, { decoder: 'ar', openings: [null, healing] }, { onStep: (e) => steps.push(e) });
		const opening = steps.findIndex((e) => e.committed.some((c) => c.region === 1 && c.offset === 0));
		assert.equal(opening, 3);
		assert.deepEqual(steps.map((e) => e.forwardKind), ['full', 'window', 'window', 'window', 'refresh', 'window']);
	});

	it('reports each region\'s opening candidates from its first forward: text tokens, allowed ones only where ruled', async () => {
		const twoHoles = { segments: [[3], [4], [5]], budgets: [3, 3] };
		const free = await decode(new TopkModel([MASK, EOS, 9]), twoHoles, { decoder: 'ar' });
		assert.deepEqual(free.openingCandidates, [[9], [9]], 'no mask, no EOS');
		const ruled = await decode(new TopkModel([WORD, 10, 11]), twoHoles, { decoder: 'd3llm', openings: [null, healing] });
		assert.deepEqual(ruled.openingCandidates, [[WORD, 10, 11], [10]]);
	});

	it('applies a rule only to its own region, until that region reaches it', async () => {
		const twoHoles = { segments: [[3], [4], [5]], budgets: [3, 3] };
		const result = await decode(new TopkModel([WORD, 9, 10]), twoHoles, { decoder: 'ar', openings: [null, healing] });
		assert.equal(result.regions[0].tokens[0], WORD);
		assert.equal(result.regions[1].tokens[0], 9);
	});

	it('refuses rules that do not fit the canvas or the model', async () => {
		const model = new TopkModel([WORD, 9, 10]);
		await assert.rejects(decode(model, input, { openings: [healing, healing] }), /openings has 2 rules for 1 mask regions/);
		await assert.rejects(decode(model, input, { openings: [{ allowed: new Set([9]), fallback: MASK }] }), /openings\[0\]\.fallback must be a text token id/);
		await assert.rejects(decode(model, input, { openings: [{ allowed: [9] as never, fallback: 8 }] }), /openings must be an array of null or/);
	});
});
