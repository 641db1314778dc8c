import * as assert from 'node:assert/strict';
import { decideLinePolicy, type LinePolicyInput } from '../../../src/common/linePolicy';

const none = { inComment: false, inString: false, opensBlock: false };

describe('decideLinePolicy', () => {
	const cases: Array<[string, LinePolicyInput, 'single' | 'multi']> = [
		['empty line in a body', { setting: 'auto', lineBefore: '    ', lineAfter: '' }, 'multi'],
		['after a Python block opener', { setting: 'auto', lineBefore: 'def f(x):', lineAfter: '' }, 'multi'],
		['after an opening brace', { setting: 'auto', lineBefore: 'function f() {', lineAfter: '' }, 'multi'],
		['mid-statement', { setting: 'auto', lineBefore: '    y = f(', lineAfter: ')' }, 'multi'],
		['after an identifier', { setting: 'auto', lineBefore: '    total = ', lineAfter: '' }, 'single'],
		['code right of the cursor', { setting: 'auto', lineBefore: '    ', lineAfter: 'return x' }, 'single'],
		['only closers right of the cursor', { setting: 'auto', lineBefore: '    x = [', lineAfter: '])' }, 'multi'],
		['inside a comment (tree-sitter)', { setting: 'auto', lineBefore: '    # compute the ', lineAfter: '', syntax: { ...none, inComment: true } }, 'single'],
		['inside a string (tree-sitter)', { setting: 'auto', lineBefore: '    s = "{', lineAfter: '"', syntax: { ...none, inString: true } }, 'single'],
		['tree-sitter says a block opens', { setting: 'auto', lineBefore: 'class A(Base)', lineAfter: '', syntax: { ...none, opensBlock: true } }, 'multi'],
		['never', { setting: 'never', lineBefore: '    ', lineAfter: '' }, 'single'],
		['always, but not with code right of the cursor', { setting: 'always', lineBefore: 'x = ', lineAfter: 'y' }, 'single'],
		['always', { setting: 'always', lineBefore: 'x = ', lineAfter: '' }, 'multi'],
	];
	for (const [name, input, expected] of cases) {
		it(`${name} → ${expected}`, () => assert.equal(decideLinePolicy(input), expected));
	}
});
