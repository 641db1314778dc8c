/**
 * Repetition filter of completion post-processing (architecture §3; shared by the extension and
 * `d3llm complete`). A small model that does not know how to end a middle loops: `n, n, n, n, n, n`,
 * `foo = foo = foo = foo`. Like Tabby's and Continue's filters (reference: completion-anchors.md, "Stop
 * rules / post-process"), the last non-blank line is dropped when it ends with a unit of 3+ characters
 * that occurs 5+ times in a row, or of 10+ characters 3+ times (a unit of one repeated character, as in a
 * `# =====` divider, is not a loop); a loop the model then closes with a few brackets or quotes
 * (`n + 1, n + 1, n + 1, n + 1, n + 1, n + 1)]`, `"… or a string or a string or a string")`) counts too when
 * its unit has 5+ characters and is not one plain list item, so closed initialisers like
 * `[0.0, 0.0, 0.0, 0.0, 0.0, 0.0]` or `[None, None, …]` stay; and a trailing run of 3+ identical lines is cut
 * to its first line.
 */

const openLoops = [/(.{3,}?)\1{4,}$/, /(.{10,}?)\1{2,}$/];
const closedLoops = [/(.{5,}?)\1{4,}[)\]}'"`;,]{1,4}$/, /(.{10,}?)\1{2,}[)\]}'"`;,]{1,4}$/];
/** `, None`, `0.0, `, `', 'x`: a unit (in any rotation) that is one literal or name of a list and its comma. */
function isPlainListItem(unit: string): boolean {
	return (unit.match(/,/g) ?? []).length === 1 && /^[\w.'"-]+$/.test(unit.replace(/[\s,]/g, ''));
}
const minCopies = 3;

/** True when `line` ends in a loop (see the file comment). */
export function endsInLoop(line: string): boolean {
	const trimmed = line.trimEnd();
	const isLoop = (unit: string | undefined) => unit !== undefined && new Set(unit).size > 1;
	return (
		openLoops.some((pattern) => isLoop(pattern.exec(trimmed)?.[1])) ||
		closedLoops.some((pattern) => {
			const unit = pattern.exec(trimmed)?.[1];
			return isLoop(unit) && !isPlainListItem(unit ?? '');
		})
	);
}

/** `text` without a looping last line, and with a trailing run of identical lines cut to its first line. */
export function dropRepetitiveTail(text: string): string {
	const lines = text.split('\n');
	let end = lastNonBlank(lines, lines.length);
	if (end >= 0 && endsInLoop(lines[end])) {
		end = lastNonBlank(lines, end);
	}
	const run = runStart(lines, end);
	if (end >= 0 && end - run + 1 >= minCopies) {
		end = run;
	}
	return lines.slice(0, end + 1).join('\n');
}

/** Index of the last non-blank line before `before`, or -1. */
function lastNonBlank(lines: string[], before: number): number {
	let i = before - 1;
	while (i >= 0 && lines[i].trim() === '') {
		i--;
	}
	return i;
}

/** First index of the run of consecutive lines equal to `lines[end]` (ignoring indentation). */
function runStart(lines: string[], end: number): number {
	if (end < 0) {
		return end;
	}
	let start = end;
	for (let i = end - 1; i >= 0 && lines[i].trim() === lines[end].trim(); i--) {
		start = i;
	}
	return start;
}
