/**
 * The decoding canvas (architecture §5 "Canvas"): k + 1 known-text segments around k ≥ 1 mask regions,
 * `text₀ ‖ MASK×G₁ ‖ text₁ ‖ … ‖ MASK×G_k ‖ text_k`, at absolute positions (reference §1.1 item 1,
 * generalised from "prompt ‖ masks" to infilling).
 */

/** A mask region of the canvas: positions `[start, end)`, with `end − start` = its token budget. */
export interface Region {
	readonly index: number;
	readonly start: number;
	readonly end: number;
}

/** What the caller gives: `segments.length === budgets.length + 1` token-id arrays and one budget per region. */
export interface CanvasInput {
	readonly segments: readonly (readonly number[])[];
	readonly budgets: readonly number[];
}

/** Mutable canvas of token ids; positions of the mask regions start as `maskId`, known text never changes. */
export class Canvas {
	readonly tokens: Int32Array;
	readonly regions: readonly Region[];
	private readonly _regionOf: Int32Array;
	private readonly _stopIds: ReadonlySet<number>;

	private constructor(tokens: Int32Array, regions: Region[], readonly maskId: number, readonly eosId: number, stopIds: readonly number[]) {
		this.tokens = tokens;
		this.regions = regions;
		this._regionOf = regionIndexByPosition(tokens.length, regions);
		this._stopIds = new Set(stopIds);
	}

	/** Lays the segments and `MASK × budget` regions out on a fresh canvas; `stopIds` end a region (see `regionStop`). */
	static create(input: CanvasInput, maskId: number, eosId: number, stopIds: readonly number[] = []): Canvas {
		const length = canvasLength(input);
		const tokens = new Int32Array(length);
		const regions: Region[] = [];
		let at = 0;
		input.segments.forEach((segment, index) => {
			tokens.set(segment, at);
			at += segment.length;
			if (index < input.budgets.length) {
				regions.push({ index, start: at, end: at + input.budgets[index] });
				tokens.fill(maskId, at, at + input.budgets[index]);
				at += input.budgets[index];
			}
		});
		return new Canvas(tokens, regions, maskId, eosId, stopIds);
	}

	get length(): number {
		return this.tokens.length;
	}

	/** Region index of a position, or −1 for known text. */
	regionAt(position: number): number {
		return this._regionOf[position];
	}

	isKnown(position: number): boolean {
		return this._regionOf[position] < 0;
	}

	isMask(position: number): boolean {
		return this.tokens[position] === this.maskId && this._regionOf[position] >= 0;
	}

	/** Number of masks in `[start, end)`. */
	countMasks(start = 0, end = this.length): number {
		let masks = 0;
		for (let p = start; p < end; p++) {
			masks += this.isMask(p) ? 1 : 0;
		}
		return masks;
	}

	/** Position of the first mask in `[start, end)`, or −1. */
	firstMask(start = 0, end = this.length): number {
		for (let p = start; p < end; p++) {
			if (this.isMask(p)) {
				return p;
			}
		}
		return -1;
	}

	/** Position of the first EOS in `[start, end)`, or −1. */
	firstEos(start: number, end: number): number {
		const offset = this.tokens.subarray(start, end).indexOf(this.eosId);
		return offset < 0 ? -1 : start + offset;
	}

	/** Position of the first stop token in `[start, end)` with no mask before it from `start` on, or −1. */
	firstDecodedStop(start: number, end: number): number {
		if (this._stopIds.size === 0) {
			return -1;
		}
		for (let p = start; p < end && !this.isMask(p); p++) {
			if (this._stopIds.has(this.tokens[p])) {
				return p;
			}
		}
		return -1;
	}

	/**
	 * Where a region ends early: its first EOS or its first fully decoded stop token, whichever comes first
	 * (−1 for neither). Positions after it are EOS padding and not part of the output.
	 */
	regionStop(start: number, end: number): number {
		const eos = this.firstEos(start, end);
		const stop = this.firstDecodedStop(start, eos < 0 ? end : eos);
		return stop >= 0 ? stop : eos;
	}
}

/** Total canvas length for an input: all segment tokens plus all budgets. */
export function canvasLength(input: CanvasInput): number {
	const text = input.segments.reduce((sum, segment) => sum + segment.length, 0);
	return text + input.budgets.reduce((sum, budget) => sum + budget, 0);
}

function regionIndexByPosition(length: number, regions: readonly Region[]): Int32Array {
	const regionOf = new Int32Array(length).fill(-1);
	for (const region of regions) {
		regionOf.fill(region.index, region.start, region.end);
	}
	return regionOf;
}
