/**
 * The semi-autoregressive block walk shared by the baselines of reference §2 (`vanilla`, `fastdllm`, `ar`):
 * each region decodes only its current block — its earliest unfinished one — and creates the next block
 * once the current one is full. EOS early stop (§1.5) applies per region as for d3llm.
 */
import type { CommittedToken } from '../../common/stepEvent';
import type { Block, RegionBlocks } from '../blocks';
import type { Predictions } from '../predictions';
import { type DecodeContext, advanceToNextBlock, fillAfterEos, predictedMasks, unfinishedRegions } from './stepDecoder';

/** Base of the block-at-a-time baselines: `prepare` and the current-block lookup. */
export abstract class SemiAutoregressiveDecoder {
	protected _stepRegions: RegionBlocks[] = [];

	constructor(protected readonly _context: DecodeContext) {}

	/** EOS fill, then the next block of every region whose current block is full. */
	prepare(_step: number): CommittedToken[] {
		this._stepRegions = unfinishedRegions(this._context);
		const filled: CommittedToken[] = [];
		for (const blocks of this._stepRegions) {
			fillAfterEos(this._context, blocks, filled);
			advanceToNextBlock(blocks);
		}
		return filled;
	}

	/** The masks of a region's current block that have a prediction. */
	protected _currentMasks(blocks: RegionBlocks, predictions: Predictions): number[] {
		const block = blocks.firstUnfinished();
		return block ? predictedMasks(this._context.canvas, predictions, block.start, block.end) : [];
	}

	/** Current block of every region (undefined for finished regions). */
	protected _currentBlocks(): Array<Block | undefined> {
		return this._context.regions.map((blocks) => blocks.firstUnfinished());
	}
}

/** Positions sorted by descending confidence, ties to the lower position. */
export function byConfidence(positions: readonly number[], predictions: Predictions): number[] {
	return [...positions].sort((a, b) => predictions.confidence[b] - predictions.confidence[a] || a - b);
}
