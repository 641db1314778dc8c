import * as assert from 'node:assert/strict';
import { cutCompletion, editSimilarity, exactMatch, normalizeForMatch } from '../../../src/cli/bench/scoring';

describe('bench scoring', () => {
	it('normalises trailing whitespace of each line and trailing blank lines', () => {
		const cases: Array<[string, string]> = [
			['    return a + b\n', '    return a + b'],
			['    return a + b   \t\n\n\n', '    return a + b'],
			['x = 1  \r\ny = 2\r\n', 'x = 1\ny = 2'],
			['\n\nx\n', '\n\nx'],
			['   \n\t\n', ''],
			['', ''],
		];
		for (const [input, expected] of cases) {
			assert.equal(normalizeForMatch(input), expected, JSON.stringify(input));
		}
	});

	it('exact match ignores only line-end whitespace, never indentation or inner spaces', () => {
		assert.equal(exactMatch('    return a + b  \n\n', '    return a + b\n'), true);
		assert.equal(exactMatch('    return a + b', '    return a + b\n'), true);
		assert.equal(exactMatch('  return a + b\n', '    return a + b\n'), false);
		assert.equal(exactMatch('    return a+b\n', '    return a + b\n'), false);
		assert.equal(exactMatch('', '\n'), true);
	});

	it('edit similarity is 1 − Levenshtein ÷ the longer normalised length', () => {
		assert.equal(editSimilarity('abc', 'abc\n'), 1);
		assert.equal(editSimilarity('kitten', 'sitting'), 1 - 3 / 7);
		assert.equal(editSimilarity('', 'abcd'), 0);
		assert.equal(editSimilarity('', ''), 1);
		assert.equal(editSimilarity('return x  \n', 'return y'), 1 - 1 / 8);
	});

	it('cuts a single-line completion at its line end and keeps multi-line text whole', () => {
		assert.equal(cutCompletion('    return a\n    return b\n', 'line'), '    return a\n');
		assert.equal(cutCompletion('    return a', 'line'), '    return a\n');
		assert.equal(cutCompletion('', 'line'), '\n');
		assert.equal(cutCompletion('a\nb', 'none'), 'a\nb');
	});
});
