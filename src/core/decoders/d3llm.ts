/**
 * The d3LLM entropy-based multi-block decoder (reference §1.3–§1.6, applied per mask region) with its
 * delayed dual KV cache (§1.7 adapted by architecture §5). Recommended fixes Q1, Q2, K1, K2, K3 are on;
 * `literal: true` restores Q1 (stale candidate snapshot), Q2 (tracked mask counts), K1 (no left window
 * extension) and Dream's cache scan (K3). K2 cannot occur: the cache is a set of rows, one per position.
 */
import type { CommittedToken } from '../../common/stepEvent';
import type { RegionBlocks } from '../blocks';
import type { CacheDecision } from '../forwardRunner';
import type { Predictions } from '../predictions';
import { commitToken } from '../commits';
import { type DecodeContext, type StepDecoder, feedsNextMask, fillAfterEos, noCacheDecision, scheduledKind, unfinishedRegions } from './stepDecoder';

/** d3LLM multi-block decoding, one forward per step for all regions. */
export class D3llmDecoder implements StepDecoder {
	/** Literal mode: masks as they were before this step's EOS fill (quirk Q1). */
	private _staleMasks: Uint8Array | null = null;
	private _stepRegions: RegionBlocks[] = [];

	constructor(private readonly _context: DecodeContext) {}

	/** §1.6 per iteration: EOS fill → activation → creation (≤ 1 block per region). */
	prepare(_step: number): CommittedToken[] {
		const { canvas, options } = this._context;
		this._staleMasks = options.literal ? Uint8Array.from(canvas.tokens, (_, p) => (canvas.isMask(p) ? 1 : 0)) : null;
		this._stepRegions = unfinishedRegions(this._context);
		const filled: CommittedToken[] = [];
		for (const blocks of this._stepRegions) {
			const hasEos = fillAfterEos(this._context, blocks, filled);
			if (!options.literal) {
				blocks.recount();
			}
			blocks.activate(options.fullActivationThreshold);
			if (!hasEos) {
				blocks.maybeCreate(options.blockAddThreshold, options.fullActivationThreshold);
			}
		}
		return filled;
	}

	/** §1.7 scan: finished blocks join the cache `cacheDelay` steps after they were first seen finished. */
	decideCache(step: number, forwards: number): CacheDecision {
		const { options, regions, cacheOn } = this._context;
		if (!cacheOn) {
			return noCacheDecision;
		}
		for (const blocks of regions) {
			blocks.markCompleted(step);
			joinFinishedBlocks(blocks, step, options.cacheDelay, options.literal);
		}
		return { kind: scheduledKind(step, forwards, options.refreshInterval), desired: (p) => this._settled(p) && !feedsNextMask(this._context, p) };
	}

	/** §1.4: accept H < τ anywhere before `activeEnd`, plus forced progress in the earliest active block. */
	select(_step: number, predictions: Predictions): CommittedToken[] {
		return this._stepRegions.flatMap((blocks) => this._selectInRegion(blocks, predictions));
	}

	private _selectInRegion(blocks: RegionBlocks, predictions: Predictions): CommittedToken[] {
		const candidates = this._candidates(blocks, predictions);
		const accepted = candidates.filter((p) => predictions.entropy[p] < this._context.options.threshold);
		const forced = forcedPick(blocks, candidates, accepted, predictions);
		const chosen = forced < 0 ? accepted : [...accepted, forced].sort((a, b) => a - b);
		const commits = chosen.map((p) => commitToken(this._context.canvas, p, predictions.token[p], { entropy: predictions.entropy[p], forced: p === forced }));
		this._updateMasks(blocks, chosen);
		return commits;
	}

	/** Masks before `activeEnd` (literal: the pre-fill snapshot) that have a prediction. */
	private _candidates(blocks: RegionBlocks, predictions: Predictions): number[] {
		const { canvas } = this._context;
		const candidates: number[] = [];
		for (let p = blocks.region.start; p < blocks.activeEnd(); p++) {
			const masked = this._staleMasks ? this._staleMasks[p] === 1 : canvas.isMask(p);
			if (masked && predictions.has(p)) {
				candidates.push(p);
			}
		}
		return candidates;
	}

	/** Recommended: recount (Q2). Literal: subtract accepted counts from blocks that still had masks. */
	private _updateMasks(blocks: RegionBlocks, chosen: readonly number[]): void {
		if (!this._context.options.literal) {
			blocks.recount();
			return;
		}
		for (const block of blocks.blocks) {
			if (block.masks > 0) {
				block.masks -= chosen.filter((p) => p >= block.start && p < block.end).length;
			}
		}
	}

	/** Known text, and positions of blocks that joined the cache. */
	private _settled(position: number): boolean {
		const region = this._context.canvas.regionAt(position);
		if (region < 0) {
			return true;
		}
		const joinedAt = this._context.regions[region].blockAt(position)?.joinedAt;
		return joinedAt !== null && joinedAt !== undefined;
	}
}

/** Forced progress (§1.4 step 2): the lowest-entropy candidate of the first fully-active unfinished block. */
function forcedPick(blocks: RegionBlocks, candidates: readonly number[], accepted: readonly number[], predictions: Predictions): number {
	const block = blocks.forcedProgressBlock();
	if (!block) {
		return -1;
	}
	const inBlock = (p: number): boolean => p >= block.start && p < block.end;
	if (accepted.some(inBlock)) {
		return -1;
	}
	return candidates.filter(inBlock).reduce((best, p) => (best < 0 || predictions.entropy[p] < predictions.entropy[best] ? p : best), -1);
}

/** Marks blocks whose delay has passed as joining the cache this step. K3 (LLaDA rule): stop at a waiting block. */
function joinFinishedBlocks(blocks: RegionBlocks, step: number, cacheDelay: number, literal: boolean): void {
	for (const block of blocks.blocks) {
		if (block.joinedAt !== null) {
			continue;
		}
		if (block.completedAt === null) {
			return;
		}
		if (step - block.completedAt >= cacheDelay) {
			block.joinedAt = step;
		} else if (!literal) {
			return;
		}
	}
}
