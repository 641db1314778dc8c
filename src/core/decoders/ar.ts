/**
 * Autoregressive baseline (reference §2 context, architecture §5 "ar"): one token per forward — the leftmost
 * mask of the first unfinished region — with known text and committed tokens joining the cache. With a
 * `causal` model the window stops at the row that predicts the target, which is ordinary autoregressive
 * decoding with a KV cache; with `logitShift` the target is predicted by the row of the position before it.
 */
import type { CommittedToken } from '../../common/stepEvent';
import type { CacheDecision } from '../forwardRunner';
import type { Predictions } from '../predictions';
import { commitToken } from '../commits';
import { feedsNextMask, noCacheDecision, scheduledKind, type StepDecoder } from './stepDecoder';
import { SemiAutoregressiveDecoder } from './semiAutoregressive';

/** Left-to-right decoding, one token per step. */
export class ArDecoder extends SemiAutoregressiveDecoder implements StepDecoder {
	decideCache(step: number, forwards: number): CacheDecision {
		const { canvas, spec, options, cacheOn } = this._context;
		const limit = spec.causal ? this._predictingRow() + 1 : undefined;
		if (!cacheOn) {
			return { ...noCacheDecision, limit };
		}
		const desired = spec.causal ? (p: number) => !canvas.isMask(p) : (p: number) => !canvas.isMask(p) && !feedsNextMask(this._context, p);
		return { kind: scheduledKind(step, forwards, options.refreshInterval), desired, limit };
	}

	select(_step: number, predictions: Predictions): CommittedToken[] {
		const target = this._target();
		if (!predictions.has(target)) {
			throw new Error(`ar: no prediction for position ${target}`);
		}
		return [commitToken(this._context.canvas, target, predictions.token[target], { entropy: predictions.entropy[target] })];
	}

	/** Leftmost mask of the first unfinished region. */
	private _target(): number {
		const { canvas } = this._context;
		const region = canvas.regions.find((r) => canvas.firstMask(r.start, r.end) >= 0);
		return region ? canvas.firstMask(region.start, region.end) : -1;
	}

	/** The window row whose output predicts the target. */
	private _predictingRow(): number {
		const target = this._target();
		return this._context.spec.logitShift ? Math.max(target - 1, 0) : target;
	}
}
