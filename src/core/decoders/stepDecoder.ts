/**
 * The contract every decoder implements (architecture §5 "Decoders"), and what they share: the decode
 * context, EOS handling per region and block states for step events. The loop in `decode.ts` calls, per
 * step: `prepare` (EOS fill, block activation/creation) → `decideCache` → model forward → `select`.
 */
import type { BlockPhase, BlockState, CommittedToken } from '../../common/stepEvent';
import type { ModelSpec } from '../modelPort';
import type { Canvas } from '../canvas';
import type { RegionBlocks } from '../blocks';
import type { KvCache } from '../kvCache';
import type { CacheDecision } from '../forwardRunner';
import type { Predictions } from '../predictions';
import type { ResolvedDecodeOptions } from '../options';
import { applyEosFill } from '../eosRule';

/** Everything a decoder reads and writes during one decode. */
export interface DecodeContext {
	readonly canvas: Canvas;
	readonly spec: ModelSpec;
	readonly options: ResolvedDecodeOptions;
	readonly regions: readonly RegionBlocks[];
	readonly cache: KvCache;
	readonly cacheOn: boolean;
}

/** One decoding policy (d3llm, fastdllm, vanilla, ar). */
export interface StepDecoder {
	/** Before the forward: EOS fill and block bookkeeping. Returns the positions the EOS rule filled. */
	prepare(step: number): CommittedToken[];
	/** What this step forwards and which positions join the cache. `forwards` = forwards run so far. */
	decideCache(step: number, forwards: number): CacheDecision;
	/** After the forward: choose tokens, write them on the canvas and return them. */
	select(step: number, predictions: Predictions): CommittedToken[];
}

/** A region takes part in a step while it has masks. */
export function unfinishedRegions(context: DecodeContext): RegionBlocks[] {
	return context.regions.filter((blocks) => blocks.hasMasks());
}

/** Applies the EOS rule (when early stop is on) to a region; returns whether it holds an EOS. */
export function fillAfterEos(context: DecodeContext, blocks: RegionBlocks, filled: CommittedToken[]): boolean {
	if (!context.options.earlyStop) {
		return false;
	}
	const fill = applyEosFill(context.canvas, blocks, context.options.literal);
	filled.push(...fill.filled);
	return fill.hasEos;
}

/** Semi-autoregressive block advance of the baselines: the next block exists once the newest is full. */
export function advanceToNextBlock(blocks: RegionBlocks): void {
	blocks.recount();
	if (!blocks.allCreated && blocks.newest?.masks === 0) {
		blocks.createNext(true);
	}
}

/** Step-event block states of every created block (masks recounted from the canvas). */
export function blockStates(context: DecodeContext): BlockState[] {
	return context.regions.flatMap((blocks) =>
		blocks.blocks.map((block) => {
			const masks = context.canvas.countMasks(block.start, block.end);
			const phase = blockPhase(context, masks, block.fullyActive, [block.start, block.end]);
			return { region: block.region, index: block.index, start: block.start, end: block.end, masks, phase };
		}),
	);
}

function blockPhase(context: DecodeContext, masks: number, fullyActive: boolean, [start, end]: readonly [number, number]): BlockPhase {
	if (masks > 0) {
		return fullyActive ? 'fullyActive' : 'semiActive';
	}
	if (!context.cacheOn) {
		return 'done';
	}
	for (let p = start; p < end; p++) {
		if (!context.cache.has(p)) {
			return 'stabilizing';
		}
	}
	return 'cached';
}

/** Whether a position must stay in the window so its row can predict the mask right after it (K1 fix). */
export function feedsNextMask(context: DecodeContext, position: number): boolean {
	const { canvas, spec, options } = context;
	return spec.logitShift && !options.literal && position + 1 < canvas.length && canvas.isMask(position + 1);
}

/** The masks of `[start, end)` that have a prediction. */
export function predictedMasks(canvas: Canvas, predictions: Predictions, start: number, end: number): number[] {
	const masks: number[] = [];
	for (let p = start; p < end; p++) {
		if (canvas.isMask(p) && predictions.has(p)) {
			masks.push(p);
		}
	}
	return masks;
}

/** Forward kind by schedule: the first forward is full, every R-th step refreshes, the rest are windowed. */
export function scheduledKind(step: number, forwards: number, refreshInterval: number): CacheDecision['kind'] {
	if (forwards === 0) {
		return 'full';
	}
	return refreshInterval > 0 && step % refreshInterval === 0 ? 'refresh' : 'window';
}

/** Full forward every step, nothing cached. */
export const noCacheDecision: CacheDecision = Object.freeze({ kind: 'full', desired: () => false });
