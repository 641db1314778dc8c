/**
 * Token healing, core half (the sidecar's tokenHealing.ts takes the token the cursor cut back out of the
 * text): the first position of a region may be restricted to a set of tokens — those whose text extends the
 * removed one. While that position is masked, its prediction becomes the most likely top-k token of its set
 * (the rule's fallback when none is), with entropy 0 and confidence 1, so every decoder commits it as soon
 * as it considers the position (d3LLM: in the first step). The rest of a ruled region waits for the next
 * forward, which sees the opening: the other positions were predicted while the opening was still open to
 * every token (after `out.` d3LLM committed ` []`, a continuation of `out = `, beside the forced `.`).
 * The opening costs no forward of its own; a parallel decoder may need one more for the region.
 * The context's cached K/V came from a forward that saw the opening as a mask (and the prefix without the
 * token the cursor cut), so on a bidirectional model the windowed forward after an opening is committed
 * becomes a whole-canvas refresh: one larger forward, no extra one.
 */
import type { CommittedToken } from '../common/stepEvent';
import type { Canvas } from './canvas';
import type { CacheDecision } from './forwardRunner';
import type { ModelSpec } from './modelPort';
import type { Predictions } from './predictions';

/** The tokens a region may open with. */
export interface OpeningRule {
	readonly allowed: ReadonlySet<number>;
	/** Taken when no top-k candidate is allowed (the removed token itself). */
	readonly fallback: number;
}

/** Throws an `Error` naming the first rule that does not fit the canvas or the model. */
export function validateOpenings(openings: readonly (OpeningRule | null)[], regions: number, spec: ModelSpec): void {
	if (openings.length > regions) {
		throw new Error(`openings has ${openings.length} rules for ${regions} mask regions`);
	}
	openings.forEach((rule, i) => {
		if (rule === null) {
			return;
		}
		const { fallback } = rule;
		if (!Number.isInteger(fallback) || fallback < 0 || fallback >= spec.vocabSize || fallback === spec.maskId || fallback === spec.eosId) {
			throw new Error(`openings[${i}].fallback must be a text token id in [0, ${spec.vocabSize}), got ${fallback}`);
		}
	});
}

/**
 * Rewrites the prediction of each ruled region's first position while it is masked (after every forward), and
 * withholds the predictions of the rest of that region until the opening is committed.
 */
export function constrainOpenings(canvas: Canvas, predictions: Predictions, openings: readonly (OpeningRule | null)[], spec: ModelSpec): void {
	openings.forEach((rule, i) => {
		const region = canvas.regions[i];
		const position = region.start;
		if (rule === null || !canvas.isMask(position) || !predictions.has(position)) {
			return;
		}
		predictions.entropy.fill(Number.NaN, position + 1, region.end);
		predictions.token[position] = bestAllowed(predictions, position, rule, spec);
		predictions.entropy[position] = 0;
		predictions.confidence[position] = 1;
	});
}

function bestAllowed(predictions: Predictions, position: number, rule: OpeningRule, spec: ModelSpec): number {
	for (let k = 0; k < spec.topK; k++) {
		const id = predictions.topkIds[position * spec.topK + k];
		if (id >= 0 && id !== spec.maskId && rule.allowed.has(id)) {
			return id;
		}
	}
	return rule.fallback;
}

/** Whether `committed` holds the opening of a ruled region. */
export function commitsAnOpening(committed: readonly CommittedToken[], openings: readonly (OpeningRule | null)[]): boolean {
	return committed.some((c) => c.offset === 0 && (openings[c.region] ?? null) !== null);
}

/** The decoder's cache decision, with a windowed forward turned into a refresh right after an opening (see the file comment). */
export function refreshAfterOpening(decision: CacheDecision, openedLastStep: boolean, spec: ModelSpec): CacheDecision {
	return openedLastStep && decision.kind === 'window' && !spec.causal ? { ...decision, kind: 'refresh' } : decision;
}

/**
 * The tokens a region could open with, most likely first: the top-k of the first forward that predicted its
 * first position while it was masked, without the mask and EOS ids and, for a ruled region, only the allowed
 * ones. Another decode that forces one of them is a real alternative completion (`alternatives`, sidecar).
 */
export function openingCandidates(predictions: Predictions, position: number, rule: OpeningRule | null, spec: ModelSpec): number[] {
	const candidates: number[] = [];
	for (let k = 0; k < spec.topK; k++) {
		const id = predictions.topkIds[position * spec.topK + k];
		if (id >= 0 && id !== spec.maskId && id !== spec.eosId && (rule === null || rule.allowed.has(id))) {
			candidates.push(id);
		}
	}
	return candidates;
}
