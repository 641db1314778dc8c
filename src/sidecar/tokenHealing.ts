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
		return { allowed: extensionsOf(cut[i], vocabulary), fallback: last };
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
	const fallback = /^[ \t]+$/.test(moved) ? vocabulary.pieces.indexOf(moved) : -1;
	if (fallback < 0 || vocabulary.specialIds.has(fallback)) {
		return null;
	}
	const allowed = extensionsOf(moved, vocabulary);
	for (const id of allowed) {
		if (/^\s/.test(vocabulary.pieces[id].slice(moved.length))) {
			allowed.delete(id);
		}
	}
	return { allowed, fallback };
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

/** Text tokens whose text starts with `cut` and stays on the cursor's line. */
function extensionsOf(cut: string, vocabulary: HealingVocabulary): Set<number> {
	const allowed = new Set<number>();
	vocabulary.pieces.forEach((piece, id) => {
		if (piece.startsWith(cut) && !vocabulary.specialIds.has(id) && !piece.includes('\n', cut.length)) {
			allowed.add(id);
		}
	});
	return allowed;
}
