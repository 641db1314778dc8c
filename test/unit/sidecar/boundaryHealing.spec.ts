import * as assert from 'node:assert/strict';
import { healSegments, restoreRegionText } from '../../../src/sidecar/boundaryHealing';

describe('boundaryHealing', () => {
	it('moves trailing spaces before a hole into the hole', () => {
		const healed = healSegments(['        self.y = ', '\n']);
		assert.deepEqual(healed.segments, ['        self.y =', '\n']);
		assert.deepEqual(healed.moved, [' ']);
	});

	it('moves one newline with its indentation, keeping earlier blank lines', () => {
		const healed = healSegments(['def f(n):\n\n    ', '']);
		assert.deepEqual(healed.segments, ['def f(n):\n', '']);
		assert.deepEqual(healed.moved, ['\n    ']);
	});

	it('keeps the line break and moves only the indentation when the hole stops at a line break', () => {
		const healed = healSegments(['def f(n):\n    ', ''], true);
		assert.deepEqual(healed.segments, ['def f(n):\n', '']);
		assert.deepEqual(healed.moved, ['    ']);
		assert.deepEqual(healSegments(['self.y = ', ''], true).moved, [' ']);
	});

	it('handles CRLF line ends and tabs', () => {
		const healed = healSegments(['if (x) {\r\n\t', '}']);
		assert.deepEqual(healed.segments, ['if (x) {', '}']);
		assert.deepEqual(healed.moved, ['\r\n\t']);
	});

	it('leaves the text after the last hole and whitespace-free ends alone', () => {
		const healed = healSegments(['a = f(', ')  ', '  ']);
		assert.deepEqual(healed.segments, ['a = f(', ')', '  ']);
		assert.deepEqual(healed.moved, ['', '  ']);
	});

	it('empties a whitespace-only prefix', () => {
		assert.deepEqual(healSegments(['  ', '']).segments, ['', '']);
	});

	it('drops the moved text the model wrote again', () => {
		assert.equal(restoreRegionText(' y', ' '), 'y');
		assert.equal(restoreRegionText('\n    return n', '\n    '), 'return n');
	});

	it('keeps deeper indentation beyond the cursor', () => {
		assert.equal(restoreRegionText('\n        return n', '\n    '), '    return n');
	});

	it('drops only the common start when the model wrote something else', () => {
		assert.equal(restoreRegionText('\nreturn n', '\n    '), 'return n');
		assert.equal(restoreRegionText('y', ' '), 'y');
		assert.equal(restoreRegionText('', '\n  '), '');
	});

	it('round-trips: cursor text + restored text = healed text + generated text', () => {
		const prefix = 'x = [\n  ';
		const { segments, moved } = healSegments([prefix, '']);
		const generated = '\n  1, 2, 3]';
		assert.equal(prefix + restoreRegionText(generated, moved[0]), segments[0] + generated);
	});
});
