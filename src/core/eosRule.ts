/**
 * EOS early stop per region (reference §1.5 `handle_early_stop`): the first decoded EOS of a region fills
 * the rest of the region with EOS, creates the remaining blocks as done and stops block creation.
 * Recommended mode fills only the masks after the EOS (decoded tokens there are cut from the output anyway,
 * so every position is committed once); literal mode overwrites every non-EOS position after it.
 * A fully decoded stop token (option `stopTokenIds`, e.g. line breaks) ends its region the same way, except
 * that the stop token itself stays part of the output (`Canvas.regionStop`).
 */
import type { CommittedToken } from '../common/stepEvent';
import type { Canvas } from './canvas';
import type { RegionBlocks } from './blocks';
import { commitToken } from './commits';

/** What the EOS rule did to one region. */
export interface EosFill {
	/** True when the region holds a decoded EOS or a fully decoded stop token. */
	readonly hasEos: boolean;
	readonly filled: CommittedToken[];
}

/** Applies the EOS rule to one region (§1.5 steps 1–5); `eosAt` is the EOS or stop token ending it. */
export function applyEosFill(canvas: Canvas, blocks: RegionBlocks, literal: boolean): EosFill {
	const { start, end } = blocks.region;
	const eosAt = canvas.regionStop(start, end);
	if (eosAt < 0) {
		return { hasEos: false, filled: [] };
	}
	const filled = fillAfter(canvas, eosAt + 1, end, literal);
	while (!blocks.allCreated) {
		blocks.createNext(true);
	}
	for (const block of blocks.blocks) {
		block.fullyActive ||= block.start > eosAt;
	}
	blocks.recount();
	return { hasEos: true, filled };
}

function fillAfter(canvas: Canvas, from: number, end: number, literal: boolean): CommittedToken[] {
	const filled: CommittedToken[] = [];
	for (let p = from; p < end; p++) {
		const fill = literal ? canvas.tokens[p] !== canvas.eosId : canvas.isMask(p);
		if (fill) {
			filled.push(commitToken(canvas, p, canvas.eosId, { entropy: 0, filled: true }));
		}
	}
	return filled;
}
