/**
 * The decoding core's view of a model (architecture §4 "Model contract"): one forward of a window of
 * canvas positions against a cache of K/V rows. The sidecar adapts onnxruntime to this interface; the tests
 * adapt scripted oracles. Reductions (entropy, argmax, confidence, top-k) come from the model, so full
 * logits never reach the core.
 */

/** Static facts the decoder needs about a model (a subset of models/<id>/model.json). */
export interface ModelSpec {
	readonly numLayers: number;
	readonly numKvHeads: number;
	readonly headDim: number;
	readonly vocabSize: number;
	readonly maxPositions: number;
	/** K of the `topk_ids`/`topk_probs` outputs. */
	readonly topK: number;
	/** True for Dream-derived models: output row i−1 predicts position i (reference §1.1 item 3). */
	readonly logitShift: boolean;
	/** True only for an autoregressive twin: window positions attend causally among themselves. */
	readonly causal: boolean;
	readonly maskId: number;
	/** End-of-middle / EOS token id. */
	readonly eosId: number;
	readonly padId: number;
}

/**
 * K/V rows the forward attends to. Row r of layer l lives at
 * `keys[l][r * rowSize .. (r + 1) * rowSize)` with `rowSize = numKvHeads * headDim` (sequence-major,
 * `[1, p, kvHeads, headDim]`). Keys carry their rotary position, so rows may be in any order. The arrays
 * may be longer than `length * rowSize` (a preallocated buffer): only the first `length` rows count.
 */
export interface KvView {
	readonly length: number;
	readonly keys: readonly Float32Array[];
	readonly values: readonly Float32Array[];
}

/** One forward request: `n` window tokens at explicit absolute positions. */
export interface ForwardRequest {
	readonly inputIds: ArrayLike<number>;
	readonly positionIds: ArrayLike<number>;
	readonly past: KvView;
}

/** Per-row reductions of the logits plus the K/V of the window rows (row i = window position i). */
export interface ForwardResult {
	readonly entropy: Float32Array;
	readonly token: Int32Array;
	readonly confidence: Float32Array;
	/** `n * topK` ids and probabilities, row-major. */
	readonly topkIds: Int32Array;
	readonly topkProbs: Float32Array;
	/** Per layer, `n * rowSize` values, sequence-major like `KvView`. */
	readonly presentKeys: readonly Float32Array[];
	readonly presentValues: readonly Float32Array[];
}

/** A model the decoders can run. `forward` may be async (onnxruntime) or resolve at once (test oracles). */
export interface IDenoiserModel {
	readonly spec: ModelSpec;
	forward(request: ForwardRequest): Promise<ForwardResult>;
}

/** A monotonic clock in milliseconds, injected so the core stays deterministic (no timers in src/core). */
export type Clock = () => number;
