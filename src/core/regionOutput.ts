/**
 * What a decode hands back per region (reference §1.6 post-processing): the region's tokens up to its first
 * EOS, or up to its first remaining mask when the decode was cancelled; with stop tokens, up to and including
 * the first fully decoded one.
 */
import type { Canvas } from './canvas';

/** Generated ids of one region and whether the model ended it with EOS before the budget. */
export interface RegionOutput {
	readonly tokens: number[];
	readonly endedByEos: boolean;
}

/** The output of every region of a (possibly partly decoded) canvas. */
export function regionOutputs(canvas: Canvas): RegionOutput[] {
	return canvas.regions.map((region) => {
		const stop = canvas.regionStop(region.start, region.end);
		if (stop >= 0 && canvas.tokens[stop] !== canvas.eosId) {
			return { tokens: Array.from(canvas.tokens.subarray(region.start, stop + 1)), endedByEos: false };
		}
		const tokens: number[] = [];
		for (let p = region.start; p < region.end; p++) {
			if (canvas.isMask(p) || canvas.tokens[p] === canvas.eosId) {
				return { tokens, endedByEos: canvas.tokens[p] === canvas.eosId };
			}
			tokens.push(canvas.tokens[p]);
		}
		return { tokens, endedByEos: false };
	});
}
