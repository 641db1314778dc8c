/**
 * The toy oracle of reference §1.11 as an `IDenoiserModel`: its logits depend on the whole current canvas,
 * so it must be run with the KV cache off (every forward is the full canvas). Entropy and argmax come from
 * the oracle's logits in float64, as in the reference.
 */
import type { ForwardRequest, ForwardResult, IDenoiserModel, ModelSpec } from '../../../src/core/modelPort';
import { reduceLogits, emptyKv } from './logits';

export const toyMask = 7;
export const toyEos = 6;
export const toyPromptLength = 4;
export const toyBudget = 64;

const toySpec: ModelSpec = {
	numLayers: 1, numKvHeads: 1, headDim: 1, vocabSize: 8, maxPositions: 1024, topK: 5,
	logitShift: false, causal: false, maskId: toyMask, eosId: toyEos, padId: 0,
};

/** Python's `%` (the sign of the divisor). */
function pyMod(a: number, n: number): number {
	return ((a % n) + n) % n;
}

/** The oracle's aligned logits for canvas position `p` (reference §1.11). */
export function toyLogits(canvas: ArrayLike<number>, p: number): Float64Array {
	const r = p - toyPromptLength;
	const inRegion = r >= 0 && r < toyBudget;
	const target = !inRegion ? 0 : r >= 40 ? toyEos : pyMod(5 * r + 1, 6);
	let known = 0;
	for (const q of [p - 1, p - 2, p - 3]) {
		known += q >= 0 && canvas[q] !== toyMask ? 1 : 0;
	}
	const bonus = r >= 45 ? 3 : pyMod(r, 16) === 0 ? -3 : pyMod(r, 8) === 7 ? 2.5 : 0;
	const logits = new Float64Array(8);
	logits[target] = 1 + 1.5 * known + bonus + pyMod(37 * p, 11) / 10;
	return logits;
}

/** The §1.11 oracle; every forward must be the whole canvas with no cache. */
export class ToyOracle implements IDenoiserModel {
	readonly spec = toySpec;

	async forward(request: ForwardRequest): Promise<ForwardResult> {
		const n = request.inputIds.length;
		if (request.past.length !== 0 || request.positionIds[0] !== 0 || request.positionIds[n - 1] !== n - 1) {
			throw new Error('the toy oracle needs the whole canvas in every forward (run it with the cache off)');
		}
		const rows = Array.from({ length: n }, (_, p) => toyLogits(request.inputIds, p));
		return { ...reduceLogits(rows, this.spec.topK), ...emptyKv(this.spec, n) };
	}
}
