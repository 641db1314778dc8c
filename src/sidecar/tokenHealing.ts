/**
 * Token healing at the cursor (the "token healing" of Microsoft Guidance, completing the whitespace healing
 * of boundaryHealing.ts), sidecar half. A byte-level BPE writes `require('fs')` as `require` `('` `fs` `')`,
 * so a prefix cut after `(` ends in a token the model seldom saw in front of a middle, and a cursor inside a
 * word (`os.pa`) ends in a piece of one. The sidecar takes that last token back out of the text and hands the
 * core a rule for the hole's first position: only tokens whose text extends the removed one
 * (src/core/openingTokens.ts picks the most likely of them at the first forward). The completion is the
 * hole's text less the removed text, so it still starts at the caller's cursor. Where whitespace healing
 * moved spaces after code into the hole (`x = |`), the rule is that the first token starts with them.
 */
import { LRUCache } from 'lru-cache';
import type { OpeningRule } from '../core/openingTokens';

/** What healing needs to know about the tokenizer. */
export interface HealingVocabulary {
	/** Text of every token id, special tokens included. */
	readonly pieces: readonly string[];
	/** Ids that are never text (mask, EOS, pad, FIM markers). */
	readonly specialIds: ReadonlySet<number>;
}

/** Segments with the last token before each hole taken back, and what each hole must then open with. */
export interface BackedOff {
	readonly segments: number[][];
	/** Per hole: the opening rule, or null where the segment was left whole. */
	readonly openings: (OpeningRule | null)[];
	/** Per hole: the text taken back, which the caller already has ('' where none). */
	readonly cut: string[];
}

/**
 * Takes back the last token of each segment before a hole where the cursor is right after text (`moved[i]`
 * empty: no whitespace went into the hole) and that token is plain text on the cursor's line. Where spaces
 * went into the hole instead, the hole must open with them (`spacesOpening`).
 */
export function backOffLastTokens(segments: number[][], texts: readonly string[], moved: readonly string[], vocabulary: HealingVocabulary): BackedOff {
	const out = segments.map((s) => [...s]);
	const cut = moved.map(() => '');
	const openings = moved.map((m, i): OpeningRule | null => {
		if (m !== '') {
			return /\S$/.test(texts[i]) ? spacesOpening(m, vocabulary) : null;
		}
		const last = out[i].at(-1);
		if (last === undefined || !healable(last, texts[i], vocabulary)) {
			return null;
		}
		out[i].pop();
		cut[i] = vocabulary.pieces[last];
		return { allowed: memoised(vocabulary, `cut:${cut[i]}`, () => extensionsOf(cut[i], vocabulary, false)), fallback: last };
	});
	return { segments: out, openings, cut };
}

/**
 * Spaces moved into the hole (boundaryHealing.ts) from after code on the cursor's line must open it: the hole
 * starts with a token such as ` '` or ` ValueError`, as the model saw after `== ` in training, never with an
 * end of middle, a token without them or more whitespace. Indentation after a line break and line breaks
 * moved with it are left to the model (it may rightly indent deeper, or end the line there).
 */
function spacesOpening(moved: string, vocabulary: HealingVocabulary): OpeningRule | null {
	return memoised(vocabulary, `spaces:${moved}`, () => {
		const fallback = /^[ \t]+$/.test(moved) ? vocabulary.pieces.indexOf(moved) : -1;
		if (fallback < 0 || vocabulary.specialIds.has(fallback)) {
			return null;
		}
		return { allowed: extensionsOf(moved, vocabulary, true), fallback };
	});
}

/** A hole's text from the caller's cursor: without the cut text its first token wrote again. */
export function textFromCursor(holeText: string, cut: string): string {
	return holeText.startsWith(cut) ? holeText.slice(cut.length) : holeText;
}

/** Plain text on the cursor's line; a piece holding U+FFFD may be part of a character split across tokens. */
function healable(id: number, text: string, vocabulary: HealingVocabulary): boolean {
	const piece = vocabulary.pieces[id] ?? '';
	return !vocabulary.specialIds.has(id) && piece.length > 0 && !/[\n\uFFFD]/.test(piece) && text.endsWith(piece);
}

/** Text tokens whose text starts with `start` and stays on the cursor's line; with `codeAfter`, no more whitespace follows it. */
function extensionsOf(start: string, vocabulary: HealingVocabulary, codeAfter: boolean): ReadonlySet<number> {
	const allowed = new Set<number>();
	vocabulary.pieces.forEach((piece, id) => {
		const rest = piece.slice(start.length);
		if (piece.startsWith(start) && !vocabulary.specialIds.has(id) && !rest.includes('\n') && !(codeAfter && /^\s/.test(rest))) {
			allowed.add(id);
		}
	});
	return allowed;
}

/**
 * Healing rules per vocabulary, by what they heal: each is a scan of the whole vocabulary (a request after `x = `
 * took 2.5 ms at 8k ids, 18 ms at 151k, on every request). Entries are wrapped: the cache holds no null.
 */
const rulesByVocabulary = new WeakMap<HealingVocabulary, LRUCache<string, { readonly value: unknown }>>();

function memoised<T>(vocabulary: HealingVocabulary, key: string, build: () => T): T {
	let rules = rulesByVocabulary.get(vocabulary);
	if (rules === undefined) {
		rules = new LRUCache({ max: 256 });
		rulesByVocabulary.set(vocabulary, rules);
	}
	let entry = rules.get(key);
	if (entry === undefined) {
		entry = { value: build() };
		rules.set(key, entry);
	}
	return entry.value as T;
}
