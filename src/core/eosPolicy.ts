/**
 * Optional EOS policy (an extension of reference §1.5 for small models): an end-of-middle proposal counts only
 * at the leftmost mask of its region. A small model is over-confident about the EOS padding it saw in
 * training, and under the §1.5 rule one premature EOS ends its region; with this policy a region ends only
 * when everything before its end is decoded. EOS is never counted as a generated token, so TPF is unchanged.
 */
import type { Canvas } from './canvas';
import type { Predictions } from './predictions';

/** Removes (as "not predicted") every EOS proposal that is not at its region's leftmost mask. */
export function restrictEosToLeftmost(canvas: Canvas, predictions: Predictions): void {
	for (const region of canvas.regions) {
		let seenMask = false;
		for (let p = region.start; p < region.end; p++) {
			if (!canvas.isMask(p)) {
				continue;
			}
			if (seenMask && predictions.token[p] === canvas.eosId) {
				predictions.entropy[p] = Number.NaN;
			}
			seenMask = true;
		}
	}
}
