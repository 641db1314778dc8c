import * as assert from 'node:assert/strict';
import { dropRepetitiveTail, endsInLoop } from '../../../src/common/repetition';

describe('repetition filter', () => {
	it('drops a single line that ends in a loop', () => {
		assert.equal(dropRepetitiveTail('n, n, n, n, n, n, n, n, n,'), '');
		assert.equal(dropRepetitiveTail('foo = foo = foo = foo = foo = foo ='), '');
	});

	it('keeps the lines before a looping last line', () => {
		assert.equal(dropRepetitiveTail('total = 0\nx = add(a, b, b, b, b, b, b, b, b'), 'total = 0');
	});

	it('cuts a trailing run of identical lines to its first line', () => {
		assert.equal(dropRepetitiveTail('a = 1\n    b += 1\n    b += 1\n    b += 1\n'), 'a = 1\n    b += 1');
	});

	it('keeps code that repeats a little, dividers and two equal lines', () => {
		for (const text of ['f(a, a, a)', 'xs = [0, 0, 0, 0]', '# ==========================', 'i += 1\ni += 1', 'return n * 2']) {
			assert.equal(dropRepetitiveTail(text), text, text);
		}
	});

	it('drops a loop the model closed with a few brackets or quotes', () => {
		assert.ok(endsInLoop('numbers.map((n) => n + 1, n + 1, n + 1, n + 1, n + 1, n + 1)]'));
		assert.ok(endsInLoop('raise ValueError("bad value or a string or a string or a string or a string")'));
		assert.equal(dropRepetitiveTail('x = 1\nf(n + 1, n + 1, n + 1, n + 1, n + 1, n + 1);'), 'x = 1');
	});

	it('keeps a closed line whose short unit repeats, and a closed line that repeats a little', () => {
		const lines = [
			'xs = [0, 0, 0, 0, 0, 0, 0]',
			'weights = [0.0, 0.0, 0.0, 0.0, 0.0, 0.0]',
			'row = [None, None, None, None, None, None]',
			"names = ['x', 'x', 'x', 'x', 'x', 'x'];",
			'grid = [[1, 1], [1, 1], [1, 1]])',
			'f(a, b, a, b)',
		];
		for (const line of lines) {
			assert.ok(!endsInLoop(line), line);
		}
	});

	it('recognises long units repeated three times', () => {
		assert.ok(endsInLoop('path = os.path.join(os.path.join(os.path.join('));
		assert.ok(!endsInLoop('path = os.path.join(os.path.join('));
	});
});
