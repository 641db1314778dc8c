/**
 * One model forward per step (architecture §5 "KV cache"): builds the request for a planned window against
 * the cache, times it with the injected clock, copies the rows that join the cache into the store and aligns
 * the outputs to canvas positions.
 */
import type { Clock, ForwardResult, IDenoiserModel } from './modelPort';
import type { Canvas } from './canvas';
import type { KvCache } from './kvCache';
import { alignPredictions, type Predictions } from './predictions';

/** The forward of one step. `full`/`refresh` clear the cache first and attend to nothing cached. */
export interface ForwardPlan {
	readonly kind: 'full' | 'window' | 'refresh';
	/** Sorted canvas positions fed to the model. */
	readonly positions: readonly number[];
	/** Positions (a subset of `positions`) whose K/V join the cache after the forward. */
	readonly store: readonly number[];
	readonly reset: boolean;
}

/** What a cache policy decides for a step; `planForward` turns it into a plan. */
export interface CacheDecision {
	readonly kind: ForwardPlan['kind'];
	/** Whether a position should be in the cache once this step's forward is done. */
	readonly desired: (position: number) => boolean;
	/** Only positions below this are fed (a causal model needs nothing after its target row). */
	readonly limit?: number;
}

/** Window = every position below `limit` (full/refresh) or every uncached one (window). */
export function planForward(length: number, cache: KvCache, decision: CacheDecision): ForwardPlan {
	const reset = decision.kind !== 'window';
	const positions: number[] = [];
	for (let p = 0; p < (decision.limit ?? length); p++) {
		if (reset || !cache.has(p)) {
			positions.push(p);
		}
	}
	const store = cache.capacity === 0 ? [] : positions.filter(decision.desired);
	return { kind: decision.kind, positions, store, reset };
}

/** Result of a step's forward. */
export interface ForwardOutcome {
	readonly predictions: Predictions;
	readonly forwardMs: number;
	readonly windowRanges: Array<readonly [number, number]>;
	/** Cached rows the forward attended to. */
	readonly cacheLength: number;
}

/** Runs planned forwards of one model over one canvas and keeps the counters. */
export class ForwardRunner {
	forwards = 0;
	forwardMs = 0;

	constructor(
		private readonly _model: IDenoiserModel,
		private readonly _canvas: Canvas,
		readonly cache: KvCache,
		private readonly _clock: Clock,
		private readonly _literal: boolean,
	) {}

	/** Model forward → cache update → aligned predictions. */
	async run(plan: ForwardPlan): Promise<ForwardOutcome> {
		if (plan.reset) {
			this.cache.clear();
		}
		const cacheLength = this.cache.length;
		const started = this._clock();
		const result = await this._model.forward({
			inputIds: Array.from(plan.positions, (p) => this._canvas.tokens[p]),
			positionIds: plan.positions,
			past: this.cache.view(),
		});
		const forwardMs = this._clock() - started;
		checkResult(result, plan.positions.length, this._model.spec.numLayers);
		this.forwards++;
		this.forwardMs += forwardMs;
		this._store(plan, result);
		const predictions = alignPredictions(this._canvas.length, { positions: plan.positions, result }, this._model.spec, this._literal);
		return { predictions, forwardMs, windowRanges: toRanges(plan.positions), cacheLength };
	}

	private _store(plan: ForwardPlan, result: ForwardResult): void {
		let row = 0;
		for (const position of plan.store) {
			while (plan.positions[row] !== position) {
				row++;
			}
			this.cache.append(position, result, row);
		}
	}
}

/** Sorted positions as half-open contiguous ranges. */
export function toRanges(positions: readonly number[]): Array<readonly [number, number]> {
	const ranges: Array<[number, number]> = [];
	for (const p of positions) {
		const last = ranges[ranges.length - 1];
		if (last && last[1] === p) {
			last[1] = p + 1;
		} else {
			ranges.push([p, p + 1]);
		}
	}
	return ranges;
}

function checkResult(result: ForwardResult, rows: number, layers: number): void {
	const short = [result.entropy, result.token, result.confidence].some((output) => output.length < rows);
	if (short) {
		throw new Error(`model forward returned fewer than ${rows} rows`);
	}
	if (result.presentKeys.length < layers || result.presentValues.length < layers) {
		throw new Error(`model forward returned K/V for fewer than ${layers} layers`);
	}
}
