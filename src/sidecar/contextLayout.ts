/**
 * Turns the text segments of a `complete` request into the token canvas the core decodes (architecture §5):
 * `canvas` layout for diffusion models (`text₀ ‖ MASK×G₁ ‖ … ‖ text_k`), `psm` for an autoregressive twin
 * (`<fim_suffix> suffix <fim_prefix> prefix <fim_middle> ‖ middle`). When the canvas exceeds the model's
 * positions, the text farthest from the holes is cut: the start of the first segment and the end of the last.
 */
import { tooLarge, invalidRequest } from './errors';
import type { SpecialTokens } from './modelManifest';

/** The canvas handed to the core. */
export interface CanvasLayout {
	readonly segments: number[][];
	readonly budgets: number[];
	/** Context tokens dropped to fit (0 if none). */
	readonly truncatedTokens: number;
}

/** Limits and ids a layout needs. */
export interface LayoutModel {
	readonly maxPositions: number;
	readonly layout: 'canvas' | 'psm';
	readonly specialTokens: SpecialTokens;
}

/** Builds the canvas for already-tokenized segments. */
export function layoutCanvas(tokenSegments: number[][], budgets: number[], model: LayoutModel): CanvasLayout {
	if (model.layout === 'psm') {
		return layoutPsm(tokenSegments, budgets, model);
	}
	const room = model.maxPositions - sum(budgets);
	const fitted = fitSegments(tokenSegments, room);
	return { segments: fitted.segments, budgets: [...budgets], truncatedTokens: fitted.dropped };
}

function layoutPsm(tokenSegments: number[][], budgets: number[], model: LayoutModel): CanvasLayout {
	if (budgets.length !== 1) {
		throw invalidRequest('this model is autoregressive (layout "psm") and fills one hole per request');
	}
	const { fimPrefix, fimSuffix, fimMiddle } = model.specialTokens;
	if (fimPrefix === undefined || fimSuffix === undefined || fimMiddle === undefined) {
		throw invalidRequest('model.json: layout "psm" needs specialTokens.fimPrefix, fimSuffix and fimMiddle');
	}
	const room = model.maxPositions - budgets[0] - 3;
	const fitted = fitSegments(tokenSegments, room);
	const [prefix, suffix] = fitted.segments;
	const head = [fimSuffix, ...suffix, fimPrefix, ...prefix, fimMiddle];
	return { segments: [head, []], budgets: [...budgets], truncatedTokens: fitted.dropped };
}

/**
 * Cuts the outer segments to fit `room` tokens. Inner segments (between two holes) are kept whole; the
 * prefix side keeps up to three quarters of the room when both outer segments are long.
 */
export function fitSegments(segments: number[][], room: number): { segments: number[][]; dropped: number } {
	const total = sum(segments.map((s) => s.length));
	if (total <= room) {
		return { segments: segments.map((s) => [...s]), dropped: 0 };
	}
	const inner = sum(segments.slice(1, -1).map((s) => s.length));
	const outerRoom = room - inner;
	if (outerRoom < 0 || room <= 0) {
		throw tooLarge(`the text between the holes (${inner} tokens) does not fit the ${Math.max(room, 0)} positions left after the token budgets`);
	}
	const first = segments[0];
	const last = segments.length > 1 ? segments[segments.length - 1] : [];
	const { keepFirst, keepLast } = splitRoom(first.length, last.length, outerRoom);
	const out = segments.map((s) => [...s]);
	out[0] = first.slice(first.length - keepFirst);
	if (segments.length > 1) {
		out[out.length - 1] = last.slice(0, keepLast);
	}
	return { segments: out, dropped: total - sum(out.map((s) => s.length)) };
}

function splitRoom(firstLength: number, lastLength: number, room: number): { keepFirst: number; keepLast: number } {
	const lastShare = Math.min(lastLength, Math.max(room - firstLength, Math.floor(room / 4)));
	const keepFirst = Math.min(firstLength, room - lastShare);
	const keepLast = Math.min(lastLength, room - keepFirst);
	return { keepFirst, keepLast };
}

function sum(values: number[]): number {
	return values.reduce((a, b) => a + b, 0);
}
