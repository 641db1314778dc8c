/**
 * Fast-dLLM v1 with dual cache (reference §2, `generate_with_dual_cache`): one block at a time per region;
 * at each block start a whole-canvas forward caches every position outside the current blocks (future
 * masks included), later steps forward only the current blocks. Accepts every masked token of the current
 * block with confidence ≥ `confidenceThreshold` plus always the most confident one.
 */
import type { CommittedToken } from '../../common/stepEvent';
import type { Block } from '../blocks';
import type { CacheDecision } from '../forwardRunner';
import type { Predictions } from '../predictions';
import { commitToken } from '../commits';
import { noCacheDecision, type StepDecoder } from './stepDecoder';
import { SemiAutoregressiveDecoder, byConfidence } from './semiAutoregressive';

/** Confidence-threshold parallel decoding inside the current block of each region. */
export class FastDllmDecoder extends SemiAutoregressiveDecoder implements StepDecoder {
	/** Current block starts at the last full/refresh forward. */
	private _cachedFor: number[] = [];

	/** Refresh whenever a region moved to a new block; otherwise forward the current blocks only. */
	decideCache(_step: number, forwards: number): CacheDecision {
		if (!this._context.cacheOn) {
			return noCacheDecision;
		}
		const current = this._currentBlocks();
		const moved = current.some((block, i) => block !== undefined && block.start !== this._cachedFor[i]);
		const kind = forwards === 0 ? 'full' : moved ? 'refresh' : 'window';
		if (kind !== 'window') {
			this._cachedFor = current.map((block) => block?.start ?? -1);
		}
		return { kind, desired: (p) => !this._inWindow(current, p) };
	}

	select(_step: number, predictions: Predictions): CommittedToken[] {
		return this._stepRegions.flatMap((blocks) => {
			const ranked = byConfidence(this._currentMasks(blocks, predictions), predictions);
			const accepted = ranked.filter((p) => predictions.confidence[p] >= this._context.options.confidenceThreshold);
			const forced = accepted.length === 0 && ranked.length > 0 ? ranked[0] : -1;
			const chosen = (forced < 0 ? accepted : [forced]).sort((a, b) => a - b);
			return chosen.map((p) => commitToken(this._context.canvas, p, predictions.token[p], { entropy: predictions.entropy[p], forced: p === forced }));
		});
	}

	/** Current blocks, plus for `logitShift` models the position left of each (its row predicts the first mask). */
	private _inWindow(current: ReadonlyArray<Block | undefined>, position: number): boolean {
		const shifted = this._context.spec.logitShift && !this._context.options.literal;
		return inCurrentBlock(this._context.canvas.regionAt(position), position, current) || (shifted && position + 1 < this._context.canvas.length && inCurrentBlock(this._context.canvas.regionAt(position + 1), position + 1, current));
	}
}

function inCurrentBlock(region: number, position: number, current: ReadonlyArray<Block | undefined>): boolean {
	const block = region < 0 ? undefined : current[region];
	return block !== undefined && position >= block.start && position < block.end;
}
