import * as assert from 'node:assert/strict';
import { ProgressBar } from '../../../src/cli/bench/progressBar';

function stream(isTTY: boolean): { isTTY: boolean; text: string; write(t: string): void } {
	return { isTTY, text: '', write(t: string) { this.text += t; } };
}

describe('bench progress on stderr', () => {
	it('prints a plain line per tenth of the work when stderr is not a terminal', () => {
		const out = stream(false);
		const bar = new ProgressBar(out, 'decode');
		for (let done = 1; done <= 40; done++) {
			bar.update(done, 40, 'd3llm');
		}
		bar.finish();
		const lines = out.text.trim().split('\n');
		assert.equal(lines.length, 11);
		assert.equal(lines[0], 'decode: 1/40 (d3llm)');
		assert.equal(lines[10], 'decode: 40/40 (d3llm)');
		assert.doesNotMatch(out.text, /\r|\x1b/);
	});

	it('redraws one line in place on a terminal and always draws the last update', () => {
		const out = stream(true);
		const bar = new ProgressBar(out, 'pass@1');
		for (let done = 1; done <= 500; done++) {
			bar.update(done, 500);
		}
		bar.finish();
		const frames = out.text.split('\r').filter((f) => f.length > 0);
		assert.ok(frames.length >= 2 && frames.length < 500, `throttled: ${frames.length} frames`);
		assert.match(frames[frames.length - 1], /^\x1b\[2Kpass@1 █{30} 500\/500 .*\n$/);
	});
});
