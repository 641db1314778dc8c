/**
 * Adapts an onnxruntime session to the core's `IDenoiserModel` (src/core/modelPort.ts, architecture §4):
 * the cache buffers are handed to onnxruntime as prefix views (no copy per step), int64 outputs become
 * Int32Array, and the timing of each run is recorded for the latency split.
 */
import * as ort from 'onnxruntime-node';
import type { ForwardRequest, ForwardResult, IDenoiserModel, ModelSpec } from '../core/modelPort';

/** Runs forwards of one model; `forwardMs` accumulates the time spent inside `session.run`. */
export class OrtDenoiser implements IDenoiserModel {
	forwardMs = 0;
	forwards = 0;

	constructor(
		private readonly _session: ort.InferenceSession,
		readonly spec: ModelSpec,
	) {}

	async forward(request: ForwardRequest): Promise<ForwardResult> {
		const feeds = this._feeds(request);
		const started = performance.now();
		const out = await this._session.run(feeds);
		this.forwardMs += performance.now() - started;
		this.forwards += 1;
		return this._result(out);
	}

	private _feeds(request: ForwardRequest): Record<string, ort.Tensor> {
		const n = request.inputIds.length;
		const feeds: Record<string, ort.Tensor> = {
			input_ids: new ort.Tensor('int64', toBigInt64(request.inputIds), [1, n]),
			position_ids: new ort.Tensor('int64', toBigInt64(request.positionIds), [1, n]),
		};
		const { numKvHeads, headDim, numLayers } = this.spec;
		const p = request.past.length;
		const size = p * numKvHeads * headDim;
		for (let i = 0; i < numLayers; i++) {
			feeds[`past_key_${i}`] = new ort.Tensor('float32', request.past.keys[i].subarray(0, size), [1, p, numKvHeads, headDim]);
			feeds[`past_value_${i}`] = new ort.Tensor('float32', request.past.values[i].subarray(0, size), [1, p, numKvHeads, headDim]);
		}
		return feeds;
	}

	private _result(out: ort.InferenceSession.ReturnType): ForwardResult {
		const layers = [...Array(this.spec.numLayers).keys()];
		return {
			entropy: out.entropy.data as Float32Array,
			token: toInt32(out.token.data as BigInt64Array),
			confidence: out.confidence.data as Float32Array,
			topkIds: toInt32(out.topk_ids.data as BigInt64Array),
			topkProbs: out.topk_probs.data as Float32Array,
			presentKeys: layers.map((i) => out[`present_key_${i}`].data as Float32Array),
			presentValues: layers.map((i) => out[`present_value_${i}`].data as Float32Array),
		};
	}
}

function toBigInt64(values: ArrayLike<number>): BigInt64Array {
	const out = new BigInt64Array(values.length);
	for (let i = 0; i < values.length; i++) {
		out[i] = BigInt(values[i]);
	}
	return out;
}

function toInt32(values: BigInt64Array): Int32Array {
	const out = new Int32Array(values.length);
	for (let i = 0; i < values.length; i++) {
		out[i] = Number(values[i]);
	}
	return out;
}
