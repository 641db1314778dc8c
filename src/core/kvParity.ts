/**
 * KV-cache parity probe (architecture §5 "KV cache"): runs the same canvas once as a full forward and once
 * as a windowed forward against the cache that full forward built (known text of every segment, minus the
 * position left of each region for `logitShift` models), so an adapter test can compare the two.
 */
import type { IDenoiserModel } from './modelPort';
import { Canvas, type CanvasInput } from './canvas';
import { KvCache } from './kvCache';
import { ForwardRunner, planForward } from './forwardRunner';
import type { Predictions } from './predictions';
import { validateCanvasInput } from './options';

/** Both forwards' aligned predictions; compare them at `windowPositions` where `windowed.has(p)`. */
export interface KvParityProbe {
	readonly full: Predictions;
	readonly windowed: Predictions;
	/** Positions fed to the windowed forward (sorted). */
	readonly windowPositions: readonly number[];
	/** Positions the cache held during the windowed forward, in row order. */
	readonly cachedPositions: readonly number[];
}

/** Full forward (caching known text) then a windowed forward of every uncached position. */
export async function probeKvParity(model: IDenoiserModel, input: CanvasInput): Promise<KvParityProbe> {
	validateCanvasInput(input, model.spec);
	const canvas = Canvas.create(input, model.spec.maskId, model.spec.eosId);
	const cache = new KvCache(model.spec, canvas.length);
	const runner = new ForwardRunner(model, canvas, cache, () => 0, false);
	const feedsMask = (p: number): boolean => model.spec.logitShift && p + 1 < canvas.length && canvas.isMask(p + 1);
	const full = await runner.run(planForward(canvas.length, cache, { kind: 'full', desired: (p) => canvas.isKnown(p) && !feedsMask(p) }));
	const cachedPositions = cache.positions();
	const plan = planForward(canvas.length, cache, { kind: 'window', desired: () => false });
	const windowed = await runner.run(plan);
	return { full: full.predictions, windowed: windowed.predictions, windowPositions: plan.positions, cachedPositions };
}
