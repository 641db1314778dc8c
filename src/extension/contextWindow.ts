/**
 * Prefix/suffix windows around the cursor, in characters. The sidecar truncates further by tokens (and
 * reports `truncatedTokens`); this only bounds what crosses the process boundary.
 */

/** Character offsets of the two windows in the document. */
export interface WindowBounds {
	readonly prefixStart: number;
	readonly suffixEnd: number;
}

/** The window bounds for a cursor at `offset` in a document of `length` characters. */
export function windowBounds(offset: number, length: number, prefixChars: number, suffixChars: number): WindowBounds {
	return { prefixStart: Math.max(0, offset - prefixChars), suffixEnd: Math.min(length, offset + suffixChars) };
}

/**
 * Drops the partial first line of a prefix window that was cut (so the model never sees half a line), and
 * the partial last line of a cut suffix window.
 */
export function trimWindows(prefix: string, suffix: string, prefixCut: boolean, suffixCut: boolean): { prefix: string; suffix: string } {
	const firstBreak = prefix.indexOf('\n');
	const lastBreak = suffix.lastIndexOf('\n');
	return {
		prefix: prefixCut && firstBreak >= 0 ? prefix.slice(firstBreak + 1) : prefix,
		suffix: suffixCut && lastBreak >= 0 ? suffix.slice(0, lastBreak + 1) : suffix,
	};
}
