/**
 * The one step-event shape (architecture §5 "Step event"): emitted by every decoder in src/core after each
 * denoising step, streamed by the sidecar as `complete/step`, rendered by the CLI trace and the webview panel,
 * and asserted on by the tests. Plain data only, so it crosses process boundaries unchanged.
 */

/** What the model computed in this step: the whole canvas, only the active window, a whole-canvas refresh
 * of the cache, or nothing (an EOS fill that ends the decode without a forward, reference §1.5 step 6). */
export type ForwardKind = 'full' | 'window' | 'refresh' | 'none';

/** One position committed in a step. */
export interface CommittedToken {
	/** Absolute canvas position. */
	readonly position: number;
	/** Mask region index (0-based) the position belongs to. */
	readonly region: number;
	/** Offset of the position inside its region. */
	readonly offset: number;
	readonly tokenId: number;
	/** Decoded text piece; filled in by the sidecar (the core knows no tokenizer). */
	text?: string;
	/** Entropy (nats) of the prediction that was accepted. */
	readonly entropy: number;
	/** True when accepted by the forced-progress rule rather than by the threshold. */
	readonly forced: boolean;
	/** True for an end-of-middle token, including positions filled by the EOS rule. */
	readonly eos: boolean;
	/** True when the EOS rule (reference §1.5) wrote this position without a prediction (`entropy` is 0). */
	readonly filled?: boolean;
}

/** Block lifecycle (reference §1.3); `stabilizing`/`cached` only with the KV cache. */
export type BlockPhase = 'semiActive' | 'fullyActive' | 'stabilizing' | 'cached' | 'done';

/** A block of one region at the end of a step. */
export interface BlockState {
	readonly region: number;
	readonly index: number;
	/** Absolute canvas positions, half-open. */
	readonly start: number;
	readonly end: number;
	readonly masks: number;
	readonly phase: BlockPhase;
}

/** One denoising step. */
export interface StepEvent {
	/** 1-based step index (equals the NFE counter of reference §1.9). */
	readonly step: number;
	readonly forwardKind: ForwardKind;
	/** Number of positions fed to the model in this step's forward (0 for `none`). */
	readonly windowLength: number;
	/** Canvas ranges (half-open) that were fed to the model. */
	readonly windowRanges: ReadonlyArray<readonly [number, number]>;
	/** Number of cached positions the forward attended to. */
	readonly cacheLength: number;
	readonly committed: CommittedToken[];
	readonly blocks: readonly BlockState[];
	/** Forward passes so far, this one included. */
	readonly forwards: number;
	/** Masked positions still undecided after this step. */
	readonly masksLeft: number;
	/** Wall time of this step in ms, measured by the injected clock (0 when none). */
	readonly elapsedMs: number;
	/** Of `elapsedMs`, the time spent inside the model forward. */
	readonly forwardMs: number;
}
