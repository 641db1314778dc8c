/**
 * Post-processing of a raw middle from the model (architecture §3): cut at end-of-middle and where the
 * middle closes a bracket the rest of the line closes (as Continue's bracket matching does), apply the line
 * policy, stop at the end of the enclosing scope (by indentation), drop a looping tail, and drop text that
 * repeats the suffix. Shared by the extension (inline completions) and `d3llm complete`, so the command line
 * prints what the editor would insert. Pure and table-tested (test/unit/common/postProcess.spec.ts).
 */
import { dropRepetitiveTail } from './repetition';
import { cutAtSpecialToken, cutAtSuffixCloser, dropSuffixRepeats, firstLine, isClosingLine } from './suffixRepeats';
import { endsWithOpener } from './linePolicy';

/** What post-processing needs besides the raw text. */
export interface PostProcessInput {
	readonly text: string;
	readonly policy: 'single' | 'multi';
	/** Current line left and right of the cursor. */
	readonly lineBefore: string;
	readonly lineAfter: string;
	/** Document text after the cursor (the suffix window). */
	readonly suffix: string;
	/** Upper bound on lines of a multi-line completion. */
	readonly maxLines?: number;
	/** Drop a looping last line (`d3llm.completion.dropRepetition`, default true). */
	readonly dropRepetition?: boolean;
}

const tabSize = 4;

/** Returns the completion to show, or undefined when nothing useful is left. */
export function postProcess(input: PostProcessInput): string | undefined {
	let text = cutAtSuffixCloser(cutAtSpecialToken(input.text), input.lineBefore, input.lineAfter);
	text = input.policy === 'single' || closesTheLine(text, input.lineAfter) ? firstLine(text) : limitScope(text, input.lineBefore, input.maxLines ?? 40);
	text = input.dropRepetition === false ? text : dropRepetitiveTail(text);
	text = dropSuffixRepeats(text, input.suffix, input.lineBefore);
	// Trailing blank lines never help; trailing spaces only when text follows on the line.
	text = text.replace(/\s+$/, (tail) => (tail.includes('\n') || input.lineAfter.trim() === '' ? '' : tail));
	return text.trim() === '' ? undefined : text;
}

/**
 * True when text follows the cursor and the completion's first line already ends with it (`items):` before
 * `):`): the rest of the completion belongs after that text, which an insertion at the cursor cannot place,
 * so only the first line is coherent (its repeat of the rest of the line is dropped afterwards).
 */
function closesTheLine(text: string, lineAfter: string): boolean {
	const rest = lineAfter.trim();
	return rest !== '' && text.includes('\n') && firstLine(text).trimEnd().endsWith(rest);
}

/** Indentation width in columns (tabs count `tabSize`). */
export function indentWidth(line: string): number {
	let width = 0;
	for (const c of line) {
		if (c === ' ') {
			width++;
		} else if (c === '\t') {
			width += tabSize;
		} else {
			break;
		}
	}
	return width;
}

/**
 * Stops a multi-line completion where it leaves the enclosing scope: at the first later line indented
 * less than the cursor's line; when the cursor sits inside a statement that the completion turns into a
 * block header, also at a line not indented more (keeping a closing `}`/`)`/`end` line there); at a
 * second blank line in a row; after `maxLines`.
 */
export function limitScope(text: string, lineBefore: string, maxLines: number): string {
	const lines = text.split('\n');
	const current = indentWidth(lineBefore);
	const strict = lineBefore.trim() !== '' && endsWithOpener(lineBefore + lines[0]);
	const kept: string[] = [lines[0]];
	let blanks = 0;
	for (const line of lines.slice(1)) {
		if (line.trim() === '') {
			if (++blanks >= 2) {
				break;
			}
			kept.push(line);
			continue;
		}
		blanks = 0;
		const indent = indentWidth(line);
		if (indent < current || kept.length >= maxLines) {
			break;
		}
		if (strict && indent === current) {
			if (isClosingLine(line)) {
				kept.push(line);
			}
			break;
		}
		kept.push(line);
	}
	return kept.join('\n').replace(/\n\s*$/, '');
}
