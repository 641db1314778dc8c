import * as assert from 'node:assert/strict';
import { bracketErrors, cutAtSpecialToken, cutAtSuffixCloser, dropSuffixRepeats } from '../../../src/common/suffixRepeats';

/** [what it shows, raw completion, text left of the hole on its line, suffix, expected]. */
const cases: Array<[string, string, string, string, string]> = [
	['drops the rest of the line written again (brackets)', 'items):', '    for i in range(', '):\n        total += i\n', 'items'],
	['drops a repeated `) {` that would leave a stray bracket', 'i++) {', '  for (let i = 0; i < n; ', ') {\n    total += i;\n', 'i++'],
	['drops doubled punctuation that is all the rest of the line', "'__main__':", 'if __name__ == ', ':\n    main()\n', "'__main__'"],
	['drops a doubled statement end', 'items[0];', '    return ', ';\n  }\n', 'items[0]'],
	['keeps a closing bracket the line needs', 'len(x)', 'print(', ')\n', 'len(x)'],
	['keeps punctuation that is only part of the rest of the line', 'a:', 'x = {', ': 1}\n', 'a:'],
	['keeps a one-character coincidence that is not punctuation', 'x = 1', '', '1\n', 'x = 1'],
	['drops a 4+ character overlap', 'price * count;', '    total += ', 'count;\n', 'price * '],
	['drops the lines that repeat the next line of the suffix', 'y = 1\n    return y\n    z = 2', '    ', '\n    return y\n', 'y = 1'],
	['drops a tail that repeats the suffix across lines, whatever its brackets', 'f((\n xy', '', '\n xy\n', 'f(('],
	['leaves a completion with no overlap alone', 'n * 2', 'numbers.map((n) => ', ');\n', 'n * 2'],
];

describe('suffixRepeats', () => {
	for (const [name, text, lineBefore, suffix, expected] of cases) {
		it(name, () => assert.equal(dropSuffixRepeats(text, suffix, lineBefore), expected));
	}

	it('cuts where the completion closes the bracket the rest of the line starts by closing', () => {
		assert.equal(cutAtSuffixCloser('port} in ${port}', 'log(`on ${', '}`);'), 'port');
		assert.equal(cutAtSuffixCloser('i]) + x[j\nnext', 'f(a[', '])'), 'i', 'the innermost open bracket, and the lines after go too');
		assert.equal(cutAtSuffixCloser('g(x), h(y)) + 1', 'f(', ')'), 'g(x), h(y)', 'brackets the completion opens itself are skipped');
	});

	it('leaves the completion alone unless its first closer at depth 0 is the one the rest of the line starts with', () => {
		assert.equal(cutAtSuffixCloser('a) + b', 'f(', ''), 'a) + b', 'nothing follows the cursor');
		assert.equal(cutAtSuffixCloser('a) + b', 'f(', '; x'), 'a) + b', 'the rest of the line starts with no closer');
		assert.equal(cutAtSuffixCloser('a) + b', 'f(x) + ', ')'), 'a) + b', 'no bracket is open left of the cursor');
		assert.equal(cutAtSuffixCloser('a] + b', 'f(x[', ')'), 'a] + b', 'the rest of the line closes a different bracket');
		assert.equal(cutAtSuffixCloser('a] + b)', 'f(', ')'), 'a] + b)', 'the first closer at depth 0 is another one');
		assert.equal(cutAtSuffixCloser('a + b', 'f(', ')'), 'a + b', 'the completion closes nothing');
	});

	it('counts unmatched closers and unclosed openers', () => {
		assert.equal(bracketErrors('f(a[1], {b: 2})'), 0);
		assert.equal(bracketErrors('f(a))'), 1);
		assert.equal(bracketErrors('for (x) {) {'), 3);
		assert.equal(bracketErrors('call(a, ['), 2);
	});

	it('cuts at a literal special token', () => {
		assert.equal(cutAtSpecialToken('x + 1<|endofmiddle|>junk'), 'x + 1');
		assert.equal(cutAtSpecialToken('a < b || c > d'), 'a < b || c > d');
	});
});
