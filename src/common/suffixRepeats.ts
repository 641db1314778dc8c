/**
 * Completion text versus the text around the hole (architecture §3, post-processing; shared by the
 * extension and the `d3llm complete` command): cut at a literal special token, end the middle where it
 * closes the bracket that the rest of the cursor's line closes, and drop what the suffix already has — a
 * tail of the completion that the suffix starts with, and lines that repeat the suffix's next line. A small
 * model often writes the rest of the cursor's line again (`range(items):` before the `):` that is already
 * there); a tail is dropped when that removes a bracket error of the cursor's line, when it is 4+
 * characters, or when it doubles punctuation that is all the rest of the line (`::`, `;;`).
 */

const specialToken = /<\|[a-z_]+\|>/;
const punctuationOnly = /^[)\]}>'"`;:,.]+$/;
const closingLine = /^\s*([)\]}]+[;,]?|end|fi|done|esac)\s*$/;
const openers = '([{';
const closers = ')]}';

/** Cuts at the first special token string (`<|endofmiddle|>` …) the tokenizer may have decoded literally. */
export function cutAtSpecialToken(text: string): string {
	const match = specialToken.exec(text);
	return match ? text.slice(0, match.index) : text;
}

/** True for a line that only closes a scope (`}`, `)`, `end` …). */
export function isClosingLine(line: string): boolean {
	return closingLine.test(line);
}

/**
 * Removes what the suffix already has: everything from a later line equal to the next non-blank line of the
 * suffix, then a tail that the suffix starts with (see the file comment). `lineBefore` is the text left of
 * the hole on its line (it decides whether a dropped bracket fixes or breaks that line).
 */
export function dropSuffixRepeats(text: string, suffix: string, lineBefore = ''): string {
	const nextLine = suffix.split('\n').map((l) => l.trim()).find((l, i) => i > 0 && l !== '') ?? '';
	const lines = text.split('\n');
	const repeat = nextLine.length >= 3 || isClosingLine(nextLine) ? lines.findIndex((l, i) => i > 0 && l.trim() === nextLine) : -1;
	const cut = repeat > 0 ? lines.slice(0, repeat).join('\n') : text;
	return dropOverlap(cut, suffix, lineBefore);
}

/** Drops the longest tail of `text` that the suffix starts with, when `overlapIsRepeat` says it is one. */
function dropOverlap(text: string, suffix: string, lineBefore: string): string {
	const limit = Math.min(text.length, suffix.length, 200);
	for (let k = limit; k >= 1; k--) {
		if (text.endsWith(suffix.slice(0, k)) && overlapIsRepeat(text, k, suffix, lineBefore)) {
			return text.slice(0, text.length - k);
		}
	}
	return text;
}

function overlapIsRepeat(text: string, k: number, suffix: string, lineBefore: string): boolean {
	const head = suffix.slice(0, k);
	if (head.includes('\n')) {
		return k >= 4; // a tail that spans lines of the suffix: no single line to weigh the brackets of
	}
	const restOfLine = firstLine(suffix);
	const lineStart = text.includes('\n') ? '' : lineBefore;
	const kept = text.slice(0, text.length - k);
	const withTail = bracketErrors(lineStart + lastLine(text) + restOfLine);
	const withoutTail = bracketErrors(lineStart + lastLine(kept) + restOfLine);
	if (withoutTail !== withTail) {
		return withoutTail < withTail;
	}
	return k >= 4 || (head === restOfLine.trimEnd() && punctuationOnly.test(head));
}

/**
 * Cuts the completion where its first line closes a bracket opened left of the cursor when the rest of the
 * cursor's line starts with that same closer (`port} in ${port…` before `}`): the suffix already closes it,
 * so the text up to there is the whole middle and what follows repeats or runs on past it.
 */
export function cutAtSuffixCloser(text: string, lineBefore: string, lineAfter: string): string {
	const closer = lineAfter.trimStart()[0] ?? '';
	const open = scanBrackets(lineBefore).open;
	if (!closers.includes(closer) || open[open.length - 1] !== openers[closers.indexOf(closer)]) {
		return text;
	}
	let depth = 0;
	const line = firstLine(text);
	for (let i = 0; i < line.length; i++) {
		if (openers.includes(line[i])) {
			depth++;
		} else if (closers.includes(line[i]) && depth-- === 0) {
			return line[i] === closer ? text.slice(0, i) : text;
		}
	}
	return text;
}


/** The text before the first line break (all of `text` when it has none): e.g. the cursor's line right of a hole. */
export function firstLine(text: string): string {
	const newline = text.indexOf('\n');
	return newline < 0 ? text : text.slice(0, newline);
}

/** The text after the last line break (all of `text` when it has none): e.g. the cursor's line left of a hole. */
export function lastLine(text: string): string {
	return text.slice(text.lastIndexOf('\n') + 1);
}

/**
 * Bracket errors of one line: closers that match no opener plus openers never closed. Brackets inside
 * string literals are not told apart; both sides of a comparison share that blind spot.
 */
export function bracketErrors(line: string): number {
	const { open, unmatched } = scanBrackets(line);
	return unmatched + open.length;
}

/**
 * One pass over the brackets of `line`: the openers still open at its end (innermost last) and the number of
 * closers that matched no opener. String literals are not told apart.
 */
function scanBrackets(line: string): { open: string[]; unmatched: number } {
	const open: string[] = [];
	let unmatched = 0;
	for (const c of line) {
		if (openers.includes(c)) {
			open.push(c);
		} else if (closers.includes(c)) {
			if (open.length > 0 && openers.indexOf(open[open.length - 1]) === closers.indexOf(c)) {
				open.pop();
			} else {
				unmatched++;
			}
		}
	}
	return { open, unmatched };
}
