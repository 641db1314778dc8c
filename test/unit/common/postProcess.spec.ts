import * as assert from 'node:assert/strict';
import { postProcess, type PostProcessInput } from '../../../src/common/postProcess';

/** Golden cases: raw model middle → what the user sees (undefined = nothing). */
const golden: Array<[string, PostProcessInput, string | undefined]> = [
	['cuts at a literal end-of-middle token', { text: 'x + 1<|endofmiddle|>garbage', policy: 'single', lineBefore: 'return ', lineAfter: '', suffix: '\n' }, 'x + 1'],
	['single-line keeps the first line', { text: 'x + 1\n    print(x)', policy: 'single', lineBefore: '    return ', lineAfter: '', suffix: '\n' }, 'x + 1'],
	['single-line rejects a completion that starts with a newline', { text: '\nfoo()', policy: 'single', lineBefore: 'x = 1', lineAfter: '', suffix: '\n' }, undefined],
	['drops closing brackets the suffix already has', { text: 'compute(a, b))', policy: 'single', lineBefore: 'print(', lineAfter: ')', suffix: ')\n' }, 'compute(a, b)'],
	['drops a 4+ char overlap with the suffix', { text: 'price * count;', policy: 'single', lineBefore: '    total += ', lineAfter: 'count;', suffix: 'count;\n' }, 'price * '],
	['rejects a completion that only repeats the suffix', { text: 'item.price', policy: 'single', lineBefore: '    total += ', lineAfter: 'item.price', suffix: 'item.price\n' }, undefined],
	['keeps a 1-char non-closing coincidence', { text: 'x = 1', policy: 'single', lineBefore: '', lineAfter: '', suffix: '1\n' }, 'x = 1'],
	[
		'stops where the scope ends (dedent)',
		{ text: 'return x * 2\n\ndef other():\n    pass', policy: 'multi', lineBefore: '    ', lineAfter: '', suffix: '' },
		'return x * 2',
	],
	[
		'keeps the body of a block opened at the cursor and stops at the next sibling',
		{ text: '\n    y = x + 1\n    return y\ndef g():\n    pass', policy: 'multi', lineBefore: 'def f(x):', lineAfter: '', suffix: '' },
		'\n    y = x + 1\n    return y',
	],
	[
		'keeps the closing brace of a block it opened',
		{ text: ' {\n  return a;\n}\nfunction h() {}', policy: 'multi', lineBefore: 'function g(a)', lineAfter: '', suffix: '\n' },
		' {\n  return a;\n}',
	],
	[
		'drops lines that repeat the next line of the suffix',
		{ text: 'y = x + 1\n    return y\n    print("done")', policy: 'multi', lineBefore: '    ', lineAfter: '', suffix: '\n    return y\n' },
		'y = x + 1',
	],
	['stops at a second blank line', { text: 'a = 1\n\n\n\nb = 2', policy: 'multi', lineBefore: '', lineAfter: '', suffix: '' }, 'a = 1'],
	['respects maxLines', { text: 'a\nb\nc\nd', policy: 'multi', lineBefore: '', lineAfter: '', suffix: '', maxLines: 2 }, 'a\nb'],
	['rejects a single line that loops', { text: 'n, n, n, n, n, n, n, n,', policy: 'single', lineBefore: 'xs.map((n) => ', lineAfter: ');', suffix: ');\n' }, undefined],
	['keeps a looping line with dropRepetition off', { text: 'n, n, n, n, n, n, n, n,', policy: 'single', lineBefore: 'xs.map((n) => ', lineAfter: ');', suffix: ');\n', dropRepetition: false }, 'n, n, n, n, n, n, n, n,'],
	['keeps only the first line of a multi-line completion that closes the rest of the line', { text: 'items):\n        items = 0', policy: 'multi', lineBefore: '    for i in range(', lineAfter: '):', suffix: '):\n        total += items[i]\n' }, 'items'],
	['keeps a multi-line body that ends before an auto-closed brace', { text: '\n  return 1;\n', policy: 'multi', lineBefore: 'function f() {', lineAfter: '}', suffix: '}\n' }, '\n  return 1;'],
	['ends where the line closes a bracket the rest of the line closes', { text: 'port} in ${port} in ${port}', policy: 'single', lineBefore: '  console.log(`listening on ${', lineAfter: '}`);', suffix: '}`);\n' }, 'port'],
	['ends a call argument that runs on past the closing paren the suffix has', { text: 'a, b) + g(c', policy: 'single', lineBefore: 'total = f(', lineAfter: ')', suffix: ')\n' }, 'a, b'],
	['rejects whitespace only', { text: '   \n  ', policy: 'multi', lineBefore: '    ', lineAfter: '', suffix: '' }, undefined],
	['trims trailing blank lines and spaces', { text: 'a = 1   \n\n', policy: 'multi', lineBefore: '', lineAfter: '', suffix: '' }, 'a = 1'],
];

describe('postProcess (golden cases)', () => {
	for (const [name, input, expected] of golden) {
		it(name, () => assert.equal(postProcess(input), expected));
	}
});
