/**
 * Text scores of a completion against the reference middle (HumanEval-Infilling's secondary measures):
 * exact match after normalising whitespace at line ends, and edit similarity, 1 − Levenshtein distance ÷
 * the longer length, on the same normalised texts. Also the single-line cut applied before scoring.
 */
import { distance } from 'fastest-levenshtein';

/** How a raw completion is cut before it is scored and run. */
export type CutMode = 'line' | 'none';

/** Removes trailing whitespace of every line and trailing blank lines (line breaks become `\n`). */
export function normalizeForMatch(text: string): string {
	const lines = text.split(/\r?\n/).map((line) => line.replace(/\s+$/, ''));
	while (lines.length > 0 && lines[lines.length - 1].length === 0) {
		lines.pop();
	}
	return lines.join('\n');
}

/** True when the completion equals the reference after `normalizeForMatch`. */
export function exactMatch(completion: string, reference: string): boolean {
	return normalizeForMatch(completion) === normalizeForMatch(reference);
}

/** 1 − Levenshtein(a, b) ÷ max(|a|, |b|) on the normalised texts, in [0, 1]; two empty texts score 1. */
export function editSimilarity(completion: string, reference: string): number {
	const a = normalizeForMatch(completion);
	const b = normalizeForMatch(reference);
	const longest = Math.max(a.length, b.length);
	return longest === 0 ? 1 : 1 - distance(a, b) / longest;
}

/**
 * The completion as it goes into the program. `line` keeps the first line (up to and including its line
 * break, one is added when the model stopped without one): a single-line hole ends where its line ends.
 * `none` keeps the text as the model produced it.
 */
export function cutCompletion(text: string, mode: CutMode): string {
	if (mode === 'none') {
		return text;
	}
	const end = text.indexOf('\n');
	return end === -1 ? `${text}\n` : text.slice(0, end + 1);
}
