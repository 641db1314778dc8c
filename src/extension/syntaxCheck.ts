/**
 * The parse check of post-processing: a completion must not make the parse of the window worse. When it
 * does, the longest run of its leading lines that does not is kept; when none, it is rejected. Languages
 * without a grammar pass unchecked.
 */

/** Counts ERROR and MISSING nodes of `text` parsed as the language, or undefined without a grammar. */
export type ErrorCounter = (text: string) => number | undefined;

/** Returns `middle` or a line-prefix of it that parses no worse than the document without it. */
export function keepParsable(middle: string, prefix: string, suffix: string, countErrors: ErrorCounter): string | undefined {
	const baseline = countErrors(prefix + suffix);
	if (baseline === undefined || (countErrors(prefix + middle + suffix) ?? 0) <= baseline) {
		return middle;
	}
	const lines = middle.split('\n');
	for (let n = lines.length - 1; n >= 1; n--) {
		const candidate = lines.slice(0, n).join('\n');
		if (candidate.trim() !== '' && (countErrors(prefix + candidate + suffix) ?? 0) <= baseline) {
			return candidate;
		}
	}
	return undefined;
}
