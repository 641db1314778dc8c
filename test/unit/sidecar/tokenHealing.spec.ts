import * as assert from 'node:assert/strict';
import { backOffLastTokens, textFromCursor, type HealingVocabulary } from '../../../src/sidecar/tokenHealing';

/** A toy vocabulary: `require` `(` `('` `("` `(\n` `fs` `pa` `path` `par` ` =` ` ` ` '` ` \n` `  ` `    ` and three special tokens. */
const pieces = ['<|pad|>', '<|endofmiddle|>', '<|mask|>', '\uFFFD', '?', '?', '?', 'require', '(', "('", '("', '(\n', 'fs', 'pa', 'path', 'par', ' =', ' ', " '", ' \n', '  ', '    '];
const vocabulary: HealingVocabulary = { pieces, specialIds: new Set([0, 1, 2]) };

describe('tokenHealing: taking back the token the cursor cuts', () => {
	it('takes back the last token when the cursor follows text, and allows the tokens that extend it', () => {
		const backed = backOffLastTokens([[7, 8], [12]], ['require(', 'fs'], [''], vocabulary);
		assert.deepEqual(backed.segments, [[7], [12]]);
		assert.deepEqual(backed.cut, ['(']);
		assert.equal(backed.openings[0]?.fallback, 8);
		assert.deepEqual([...backed.openings[0]!.allowed].sort((a, b) => a - b), [8, 9, 10], '`(\\n` runs onto the next line');
	});

	it('allows the longer words a cursor inside a word may be in', () => {
		const backed = backOffLastTokens([[7, 13], []], ['requirepa', ''], [''], vocabulary);
		assert.deepEqual([...backed.openings[0]!.allowed].sort((a, b) => a - b), [13, 14, 15]);
	});

	it('makes the hole open with the spaces moved into it, never with an end of middle', () => {
		const backed = backOffLastTokens([[7, 16], []], ['require =', ''], [' '], vocabulary);
		assert.deepEqual(backed.segments, [[7, 16], []], 'the segment keeps its tokens');
		assert.deepEqual(backed.cut, ['']);
		assert.equal(backed.openings[0]?.fallback, 17);
		assert.deepEqual([...backed.openings[0]!.allowed].sort((a, b) => a - b), [16, 17, 18], '` \\n` leaves the line, `  ` adds a space');
	});

	it('leaves the hole free after a moved line break, indentation, or spaces no single token writes', () => {
		const cases: Array<[string, string]> = [['require', '\n    '], ['require', '\n'], ['require', '   '], ['require\n', '    '], ['', '  ']];
		for (const [text, moved] of cases) {
			assert.deepEqual(backOffLastTokens([[7], []], [text, ''], [moved], vocabulary).openings, [null], JSON.stringify([text, moved]));
		}
	});

	it('leaves the segment whole after a line break, a special token, a split character or nothing', () => {
		const cases: Array<[number[], string, string]> = [
			[[7, 3], 'require\uFFFD', ''],
			[[7, 11], 'require(\n', ''],
			[[7, 1], 'require', ''],
			[[], '', ''],
		];
		for (const [segment, text, moved] of cases) {
			const backed = backOffLastTokens([segment, []], [text, ''], [moved], vocabulary);
			assert.deepEqual(backed.openings, [null], JSON.stringify(text));
			assert.deepEqual(backed.cut, ['']);
			assert.deepEqual(backed.segments[0], segment);
		}
	});

	it('leaves a token alone whose text is not the end of the segment', () => {
		assert.deepEqual(backOffLastTokens([[7, 8]], ['require(x'], [''], vocabulary).openings, [null]);
	});

	it('heals every hole of a multi-hole request independently', () => {
		const backed = backOffLastTokens([[7, 8], [13], []], ['require(', 'pa', ''], ['', ''], vocabulary);
		assert.deepEqual(backed.cut, ['(', 'pa']);
		assert.deepEqual(backed.segments, [[7], [], []]);
	});

	it('scans the vocabulary once per cut text or moved spaces, per vocabulary', () => {
		const first = backOffLastTokens([[7, 8], [], [16], []], ['require(', '', 'x =', ''], ['', ' '], vocabulary).openings;
		const again = backOffLastTokens([[7, 8], [], [16], []], ['require(', '', 'x =', ''], ['', ' '], vocabulary).openings;
		assert.equal(again[0]?.allowed, first[0]?.allowed);
		assert.equal(again[1]?.allowed, first[1]?.allowed);
		const other = backOffLastTokens([[7, 8], []], ['require(', ''], [''], { pieces: [...pieces.slice(0, 9), "('"], specialIds: vocabulary.specialIds });
		assert.deepEqual([...other.openings[0]!.allowed].sort((a, b) => a - b), [8, 9], 'another vocabulary has its own rules');
	});

	it('gives the hole\'s text from the cursor', () => {
		assert.equal(textFromCursor("('fs')", '('), "'fs')");
		assert.equal(textFromCursor('path.join', 'pa'), 'th.join');
		assert.equal(textFromCursor('', '('), '', 'a hole cancelled before its first token');
		assert.equal(textFromCursor('x', ''), 'x');
	});
});
