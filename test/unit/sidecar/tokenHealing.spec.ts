import * as assert from 'node:assert/strict';
import type { StepEvent } from '../../../src/common/stepEvent';
import type { ForwardRequest, ForwardResult, IDenoiserModel, ModelSpec } from '../../../src/core/modelPort';
import type { CanvasLayout } from '../../../src/sidecar/contextLayout';
import { backOffLastTokens, chooseHealingTokens, traceWithHealing, type HealedLayout, type HealingVocabulary } from '../../../src/sidecar/tokenHealing';

const mask = 2;
const eos = 1;
/** A toy vocabulary: `require` `(` `('` `("` `(\n` `fs` `pa` `path` `par` `<|mask|>`. */
const pieces: Record<number, string> = { 1: '', 2: '<|mask|>', 7: 'require', 8: '(', 9: "('", 10: '("', 11: '(\n', 12: 'fs', 13: 'pa', 14: 'path', 15: 'par', 16: ' =' };
const vocabulary: HealingVocabulary = { piece: (id) => pieces[id] ?? '?', specialIds: new Set([0, eos, mask]) };

/** Returns `topk[row]` (or masks) for each row and records the canvases it saw. */
class TopkModel implements IDenoiserModel {
	readonly spec: ModelSpec;
	readonly seen: number[][] = [];

	constructor(private readonly _topk: Record<number, number[]>, logitShift: boolean) {
		this.spec = { numLayers: 1, numKvHeads: 1, headDim: 2, vocabSize: 17, maxPositions: 64, topK: 3, logitShift, causal: false, maskId: mask, eosId: eos, padId: 0 };
	}

	async forward(request: ForwardRequest): Promise<ForwardResult> {
		const n = request.inputIds.length;
		this.seen.push(Array.from(request.inputIds));
		const topkIds = new Int32Array(n * 3).fill(mask);
		for (const [row, ids] of Object.entries(this._topk)) {
			topkIds.set(ids, Number(row) * 3);
		}
		const empty = [new Float32Array(n * 2)];
		return { entropy: new Float32Array(n), token: topkIds.filter((_, i) => i % 3 === 0), confidence: new Float32Array(n), topkIds, topkProbs: new Float32Array(n * 3), presentKeys: empty, presentValues: empty };
	}
}

function layoutOf(segments: number[][], budgets: number[]): CanvasLayout {
	return { segments, budgets, truncatedTokens: 0 };
}

describe('tokenHealing: taking back the token the cursor cuts', () => {
	it('takes back the last token when the cursor follows text', () => {
		const backed = backOffLastTokens([[7, 8], [12]], ['require(', 'fs'], [''], [8], vocabulary);
		assert.deepEqual(backed.segments, [[7], [12]]);
		assert.deepEqual(backed.removed, [8]);
	});

	it('leaves the segment whole after moved whitespace, a line break, a special token or a budget of one', () => {
		const cases: Array<[number[], string, string, number]> = [
			[[7, 16], 'require =', ' ', 8],
			[[7, 11], 'require(\n', '', 8],
			[[7, mask], 'require', '', 8],
			[[7, 8], 'require(', '', 1],
			[[], '', '', 8],
		];
		for (const [segment, text, moved, budget] of cases) {
			const backed = backOffLastTokens([segment, []], [text, ''], [moved], [budget], vocabulary);
			assert.deepEqual(backed.removed, [-1], JSON.stringify(text));
			assert.deepEqual(backed.segments[0], segment);
		}
	});

	it('leaves a token alone whose text is not the end of the segment (a cut inside a character)', () => {
		assert.deepEqual(backOffLastTokens([[7, 8]], ['require(x'], [''], [4], vocabulary).removed, [-1]);
	});

	it('fills every hole of a multi-hole request independently', () => {
		const backed = backOffLastTokens([[7, 8], [13], []], ['require(', 'pa', ''], ['', ''], [4, 4], vocabulary);
		assert.deepEqual(backed.removed, [8, 13]);
		assert.deepEqual(backed.segments, [[7], [], []]);
	});
});

describe('tokenHealing: choosing the token that opens the hole', () => {
	it('puts back the most likely top-k token that extends the removed text (shifted model: row before the hole)', async () => {
		const model = new TopkModel({ 0: [12, 9, 10] }, true);
		const healed = await chooseHealingTokens(model, layoutOf([[7], []], [4]), [8], vocabulary);
		assert.deepEqual(model.seen, [[7, mask, mask, mask, mask]]);
		assert.deepEqual(healed.layout.segments, [[7, 9], []]);
		assert.deepEqual(healed.layout.budgets, [3], 'the healing token takes one position of the budget');
		assert.deepEqual(healed.chosen, [9]);
		assert.deepEqual(healed.cut, ['(']);
		assert.equal(healed.forwards, 1);
	});

	it('reads the hole\'s own row for a model without logit shift', async () => {
		const model = new TopkModel({ 0: [9, 9, 9], 1: [15, 14, 13] }, false);
		const healed = await chooseHealingTokens(model, layoutOf([[7], [12]], [3]), [13], vocabulary);
		assert.deepEqual(healed.chosen, [15]);
		assert.deepEqual(healed.layout.segments, [[7, 15], [12]]);
	});

	it('skips the mask id, special tokens and candidates that run onto a new line', async () => {
		const model = new TopkModel({ 0: [mask, 11, 10] }, true);
		const healed = await chooseHealingTokens(model, layoutOf([[7], []], [4]), [8], vocabulary);
		assert.deepEqual(healed.chosen, [10]);
	});

	it('puts the removed token back when no top-k candidate extends it', async () => {
		const model = new TopkModel({ 0: [12, 13, 14] }, true);
		const healed = await chooseHealingTokens(model, layoutOf([[7], []], [4]), [8], vocabulary);
		assert.deepEqual(healed.chosen, [8]);
		assert.deepEqual(healed.layout.segments, [[7, 8], []]);
	});

	it('heals two holes with one forward', async () => {
		const model = new TopkModel({ 0: [9, 8, 10], 3: [14, 15, 13] }, true);
		const healed = await chooseHealingTokens(model, layoutOf([[7], [], []], [3, 2]), [8, 13], vocabulary);
		assert.equal(model.seen.length, 1);
		assert.deepEqual(model.seen[0], [7, mask, mask, mask, mask, mask]);
		assert.deepEqual(healed.chosen, [9, 14]);
		assert.deepEqual(healed.layout.segments, [[7, 9], [14], []]);
		assert.deepEqual(healed.layout.budgets, [2, 1]);
	});

	it('runs no forward when nothing was taken back', async () => {
		const model = new TopkModel({}, true);
		const layout = layoutOf([[7, 8], []], [4]);
		const healed = await chooseHealingTokens(model, layout, [-1], vocabulary);
		assert.equal(model.seen.length, 0);
		assert.equal(healed.forwards, 0);
		assert.deepEqual(healed.layout, layout);
		assert.deepEqual(healed.cut, ['']);
	});
});

describe('tokenHealing: the step trace', () => {
	const step = (n: number, committed: StepEvent['committed']): StepEvent => ({
		step: n, forwardKind: 'full', windowLength: 8, windowRanges: [[0, 8]], cacheLength: 0, committed, blocks: [], forwards: n, masksLeft: 0, elapsedMs: 0, forwardMs: 0,
	});
	const commit = (position: number, offset: number, text: string) => ({ position, region: 0, offset, tokenId: 12, text, entropy: 0.1, forced: false, eos: false });
	const healing: HealedLayout = { layout: layoutOf([[7, 9], []], [3]), removed: [8], chosen: [9], cut: ['('], forwards: 1 };

	it('shows an extending healing token as the first cell of its hole, committed in the first step', () => {
		const [event, layout] = traceWithHealing(healing, step(1, [commit(2, 0, 'fs')]), { regionStarts: [2], budgets: [3] }, vocabulary);
		assert.deepEqual(layout, { regionStarts: [1], budgets: [4] });
		assert.deepEqual(event.committed.map((c) => [c.position, c.offset, c.text]), [[1, 0, "'"], [2, 1, 'fs']]);
		assert.equal(event.forwards, 2, 'the healing forward counts');
	});

	it('shifts the offsets of later steps and counts the healing forward in each', () => {
		const [event, layout] = traceWithHealing(healing, step(2, [commit(3, 1, "'")]), undefined, vocabulary);
		assert.equal(layout, undefined);
		assert.deepEqual(event.committed.map((c) => [c.position, c.offset]), [[3, 2]]);
		assert.equal(event.forwards, 3);
	});

	it('leaves the layout alone when the removed token went back unchanged', () => {
		const unchanged: HealedLayout = { ...healing, chosen: [8] };
		const [event, layout] = traceWithHealing(unchanged, step(1, [commit(2, 0, 'fs')]), { regionStarts: [2], budgets: [3] }, vocabulary);
		assert.deepEqual(layout, { regionStarts: [2], budgets: [3] });
		assert.deepEqual(event.committed.map((c) => [c.position, c.offset]), [[2, 0]]);
		assert.equal(event.forwards, 2);
	});
});
