/**
 * Fill in the Middle as a `complete` request: every selection (or cursor) becomes one mask region, and
 * the texts between them become the segments — k regions in ONE request. Pure: offsets in, params out.
 */
import { requestLimits } from '../protocol/sidecarProtocol';
import { dropRepetitiveTail } from '../common/repetition';
import { cutAtSpecialToken, dropSuffixRepeats, lastLine } from '../common/suffixRepeats';

/** A half-open character range of the document to fill. */
export interface Span {
	readonly start: number;
	readonly end: number;
}

/** Segments and per-region budgets of a fill. */
export interface FillPlan {
	readonly spans: readonly Span[];
	readonly segments: readonly string[];
	readonly budgets: readonly number[];
}

/** Window sizes and the budget setting. */
export interface FillOptions {
	readonly prefixChars: number;
	readonly suffixChars: number;
	readonly maxTokens: number;
}

/**
 * Sorts the spans, merges overlapping ones, and cuts `text` into k + 1 segments (the outer two windowed).
 * Throws when there are more regions than the sidecar accepts.
 */
export function planFill(text: string, spans: readonly Span[], options: FillOptions): FillPlan {
	const sorted = mergeSpans(spans);
	if (sorted.length > requestLimits.maxRegions) {
		throw new RangeError(`at most ${requestLimits.maxRegions} regions can be filled at once (got ${sorted.length})`);
	}
	const segments: string[] = [text.slice(Math.max(0, sorted[0].start - options.prefixChars), sorted[0].start)];
	for (let i = 1; i < sorted.length; i++) {
		segments.push(text.slice(sorted[i - 1].end, sorted[i].start));
	}
	const last = sorted[sorted.length - 1].end;
	segments.push(text.slice(last, last + options.suffixChars));
	const perRegion = Math.max(1, Math.min(options.maxTokens, requestLimits.maxTokensPerRegion, Math.floor(requestLimits.maxTotalTokens / sorted.length)));
	return { spans: sorted, segments, budgets: sorted.map(() => perRegion) };
}

/** Sorted, non-overlapping spans. */
export function mergeSpans(spans: readonly Span[]): Span[] {
	const sorted = [...spans].sort((a, b) => a.start - b.start || a.end - b.end);
	const merged: Span[] = [];
	for (const span of sorted) {
		const previous = merged[merged.length - 1];
		if (previous && span.start < previous.end) {
			merged[merged.length - 1] = { start: previous.start, end: Math.max(previous.end, span.end) };
		} else {
			merged.push(span);
		}
	}
	return merged;
}

/** The text to insert for a region: cut at end-of-middle tokens, without a looping tail or a repeat of what follows it. */
export function fillText(raw: string, preceding: string, following: string, dropRepetition = true): string {
	const text = cutAtSpecialToken(raw);
	return dropSuffixRepeats(dropRepetition ? dropRepetitiveTail(text) : text, following, lastLine(preceding));
}
