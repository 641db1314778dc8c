/**
 * A deterministic scripted `IDenoiserModel` whose outputs depend on exactly what a forward attends to: every
 * K row it emits encodes (position, token), and each output row is a hash of the (position, token) pairs it
 * can see (cached rows + window rows, causally for `causal` models). A windowed forward against a correct
 * cache therefore returns exactly what a full forward would, and the model can check the cache it is given.
 */
import type { ForwardRequest, ForwardResult, IDenoiserModel, KvView, ModelSpec } from '../../../src/core/modelPort';

export const scriptedMask = 15;
export const scriptedEos = 1;
const headDim = 2;

/** Options of a scripted model. */
export interface ScriptedModelOptions {
	readonly seed: number;
	readonly logitShift?: boolean;
	readonly causal?: boolean;
	/** Entropy range is [0, entropyScale) nats. */
	readonly entropyScale?: number;
	/** Fraction of rows predicting EOS (default 0.05). */
	readonly eosRate?: number;
	/** Fraction of rows whose argmax is the mask id (default 0.03). */
	readonly maskRate?: number;
	/** Overrides the entropy of the row predicting position q (by absolute position). */
	readonly entropyAt?: (predicted: number) => number | undefined;
}

/** One recorded forward call. */
export interface ScriptedCall {
	readonly positions: number[];
	readonly pastPositions: number[];
	readonly pastKeys: readonly Float32Array[];
}

export function scriptedSpec(options: Pick<ScriptedModelOptions, 'logitShift' | 'causal'> = {}): ModelSpec {
	return {
		numLayers: 2, numKvHeads: 1, headDim, vocabSize: 16, maxPositions: 512, topK: 3,
		logitShift: options.logitShift ?? false, causal: options.causal ?? false, maskId: scriptedMask, eosId: scriptedEos, padId: 0,
	};
}

function mix(a: number, b: number): number {
	let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x632be5ab, 0xc2b2ae35);
	h ^= h >>> 13;
	h = Math.imul(h, 0x27d4eb2f);
	return (h ^ (h >>> 16)) >>> 0;
}

/** The scripted model. `calls` records every forward; it throws if a cached row disagrees with its key. */
export class ScriptedModel implements IDenoiserModel {
	readonly spec: ModelSpec;
	readonly calls: ScriptedCall[] = [];

	constructor(private readonly _options: ScriptedModelOptions) {
		this.spec = scriptedSpec(_options);
	}

	async forward(request: ForwardRequest): Promise<ForwardResult> {
		const positions = Array.from(request.positionIds);
		const past = readPast(request.past);
		this.calls.push({ positions, pastPositions: past.map(([p]) => p), pastKeys: request.past.keys });
		const pastDigest = past.reduce((d, [p, t]) => (d + mix(p, t)) >>> 0, 0);
		let windowDigest = 0;
		const digests = positions.map((p, i) => (windowDigest = (windowDigest + mix(p, request.inputIds[i])) >>> 0));
		const totalWindow = windowDigest;
		return this._outputs(positions, Array.from(request.inputIds), (i) => (pastDigest + (this.spec.causal ? digests[i] : totalWindow)) >>> 0);
	}

	private _outputs(positions: number[], ids: number[], digestOf: (row: number) => number): ForwardResult {
		const n = positions.length;
		const rowSize = this.spec.numKvHeads * headDim;
		const out = { entropy: new Float32Array(n), token: new Int32Array(n), confidence: new Float32Array(n), topkIds: new Int32Array(n * 3), topkProbs: new Float32Array(n * 3) };
		const keys = Array.from({ length: this.spec.numLayers }, () => new Float32Array(n * rowSize));
		const values = Array.from({ length: this.spec.numLayers }, () => new Float32Array(n * rowSize));
		positions.forEach((p, i) => {
			const predicted = this.spec.logitShift ? p + 1 : p;
			this._row(out, i, mix(mix(this._options.seed, predicted), digestOf(i)), predicted);
			keys.forEach((k) => k.set([p, ids[i]], i * rowSize));
			values.forEach((v) => v.set([p, ids[i]], i * rowSize));
		});
		return { ...out, presentKeys: keys, presentValues: values };
	}

	private _row(out: Pick<ForwardResult, 'entropy' | 'token' | 'confidence' | 'topkIds' | 'topkProbs'>, i: number, hash: number, predicted: number): void {
		const unit = (salt: number): number => mix(hash, salt) / 2 ** 32;
		const entropy = this._options.entropyAt?.(predicted) ?? unit(1) * (this._options.entropyScale ?? 1.5);
		const eos = unit(2) < (this._options.eosRate ?? 0.05);
		const token = eos ? scriptedEos : 2 + Math.floor(unit(3) * 12);
		const maskFirst = unit(4) < (this._options.maskRate ?? 0.03);
		out.entropy[i] = entropy;
		out.confidence[i] = Math.exp(-entropy);
		out.token[i] = maskFirst ? scriptedMask : token;
		out.topkIds.set(maskFirst ? [scriptedMask, token, 0] : [token, scriptedMask, 0], i * 3);
		out.topkProbs.set([Math.exp(-entropy), 0.01, 0.001], i * 3);
	}
}

/** (position, token) of every cached row, checking that no position appears twice. */
function readPast(past: KvView): Array<[number, number]> {
	const rows: Array<[number, number]> = [];
	const seen = new Set<number>();
	for (let r = 0; r < past.length; r++) {
		const position = past.keys[0][r * headDim];
		if (seen.has(position) || past.values[1][r * headDim] !== position) {
			throw new Error(`cache row ${r} is inconsistent (position ${position})`);
		}
		seen.add(position);
		rows.push([position, past.keys[1][r * headDim + 1]]);
	}
	return rows;
}
