/**
 * Test-side reductions of full logits into the model port's outputs (entropy in nats with ε = 1e-12 as in
 * reference §1.4, argmax, confidence, top-k), computed in float64.
 */
import type { ForwardResult, ModelSpec } from '../../../src/core/modelPort';

/** Softmax in float64. */
export function softmax(logits: ArrayLike<number>): Float64Array {
	const max = Math.max(...Array.from(logits));
	const exps = Float64Array.from(logits, (x) => Math.exp(x - max));
	const sum = exps.reduce((a, b) => a + b, 0);
	return exps.map((e) => e / sum);
}

/** Entropy, argmax, confidence and top-k of each row. */
export function reduceLogits(rows: readonly ArrayLike<number>[], topK: number): Pick<ForwardResult, 'entropy' | 'token' | 'confidence' | 'topkIds' | 'topkProbs'> {
	const n = rows.length;
	const out = { entropy: new Float32Array(n), token: new Int32Array(n), confidence: new Float32Array(n), topkIds: new Int32Array(n * topK), topkProbs: new Float32Array(n * topK) };
	rows.forEach((row, i) => {
		const probs = softmax(row);
		out.entropy[i] = -probs.reduce((h, p) => h + p * Math.log(p + 1e-12), 0);
		const order = Array.from(probs.keys()).sort((a, b) => probs[b] - probs[a] || a - b);
		out.token[i] = order[0];
		out.confidence[i] = probs[order[0]];
		order.slice(0, topK).forEach((id, k) => {
			out.topkIds[i * topK + k] = id;
			out.topkProbs[i * topK + k] = probs[id];
		});
	});
	return out;
}

/** All-zero present K/V for `n` rows. */
export function emptyKv(spec: ModelSpec, n: number): Pick<ForwardResult, 'presentKeys' | 'presentValues'> {
	const size = n * spec.numKvHeads * spec.headDim;
	const layers = (): Float32Array[] => Array.from({ length: spec.numLayers }, () => new Float32Array(size));
	return { presentKeys: layers(), presentValues: layers() };
}
