/**
 * The text an editor would insert for a model's middle, without tree-sitter: the extension's line policy
 * (`src/common/linePolicy.ts`, setting `auto`) and post-processing (`src/common/postProcess.ts`) — one line
 * where the editor shows one, a multi-line completion cut where its scope ends, a looping last line dropped,
 * and text the suffix already has removed. Used by `d3llm complete` and `d3llm bench --as-inserted`.
 */
import { decideLinePolicy } from '../common/linePolicy';
import { postProcess } from '../common/postProcess';
import { firstLine, lastLine } from '../common/suffixRepeats';

/** What the editor inserts for `text` between `prefix` and `suffix` ('' when it would show nothing). */
export function editorText(text: string, prefix: string, suffix: string): string {
	const lineBefore = lastLine(prefix);
	const lineAfter = firstLine(suffix);
	const policy = decideLinePolicy({ setting: 'auto', lineBefore, lineAfter });
	return postProcess({ text, policy, lineBefore, lineAfter, suffix }) ?? '';
}
