/**
 * Writing accepted tokens onto the canvas and describing them as step-event `CommittedToken`s
 * (architecture §5 "Step event").
 */
import type { CommittedToken } from '../common/stepEvent';
import type { Canvas } from './canvas';

/** How a token was chosen. */
export interface CommitKind {
	readonly entropy: number;
	readonly forced?: boolean;
	readonly filled?: boolean;
}

/** Writes `tokenId` at `position` and returns its step-event record. */
export function commitToken(canvas: Canvas, position: number, tokenId: number, kind: CommitKind): CommittedToken {
	canvas.tokens[position] = tokenId;
	const region = canvas.regions[canvas.regionAt(position)];
	const committed: CommittedToken = {
		position,
		region: region.index,
		offset: position - region.start,
		tokenId,
		entropy: kind.entropy,
		forced: kind.forced ?? false,
		eos: tokenId === canvas.eosId,
	};
	return kind.filled ? { ...committed, filled: true } : committed;
}
