/**
 * The decoding knobs shared by the protocol (requests, model defaults) and the core (decoder options):
 * reference §1.2 (d3LLM parameters) and §2 (baselines).
 */

/** Decoders every model can run (reference §1, §2). */
export type DecoderName = 'd3llm' | 'fastdllm' | 'vanilla' | 'ar';

/** All decoder names, in the order reports list them. */
export const decoderNames: readonly DecoderName[] = ['d3llm', 'fastdllm', 'vanilla', 'ar'];

/** The knobs a request or a model.json may set. */
export interface DecodingParams {
	readonly decoder: DecoderName;
	/** Entropy threshold τ in nats (d3llm accepts H < τ). */
	readonly threshold: number;
	readonly blockSize: number;
	/** Progress of the newest block that creates the next one (β_add). */
	readonly blockAddThreshold: number;
	/** Progress of the previous block that fully activates a block (β_full). */
	readonly fullActivationThreshold: number;
	/** Steps a finished block waits before joining the KV cache (D); ≥ 10000 means no cache. */
	readonly cacheDelay: number;
	/** Whole-canvas refresh every R steps; 0 = never. */
	readonly refreshInterval: number;
	/** Count an end-of-middle proposal only at the leftmost mask of its region (default false: reference §1.5). */
	readonly eosAtLeftmostOnly?: boolean;
	/** End each region this many positions after the first forward's first EOS guess (src/core/lengthCap.ts); −1 or absent = off. */
	readonly lengthSlack?: number;
	/** End each region at its first fully decoded line break (default false); the sidecar maps it to stop token ids. */
	readonly stopAtNewline?: boolean;
	/** Re-choose the token the cursor cuts, or open a hole after spaces with them (default true): src/sidecar/tokenHealing.ts. */
	readonly tokenHealing?: boolean;
}
