/**
 * Optional length cap from the first forward (an extension of reference §1.5 for infilling with small models):
 * the first forward sees every mask of a region, and the first of them whose most likely token is EOS is the
 * model's own guess of where the middle ends. With `lengthSlack = s`, an EOS is committed `s` positions after
 * that guess, so the §1.5 rule ends the region there; the positions before it decode as usual. Without it a
 * small model that may only end a region at its leftmost mask (src/core/eosPolicy.ts) fills the whole budget,
 * usually by copying the suffix into the hole. Bidirectional models only (decode.ts skips causal ones).
 */
import type { CommittedToken } from '../common/stepEvent';
import type { Canvas } from './canvas';
import type { Predictions } from './predictions';
import { commitToken } from './commits';

/**
 * Commits, per region, an EOS `slack` positions after the first mask predicted as EOS (none when that is past the
 * end). Never at a region's first position: a cap keeps at least one position to decode, which token healing
 * needs (the first position re-emits the token taken back from the prefix; src/core/openingTokens.ts).
 */
export function capRegionLengths(canvas: Canvas, predictions: Predictions, slack: number): CommittedToken[] {
	const committed: CommittedToken[] = [];
	for (const region of canvas.regions) {
		const guess = firstPredictedEos(canvas, predictions, region.start, region.end);
		const end = Math.max(guess + slack, region.start + 1);
		if (guess >= 0 && end < region.end && canvas.isMask(end)) {
			committed.push(commitToken(canvas, end, canvas.eosId, { entropy: 0, filled: true }));
		}
	}
	return committed;
}

function firstPredictedEos(canvas: Canvas, predictions: Predictions, start: number, end: number): number {
	for (let p = start; p < end; p++) {
		if (canvas.isMask(p) && predictions.has(p) && predictions.token[p] === canvas.eosId) {
			return p;
		}
	}
	return -1;
}
