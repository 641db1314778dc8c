/**
 * Single- vs multi-line policy for inline completions. Syntax facts come from tree-sitter when a grammar
 * is loaded; otherwise the indentation rules below decide alone.
 */

/** `d3llm.completion.multiline`. */
export type MultilineSetting = 'auto' | 'always' | 'never';

/** What tree-sitter knows about the cursor (all false when no grammar is loaded). */
export interface SyntaxFacts {
	readonly inComment: boolean;
	readonly inString: boolean;
	/** The cursor starts a block body: the statement before it opens a block that has no body yet. */
	readonly opensBlock: boolean;
}

/** The inputs of the policy. */
export interface LinePolicyInput {
	readonly setting: MultilineSetting;
	readonly lineBefore: string;
	readonly lineAfter: string;
	readonly syntax?: SyntaxFacts;
}

/** Characters that may follow the cursor without forcing a single line (auto-closed pairs, separators). */
const closingOnly = /^[\s)\]}>'"`;:,]*$/;
/** A line that ends by opening a block or a bracket, in most languages. */
const opener = /([:{([]|=>|\bthen|\bdo)\s*$/;

/** Whether the text before the cursor on its line opens a block (by indentation rules). */
export function endsWithOpener(lineBefore: string): boolean {
	return opener.test(lineBefore);
}

/** Decides `single` or `multi` line for the completion at the cursor. */
export function decideLinePolicy(input: LinePolicyInput): 'single' | 'multi' {
	if (input.setting === 'never' || !closingOnly.test(input.lineAfter)) {
		return 'single';
	}
	if (input.setting === 'always') {
		return 'multi';
	}
	const syntax = input.syntax;
	if (syntax && (syntax.inComment || syntax.inString)) {
		return 'single';
	}
	if (syntax?.opensBlock || input.lineBefore.trim() === '' || endsWithOpener(input.lineBefore)) {
		return 'multi';
	}
	return 'single';
}
