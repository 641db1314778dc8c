/**
 * Token-boundary healing for fill-in-the-middle (the "token healing" idea of Microsoft Guidance, applied to
 * the text before each hole). A byte-level BPE merges whitespace with what follows it (` y`, `\n    return`),
 * so a prefix that ends in a space or in a newline plus indentation ends in a token the model rarely saw at
 * that place, and small models answer it with garbage. The engine moves that trailing whitespace out of the
 * segment, lets the model write it as part of the hole, and removes it again from the hole's text: the
 * completion still starts exactly at the caller's cursor.
 */

/** Segments with the trailing whitespace before each hole moved out. */
export interface HealedSegments {
	readonly segments: string[];
	/** `moved[i]`: the text taken from the end of segment i, expected at the start of hole i. */
	readonly moved: string[];
}

/** One newline (optionally `\r\n`) followed by the indentation, or just trailing spaces/tabs. */
const trailingWhitespace = /(?:\r?\n)?[ \t]*$/;
const trailingSpaces = /[ \t]*$/;

/**
 * Moves the trailing whitespace of every segment that precedes a hole into that hole. With `keepLineBreak`
 * (requests that stop at the first line break) a final line break stays in the segment and only the
 * indentation after it moves: otherwise the model's first token would be that line break and end the hole.
 */
export function healSegments(segments: readonly string[], keepLineBreak = false): HealedSegments {
	const pattern = keepLineBreak ? trailingSpaces : trailingWhitespace;
	const healed = [...segments];
	const moved: string[] = [];
	for (let i = 0; i < segments.length - 1; i++) {
		const tail = pattern.exec(segments[i])?.[0] ?? '';
		healed[i] = segments[i].slice(0, segments[i].length - tail.length);
		moved.push(tail);
	}
	return { segments: healed, moved };
}

/**
 * The hole's text as seen from the caller's cursor: the part of `moved` the model wrote again is dropped.
 * When the model wrote something else (a different indentation, no space), only the common start is dropped.
 */
export function restoreRegionText(generated: string, moved: string): string {
	let common = 0;
	const limit = Math.min(generated.length, moved.length);
	while (common < limit && generated[common] === moved[common]) {
		common++;
	}
	return generated.slice(common);
}
