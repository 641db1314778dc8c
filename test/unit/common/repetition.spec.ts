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

	it('recognises long units repeated three times', () => {
		assert.ok(endsInLoop('path = os.path.join(os.path.join(os.path.join('));
		assert.ok(!endsInLoop('path = os.path.join(os.path.join('));
	});
});
