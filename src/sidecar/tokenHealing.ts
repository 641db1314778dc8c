/**
 * Token healing at the cursor (the "token healing" of Microsoft Guidance, completing the whitespace healing
 * of boundaryHealing.ts). A byte-level BPE writes `require('fs')` as `require` `('` `fs` `')`, so a prefix
 * cut after `(` ends in a token the model seldom saw in front of a middle, and a cursor inside a word
 * (`os.pa`) ends in a piece of one. The engine takes that last token back, asks the model in one forward
 * which token opens the hole — the most likely of its top-k whose text extends the removed text — and puts
 * that token in its place. The middle is decoded after it; the completion starts with the part of its text
 * past the cursor. No candidate in the top-k extends the text: the original token goes back (no change).
 */
import type { CommittedToken, StepEvent } from '../common/stepEvent';
import type { IDenoiserModel } from '../core/modelPort';
import { Canvas } from '../core/canvas';
import type { CanvasLayout } from './contextLayout';
import { regionStartsOf } from './decoderRunner';

/** What the healer needs to know about the tokenizer. */
export interface HealingVocabulary {
	/** Text of one token. */
	piece(id: number): string;
	/** Ids that are never text (mask, EOS, pad, FIM markers). */
	readonly specialIds: ReadonlySet<number>;
}

/** Segments with the last token before each hole taken back. */
export interface BackedOff {
	readonly segments: number[][];
	/** Per hole: the token taken back, or −1 where the segment was left whole. */
	readonly removed: number[];
}

/** A layout with a chosen token back before each healed hole. */
export interface HealedLayout {
	readonly layout: CanvasLayout;
	/** Per hole: the token taken back, or −1 where nothing was healed. */
	readonly removed: number[];
	/** Per hole: the token that now ends the segment before it (the removed one if nothing extended it), or −1. */
	readonly chosen: number[];
	/** Per hole: the text of the removed token, which the caller already has ('' where nothing was healed). */
	readonly cut: string[];
	/** Forwards spent (0 or 1). */
	readonly forwards: number;
}

/**
 * Takes back the last token of each segment before a hole, where the cursor is right after text (`moved[i]`
 * empty: no whitespace went into the hole), that token is plain text on the cursor's line, and the hole's
 * budget leaves room for the healing token and a middle after it.
 */
export function backOffLastTokens(segments: number[][], texts: readonly string[], moved: readonly string[], budgets: readonly number[], vocabulary: HealingVocabulary): BackedOff {
	const out = segments.map((s) => [...s]);
	const removed = moved.map((m, i) => {
		const last = out[i].at(-1);
		if (m !== '' || budgets[i] < 2 || last === undefined || !healable(last, texts[i], vocabulary)) {
			return -1;
		}
		out[i].pop();
		return last;
	});
	return { segments: out, removed };
}

function healable(id: number, text: string, vocabulary: HealingVocabulary): boolean {
	const piece = vocabulary.piece(id);
	return !vocabulary.specialIds.has(id) && piece.length > 0 && !piece.includes('\n') && text.endsWith(piece);
}

/**
 * Runs one forward of the backed-off layout and appends to each healed segment the best top-k token that
 * extends the removed text, or the removed token itself (each healed hole gives one position of its budget
 * to that token, so the canvas never outgrows the fitted layout).
 */
export async function chooseHealingTokens(model: IDenoiserModel, layout: CanvasLayout, removed: readonly number[], vocabulary: HealingVocabulary): Promise<HealedLayout> {
	const healedHoles = removed.flatMap((id, hole) => (id >= 0 ? [hole] : []));
	if (healedHoles.length === 0) {
		return { layout, removed: [...removed], chosen: removed.map(() => -1), cut: removed.map(() => ''), forwards: 0 };
	}
	const rows = await forwardWholeCanvas(model, layout);
	const starts = regionStartsOf(layout);
	const chosen = removed.map((id, hole) => (id < 0 ? -1 : bestExtension(rows, rowPredicting(starts[hole], model), id, model, vocabulary)));
	const segments = layout.segments.map((s, i) => (chosen[i] >= 0 ? [...s, chosen[i]] : [...s]));
	const budgets = layout.budgets.map((b, i) => (chosen[i] >= 0 ? b - 1 : b));
	const cut = removed.map((id) => (id < 0 ? '' : vocabulary.piece(id)));
	return { layout: { ...layout, segments, budgets }, removed: [...removed], chosen, cut, forwards: 1 };
}

interface TopK {
	readonly ids: Int32Array;
	readonly k: number;
}

async function forwardWholeCanvas(model: IDenoiserModel, layout: CanvasLayout): Promise<TopK> {
	const { maskId, eosId, numLayers } = model.spec;
	const canvas = Canvas.create(layout, maskId, eosId);
	const empty = { length: 0, keys: Array.from({ length: numLayers }, () => new Float32Array(0)), values: Array.from({ length: numLayers }, () => new Float32Array(0)) };
	const positions = Array.from({ length: canvas.length }, (_, p) => p);
	const result = await model.forward({ inputIds: canvas.tokens, positionIds: positions, past: empty });
	return { ids: result.topkIds, k: model.spec.topK };
}

/** The output row that predicts canvas position `position` (reference §1.1 item 3: shifted models use row − 1). */
function rowPredicting(position: number, model: IDenoiserModel): number {
	return model.spec.logitShift && position > 0 ? position - 1 : position;
}

function bestExtension(rows: TopK, row: number, removed: number, model: IDenoiserModel, vocabulary: HealingVocabulary): number {
	const text = vocabulary.piece(removed);
	for (let k = 0; k < rows.k; k++) {
		const id = rows.ids[row * rows.k + k];
		if (id >= 0 && id !== model.spec.maskId && extendsText(id, text, vocabulary)) {
			return id;
		}
	}
	return removed;
}

function extendsText(id: number, text: string, vocabulary: HealingVocabulary): boolean {
	const piece = vocabulary.piece(id);
	return !vocabulary.specialIds.has(id) && piece.startsWith(text) && !piece.slice(text.length).includes('\n');
}

/** Where each hole starts and its budget, as the step trace reports them. */
export interface TraceLayout {
	readonly regionStarts: number[];
	readonly budgets: number[];
}

/**
 * A step as the caller should see it: the healing forward counts, and on the first step each hole that a
 * healing token extended starts one position earlier, with that token committed (its text past the cursor),
 * so the panel and the trace show what the completion will insert.
 */
export function traceWithHealing(healing: HealedLayout, event: StepEvent, layout: TraceLayout | undefined, vocabulary: HealingVocabulary): [StepEvent, TraceLayout | undefined] {
	const extended = healing.chosen.flatMap((id, hole) => (id >= 0 && id !== healing.removed[hole] ? [hole] : []));
	const counted = { ...event, forwards: event.forwards + healing.forwards, committed: shiftOffsets(event.committed, extended) };
	if (layout === undefined || extended.length === 0) {
		return [counted, layout];
	}
	const regionStarts = layout.regionStarts.map((s, hole) => (extended.includes(hole) ? s - 1 : s));
	const budgets = layout.budgets.map((b, hole) => (extended.includes(hole) ? b + 1 : b));
	const healed = extended.map((hole): CommittedToken => ({
		position: regionStarts[hole],
		region: hole,
		offset: 0,
		tokenId: healing.chosen[hole],
		text: vocabulary.piece(healing.chosen[hole]).slice(healing.cut[hole].length),
		entropy: 0,
		forced: true,
		eos: false,
	}));
	return [{ ...counted, committed: [...healed, ...counted.committed] }, { regionStarts, budgets }];
}

function shiftOffsets(committed: readonly CommittedToken[], extended: readonly number[]): CommittedToken[] {
	return committed.map((c) => (extended.includes(c.region) ? { ...c, offset: c.offset + 1 } : c));
}
