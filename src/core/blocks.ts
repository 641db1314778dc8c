/**
 * Per-region block records and the block state machine of reference §1.3: creation at β_add (at most one
 * new block per region per step), full activation at β_full, progress = 1 − masks / total. Each region
 * has `ceil(G / B)` blocks, the last one possibly partial (the KV variant's layout, §1.1 item 5).
 */
import type { Canvas, Region } from './canvas';

/** One block of one region. `masks` is recounted from the canvas unless literal bookkeeping is on. */
export interface Block {
	readonly region: number;
	readonly index: number;
	/** Absolute canvas positions, half-open. */
	readonly start: number;
	readonly end: number;
	masks: number;
	/** The reference's `is_complete`: forced progress may pick from this block. */
	fullyActive: boolean;
	/** First step whose pre-forward scan saw the block without masks (reference `completedAt`). */
	completedAt: number | null;
	/** Step whose forward supplied the K/V with which the block joined the cache. */
	joinedAt: number | null;
}

/** The blocks of one region, created lazily in order. */
export class RegionBlocks {
	readonly blocks: Block[] = [];
	readonly blockCount: number;

	constructor(readonly region: Region, readonly blockSize: number, private readonly _canvas: Canvas) {
		this.blockCount = Math.ceil((region.end - region.start) / blockSize);
	}

	get allCreated(): boolean {
		return this.blocks.length >= this.blockCount;
	}

	get newest(): Block | undefined {
		return this.blocks[this.blocks.length - 1];
	}

	/** Creates the next block; its `masks` is the number of masks actually in its span. */
	createNext(fullyActive: boolean): Block {
		const index = this.blocks.length;
		const start = this.region.start + index * this.blockSize;
		const end = Math.min(start + this.blockSize, this.region.end);
		const block: Block = { region: this.region.index, index, start, end, masks: this._canvas.countMasks(start, end), fullyActive, completedAt: null, joinedAt: null };
		this.blocks.push(block);
		return block;
	}

	/** Progress of block `index − 1`; the known text before the first block counts as complete. */
	predecessorProgress(index: number): number {
		return index === 0 ? 1 : progress(this.blocks[index - 1]);
	}

	/** Rule 1 of §1.3: a block becomes fully active when its predecessor's progress reaches β_full. */
	activate(fullActivationThreshold: number): void {
		for (const block of this.blocks) {
			if (!block.fullyActive && this.predecessorProgress(block.index) >= fullActivationThreshold) {
				block.fullyActive = true;
			}
		}
	}

	/** Rule 2 of §1.3: at most one new block, when the newest has progress ≥ β_add or no masks. */
	maybeCreate(blockAddThreshold: number, fullActivationThreshold: number): void {
		const newest = this.newest;
		if (this.allCreated || !newest) {
			return;
		}
		if (progress(newest) >= blockAddThreshold || newest.masks === 0) {
			this.createNext(progress(newest) >= fullActivationThreshold);
		}
	}

	/** Sets every block's `masks` from the canvas (recommended fix Q2). */
	recount(): void {
		for (const block of this.blocks) {
			block.masks = this._canvas.countMasks(block.start, block.end);
		}
	}

	/** Rule 3 of §1.3: end of the last block that is fully active or still has masks (region start if none). */
	activeEnd(): number {
		for (let k = this.blocks.length - 1; k >= 0; k--) {
			if (this.blocks[k].fullyActive || this.blocks[k].masks > 0) {
				return this.blocks[k].end;
			}
		}
		return this.region.start;
	}

	/** The first block that is fully active and still has masks: where forced progress picks (§1.4). */
	forcedProgressBlock(): Block | undefined {
		return this.blocks.find((block) => block.fullyActive && block.masks > 0);
	}

	/** The earliest block that still has masks on the canvas. */
	firstUnfinished(): Block | undefined {
		return this.blocks.find((block) => this._canvas.countMasks(block.start, block.end) > 0);
	}

	/** Block holding a position of this region. */
	blockAt(position: number): Block | undefined {
		return this.blocks[Math.floor((position - this.region.start) / this.blockSize)];
	}

	/** Marks `completedAt` on blocks the canvas shows without masks (reference §1.7 scan). */
	markCompleted(step: number): void {
		for (const block of this.blocks) {
			if (block.completedAt === null && this._canvas.countMasks(block.start, block.end) === 0) {
				block.completedAt = step;
			}
		}
	}

	hasMasks(): boolean {
		return this._canvas.countMasks(this.region.start, this.region.end) > 0;
	}
}

/** `1 − masks / total` of a block (reference §1.3). */
export function progress(block: Block): number {
	return 1 - block.masks / (block.end - block.start);
}

/** One `RegionBlocks` per region, each with its first block created fully active (§1.6 initialisation). */
export function createRegionBlocks(canvas: Canvas, blockSize: number, fullActivationThreshold: number): RegionBlocks[] {
	return canvas.regions.map((region) => {
		const blocks = new RegionBlocks(region, blockSize, canvas);
		blocks.createNext(1 >= fullActivationThreshold);
		return blocks;
	});
}
