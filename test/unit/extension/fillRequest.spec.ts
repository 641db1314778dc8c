import * as assert from 'node:assert/strict';
import { fillText, planFill } from '../../../src/extension/fillRequest';

describe('planFill', () => {
	const options = { prefixChars: 1000, suffixChars: 1000, maxTokens: 96 };

	it('turns k cursors into k regions with the texts between them as segments', () => {
		const text = 'a = \nb = \nc = \n';
		const plan = planFill(text, [{ start: 9, end: 9 }, { start: 4, end: 4 }], options);
		assert.deepEqual(plan.spans, [{ start: 4, end: 4 }, { start: 9, end: 9 }]);
		assert.deepEqual(plan.segments, ['a = ', '\nb = ', '\nc = \n']);
		assert.deepEqual(plan.budgets, [96, 96]);
	});

	it('replaces selections (their text is not sent) and windows the outer segments', () => {
		const text = '0123456789SELECTED0123456789';
		const plan = planFill(text, [{ start: 10, end: 18 }], { prefixChars: 4, suffixChars: 3, maxTokens: 8 });
		assert.deepEqual(plan.segments, ['6789', '012']);
	});

	it('splits the total budget evenly, and refuses more regions than the sidecar accepts', () => {
		const spans = Array.from({ length: 16 }, (_, i) => ({ start: i, end: i }));
		assert.deepEqual(planFill('x'.repeat(20), spans, { ...options, maxTokens: 512 }).budgets, Array(16).fill(64));
		assert.throws(() => planFill('x'.repeat(20), [...spans, { start: 17, end: 17 }], options), /at most 16 regions/);
	});

	it('merges overlapping selections', () => {
		assert.deepEqual(planFill('abcdefgh', [{ start: 1, end: 4 }, { start: 3, end: 6 }], options).spans, [{ start: 1, end: 6 }]);
	});

	it('cleans region text: end-of-middle tokens and a repeat of what follows', () => {
		assert.equal(fillText('x + 1<|endofmiddle|>', 'print(', ')\n'), 'x + 1');
		assert.equal(fillText('f(x))', 'y = g(', ')\n'), 'f(x)');
		assert.equal(fillText('len(x)', 'a = 1\nprint(', ')\n'), 'len(x)', 'a closing bracket the line needs stays');
		assert.equal(fillText('x = 1\ny = f(a, a, a, a, a, a, a', '', '\n'), 'x = 1', 'a looping last line goes');
		assert.equal(fillText('y = f(a, a, a, a, a, a, a', '', '\n', false), 'y = f(a, a, a, a, a, a, a', 'unless dropRepetition is off');
	});
});
