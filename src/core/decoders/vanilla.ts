/**
 * Vanilla LLaDA low-confidence remasking (reference §2 "Vanilla LLaDA", `generate.py`): semi-AR blocks,
 * a fixed number of tokens per step and region (`tokensPerStep`, default 1) chosen by the probability of
 * their argmax, a full forward every step and no cache.
 */
import type { CommittedToken } from '../../common/stepEvent';
import type { CacheDecision } from '../forwardRunner';
import type { Predictions } from '../predictions';
import { commitToken } from '../commits';
import { noCacheDecision, type StepDecoder } from './stepDecoder';
import { SemiAutoregressiveDecoder, byConfidence } from './semiAutoregressive';

/** Top-n most confident masks of each region's current block per step. */
export class VanillaDecoder extends SemiAutoregressiveDecoder implements StepDecoder {
	decideCache(): CacheDecision {
		return noCacheDecision;
	}

	select(_step: number, predictions: Predictions): CommittedToken[] {
		return this._stepRegions.flatMap((blocks) => {
			const chosen = byConfidence(this._currentMasks(blocks, predictions), predictions).slice(0, this._context.options.tokensPerStep);
			return chosen.sort((a, b) => a - b).map((p) => commitToken(this._context.canvas, p, predictions.token[p], { entropy: predictions.entropy[p] }));
		});
	}
}
