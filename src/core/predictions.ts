/**
 * Per-position predictions of one forward, aligned to canvas positions (reference §1.1 item 3 and §1.4):
 * without `logitShift` row i predicts its own position; with it, the row of position i − 1 predicts i and
 * the very first canvas position uses its own row. Literal mode (quirk K1) also lets the first position of
 * every window range use its own row, as the reference's in-window shift does.
 */
import type { ForwardResult, ModelSpec } from './modelPort';

/** Entropy, proposal, confidence and top-k ids per canvas position; `NaN` entropy where nothing predicted it. */
export class Predictions {
	readonly entropy: Float64Array;
	readonly token: Int32Array;
	readonly confidence: Float64Array;
	/** `topK` ids per position (−1 where nothing predicted it), most likely first. */
	readonly topkIds: Int32Array;

	constructor(length: number, topK: number) {
		this.entropy = new Float64Array(length).fill(Number.NaN);
		this.token = new Int32Array(length).fill(-1);
		this.confidence = new Float64Array(length);
		this.topkIds = new Int32Array(length * topK).fill(-1);
	}

	has(position: number): boolean {
		return !Number.isNaN(this.entropy[position]);
	}
}

/** Window positions (sorted) plus the forward's rows for them. */
export interface WindowOutput {
	readonly positions: readonly number[];
	readonly result: ForwardResult;
}

/** Maps forward rows to the canvas positions they predict. */
export function alignPredictions(length: number, output: WindowOutput, spec: ModelSpec, literal: boolean): Predictions {
	const predictions = new Predictions(length, spec.topK);
	const { positions, result } = output;
	positions.forEach((position, row) => {
		if (!spec.logitShift) {
			setPrediction(predictions, position, row, result, spec);
			return;
		}
		if (position + 1 < length) {
			setPrediction(predictions, position + 1, row, result, spec);
		}
		const rangeStart = row === 0 || positions[row - 1] !== position - 1;
		if (position === 0 || (literal && rangeStart)) {
			setPrediction(predictions, position, row, result, spec);
		}
	});
	return predictions;
}

function setPrediction(predictions: Predictions, position: number, row: number, result: ForwardResult, spec: ModelSpec): void {
	predictions.entropy[position] = result.entropy[row];
	predictions.topkIds.set(result.topkIds.subarray(row * spec.topK, (row + 1) * spec.topK), position * spec.topK);
	const token = result.token[row];
	if (token !== spec.maskId) {
		predictions.token[position] = token;
		predictions.confidence[position] = result.confidence[row];
		return;
	}
	const [fallback, probability] = bestNonMask(row, result, spec);
	predictions.token[position] = fallback;
	predictions.confidence[position] = probability;
}

/** A model may rank the mask id first; the decoder then takes the best other top-k token (EOS if none). */
function bestNonMask(row: number, result: ForwardResult, spec: ModelSpec): [number, number] {
	for (let k = 0; k < spec.topK; k++) {
		const id = result.topkIds[row * spec.topK + k];
		if (id !== spec.maskId && id >= 0) {
			return [id, result.topkProbs[row * spec.topK + k]];
		}
	}
	return [spec.eosId, 0];
}
