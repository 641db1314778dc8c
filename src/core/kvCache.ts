/**
 * KV-cache store (architecture §4 and §5 "KV cache"): one preallocated sequence-major Float32Array per layer
 * for K and one for V (`[p, kvHeads, headDim]` rows, capacity = canvas length) that fills in place. Keys
 * carry their rotary position, so the cache is an unordered set of canvas positions; the store tracks which
 * position each row holds. The model sees it as a `KvView` prefix of the buffers: no copy per step.
 */
import type { ForwardResult, KvView, ModelSpec } from './modelPort';

/** Shape facts the cache needs from a model. */
export type KvShape = Pick<ModelSpec, 'numLayers' | 'numKvHeads' | 'headDim'>;

/** Cached K/V rows of canvas positions, in the order they joined. */
export class KvCache {
	readonly keys: readonly Float32Array[];
	readonly values: readonly Float32Array[];
	readonly rowSize: number;
	private _length = 0;
	private readonly _positionOfRow: Int32Array;
	private readonly _rowOfPosition: Int32Array;

	/** Allocates `capacity` rows per layer once; `capacity` is the canvas length (0 when caching is off). */
	constructor(shape: KvShape, readonly capacity: number) {
		this.rowSize = shape.numKvHeads * shape.headDim;
		this.keys = Array.from({ length: shape.numLayers }, () => new Float32Array(capacity * this.rowSize));
		this.values = Array.from({ length: shape.numLayers }, () => new Float32Array(capacity * this.rowSize));
		this._positionOfRow = new Int32Array(capacity);
		this._rowOfPosition = new Int32Array(capacity).fill(-1);
	}

	/** Rows in use. */
	get length(): number {
		return this._length;
	}

	has(position: number): boolean {
		return position < this.capacity && this._rowOfPosition[position] >= 0;
	}

	/** Canvas position held by row `row`. */
	positionAt(row: number): number {
		return this._positionOfRow[row];
	}

	/** Row holding `position`, or −1. */
	rowOf(position: number): number {
		return position < this.capacity ? this._rowOfPosition[position] : -1;
	}

	/** Cached positions in row order. */
	positions(): number[] {
		return Array.from(this._positionOfRow.subarray(0, this._length));
	}

	/** The model's view: the first `length` rows of the buffers. */
	view(): KvView {
		return { length: this._length, keys: this.keys, values: this.values };
	}

	/** Forgets every row (the buffers stay allocated). */
	clear(): void {
		for (const position of this._positionOfRow.subarray(0, this._length)) {
			this._rowOfPosition[position] = -1;
		}
		this._length = 0;
	}

	/**
	 * Drops the row of `position` (its token changed, e.g. by the EOS fill) by moving the last row into its
	 * slot: the cache is an unordered set, so this stays in place.
	 */
	remove(position: number): void {
		const row = this.rowOf(position);
		if (row < 0) {
			return;
		}
		const last = this._length - 1;
		const moved = this._positionOfRow[last];
		for (const layer of [...this.keys, ...this.values]) {
			layer.copyWithin(row * this.rowSize, last * this.rowSize, (last + 1) * this.rowSize);
		}
		this._positionOfRow[row] = moved;
		this._rowOfPosition[moved] = row;
		this._rowOfPosition[position] = -1;
		this._length = last;
	}

	/** Copies window row `windowRow` of a forward's present K/V into the cache as `position`. */
	append(position: number, result: ForwardResult, windowRow: number): void {
		if (this.has(position)) {
			throw new Error(`KV cache already holds position ${position}`);
		}
		if (this._length >= this.capacity) {
			throw new Error(`KV cache is full (${this.capacity} rows)`);
		}
		const from = windowRow * this.rowSize;
		const to = this._length * this.rowSize;
		this.keys.forEach((layer, l) => layer.set(result.presentKeys[l].subarray(from, from + this.rowSize), to));
		this.values.forEach((layer, l) => layer.set(result.presentValues[l].subarray(from, from + this.rowSize), to));
		this._positionOfRow[this._length] = position;
		this._rowOfPosition[position] = this._length;
		this._length++;
	}
}
