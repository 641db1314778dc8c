/**
 * The single decoding entry point (architecture §5): builds the canvas, runs one decoder step by step —
 * prepare → forward (full / window / refresh) → optional EOS policy and length cap → select — emits one
 * `StepEvent` per step and returns the generated tokens per region. Cancellation is checked between steps; a cancelled decode resolves with
 * `cancelled: true` (it never throws `CancelledError`) and the committed prefix of every region.
 */
import type { CommittedToken, StepEvent } from '../common/stepEvent';
import { type CancellationToken, neverCancelled } from '../common/cancellation';
import type { Clock, IDenoiserModel } from './modelPort';
import { Canvas, type CanvasInput } from './canvas';
import { createRegionBlocks } from './blocks';
import { KvCache } from './kvCache';
import { ForwardRunner, planForward } from './forwardRunner';
import { cacheEnabled, resolveDecodeOptions, validateCanvasInput, type DecodeOptions, type ResolvedDecodeOptions } from './options';
import { blockStates, type DecodeContext, type StepDecoder } from './decoders/stepDecoder';
import { createDecoder } from './decoders/createDecoder';
import { regionOutputs, type RegionOutput } from './regionOutput';
import { restrictEosToLeftmost } from './eosPolicy';
import { capRegionLengths } from './lengthCap';
import type { Predictions } from './predictions';
import { commitsAnOpening, constrainOpenings, openingCandidates, refreshAfterOpening, validateOpenings } from './openingTokens';

/** Observers and inputs from outside the core. */
export interface DecodeHooks {
	/** Called synchronously after every step. */
	onStep?(event: StepEvent): void;
	/** Checked before every step. */
	token?: CancellationToken;
	/** Monotonic milliseconds; without one every duration is 0. */
	clock?: Clock;
}

/** Outcome of a decode. */
export interface DecodeResult {
	/** Per region: generated ids cut at the first EOS (the committed prefix when cancelled). */
	readonly regions: RegionOutput[];
	readonly steps: number;
	readonly forwards: number;
	readonly cancelled: boolean;
	/** Total time inside model forwards (injected clock). */
	readonly forwardMs: number;
	/** The final canvas, masks included when cancelled. */
	readonly canvas: number[];
	readonly regionStarts: number[];
	/** Per region: the tokens it could have opened with, most likely first (src/core/openingTokens.ts). */
	readonly openingCandidates: number[][];
}

/** Decodes every mask region of `input` with `model`; see `DecodeOptions` for the knobs. */
export async function decode(model: IDenoiserModel, input: CanvasInput, options: DecodeOptions = {}, hooks: DecodeHooks = {}): Promise<DecodeResult> {
	const resolved = resolveDecodeOptions(options);
	validateCanvasInput(input, model.spec);
	validateOpenings(resolved.openings, input.budgets.length, model.spec);
	return new DecodeSession(model, input, resolved, hooks).run();
}

/** One decode's mutable state and step loop. */
class DecodeSession {
	private readonly _context: DecodeContext;
	private readonly _decoder: StepDecoder;
	private readonly _runner: ForwardRunner;
	private readonly _clock: Clock;
	private _steps = 0;
	/** A healed opening was committed in the last step: the next windowed forward refreshes (openingTokens.ts). */
	private _openedLastStep = false;
	private readonly _openingCandidates: number[][] = [];

	constructor(model: IDenoiserModel, input: CanvasInput, options: ResolvedDecodeOptions, private readonly _hooks: DecodeHooks) {
		const canvas = Canvas.create(input, model.spec.maskId, model.spec.eosId, options.stopTokenIds);
		const cacheOn = cacheEnabled(options) && options.decoder !== 'vanilla';
		const cache = new KvCache(model.spec, cacheOn ? canvas.length : 0);
		const regions = createRegionBlocks(canvas, options.blockSize, options.fullActivationThreshold);
		this._context = { canvas, spec: model.spec, options, regions, cache, cacheOn };
		this._decoder = createDecoder(this._context);
		this._clock = _hooks.clock ?? (() => 0);
		this._runner = new ForwardRunner(model, canvas, cache, this._clock, options.literal);
	}

	async run(): Promise<DecodeResult> {
		const { canvas, options } = this._context;
		const maxSteps = options.maxSteps || 2 * canvas.countMasks() + 2;
		const token = this._hooks.token ?? neverCancelled;
		while (canvas.countMasks() > 0) {
			if (token.isCancellationRequested) {
				return this._result(true);
			}
			if (this._steps >= maxSteps) {
				throw new Error(`decode did not finish within maxSteps = ${maxSteps}`);
			}
			const event = await this._step();
			this._hooks.onStep?.(event);
		}
		return this._result(false);
	}

	/** One step: EOS fill and blocks → (unless nothing is left) forward → token selection → event. */
	private async _step(): Promise<StepEvent> {
		const step = ++this._steps;
		const started = this._clock();
		const filled = this._evictChanged(this._decoder.prepare(step));
		if (this._context.canvas.countMasks() === 0) {
			return this._event({ step, started, committed: filled, forwardKind: 'none', windowRanges: [], cacheLength: 0, forwardMs: 0 });
		}
		const decision = refreshAfterOpening(this._decoder.decideCache(step, this._runner.forwards), this._openedLastStep, this._context.spec);
		const plan = planForward(this._context.canvas.length, this._context.cache, decision);
		const outcome = await this._runner.run(plan);
		// before the EOS policy: it hides the EOS proposals the cap reads its guess from
		const capped = this._capLengths(step, outcome.predictions);
		if (this._context.options.eosAtLeftmostOnly) {
			restrictEosToLeftmost(this._context.canvas, outcome.predictions);
		}
		this._recordOpeningCandidates(outcome.predictions);
		constrainOpenings(this._context.canvas, outcome.predictions, this._context.options.openings, this._context.spec);
		const committed = [...filled, ...this._evictChanged(capped), ...this._evictChanged(this._decoder.select(step, outcome.predictions))];
		this._openedLastStep = commitsAnOpening(committed, this._context.options.openings);
		return this._event({ step, started, committed, forwardKind: plan.kind, ...outcome });
	}

	/**
	 * The optional length cap (src/core/lengthCap.ts), from the first forward only; never for a causal model,
	 * whose rows past the first mask see nothing but masks.
	 */
	private _capLengths(step: number, predictions: Predictions): CommittedToken[] {
		const slack = this._context.options.lengthSlack;
		const applies = step === 1 && slack >= 0 && !this._context.spec.causal;
		return applies ? capRegionLengths(this._context.canvas, predictions, slack) : [];
	}

	/** Each region's opening candidates, from the first forward that predicts its first position while masked. */
	private _recordOpeningCandidates(predictions: Predictions): void {
		const { canvas, options, spec } = this._context;
		canvas.regions.forEach((region, i) => {
			if (this._openingCandidates[i] === undefined && canvas.isMask(region.start) && predictions.has(region.start)) {
				this._openingCandidates[i] = openingCandidates(predictions, region.start, options.openings[i] ?? null, spec);
			}
		});
	}

	/** A cached row must hold its position's current token: rows of rewritten positions leave the cache. */
	private _evictChanged(committed: CommittedToken[]): CommittedToken[] {
		committed.forEach((c) => this._context.cache.remove(c.position));
		return committed;
	}

	private _event(parts: Pick<StepEvent, 'step' | 'committed' | 'forwardKind' | 'windowRanges' | 'cacheLength' | 'forwardMs'> & { started: number }): StepEvent {
		const { started, ...event } = parts;
		return {
			...event,
			windowLength: event.windowRanges.reduce((sum, [start, end]) => sum + end - start, 0),
			blocks: blockStates(this._context),
			forwards: this._runner.forwards,
			masksLeft: this._context.canvas.countMasks(),
			elapsedMs: this._clock() - started,
		};
	}

	private _result(cancelled: boolean): DecodeResult {
		const { canvas } = this._context;
		return {
			regions: regionOutputs(canvas),
			steps: this._steps,
			forwards: this._runner.forwards,
			cancelled,
			forwardMs: this._runner.forwardMs,
			canvas: Array.from(canvas.tokens),
			regionStarts: canvas.regions.map((region) => region.start),
			openingCandidates: canvas.regions.map((_, i) => this._openingCandidates[i] ?? []),
		};
	}
}
