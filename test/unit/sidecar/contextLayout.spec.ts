import * as assert from 'node:assert/strict';
import { fitSegments, layoutCanvas } from '../../../src/sidecar/contextLayout';
import { SidecarError } from '../../../src/sidecar/errors';

const special = { pad: 0, eos: 1, mask: 2, fimPrefix: 3, fimSuffix: 4, fimMiddle: 5 };
const range = (from: number, n: number): number[] => Array.from({ length: n }, (_, i) => from + i);

describe('contextLayout', () => {
	it('keeps everything when the canvas fits', () => {
		const layout = layoutCanvas([range(10, 5), range(20, 3)], [8], { maxPositions: 64, layout: 'canvas', specialTokens: special });
		assert.deepEqual(layout.segments, [range(10, 5), range(20, 3)]);
		assert.equal(layout.truncatedTokens, 0);
	});

	it('cuts the start of the prefix and the end of the suffix, keeping text nearest the hole', () => {
		const prefix = range(100, 80);
		const suffix = range(300, 40);
		const layout = layoutCanvas([prefix, suffix], [16], { maxPositions: 64, layout: 'canvas', specialTokens: special });
		const [p, s] = layout.segments;
		assert.equal(p.length + s.length + 16, 64);
		assert.deepEqual(p, prefix.slice(prefix.length - p.length), 'prefix keeps its end');
		assert.deepEqual(s, suffix.slice(0, s.length), 'suffix keeps its start');
		assert.equal(layout.truncatedTokens, 80 + 40 - p.length - s.length);
		assert.ok(s.length >= 12, 'the suffix keeps at least a quarter of the room');
	});

	it('gives a short suffix all it needs and the rest to the prefix', () => {
		const { segments } = fitSegments([range(0, 100), range(500, 5)], 50);
		assert.deepEqual(segments[1], range(500, 5));
		assert.equal(segments[0].length, 45);
	});

	it('keeps inner segments whole with several holes, and refuses when they cannot fit', () => {
		const { segments } = fitSegments([range(0, 30), range(100, 10), range(200, 30)], 40);
		assert.deepEqual(segments[1], range(100, 10));
		assert.equal(segments[0].length + segments[2].length, 30);
		assert.throws(() => fitSegments([[1], range(100, 50), [2]], 40), (e: unknown) => e instanceof SidecarError && /between the holes/.test(e.message));
	});

	it('lays out suffix-prefix-middle for an autoregressive twin', () => {
		const layout = layoutCanvas([[10, 11], [20]], [4], { maxPositions: 64, layout: 'psm', specialTokens: special });
		assert.deepEqual(layout.segments, [[4, 20, 3, 10, 11, 5], []]);
		assert.throws(() => layoutCanvas([[1], [2], [3]], [4, 4], { maxPositions: 64, layout: 'psm', specialTokens: special }), /one hole/);
	});
});
