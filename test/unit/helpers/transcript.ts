/**
 * Readable step transcripts for tests (house style "golden step transcripts"): a region rendered as one
 * string with committed tokens plain, this step's commits in [brackets] and masks as `·`.
 */
import type { StepEvent } from '../../../src/common/stepEvent';

/** Replays events over a region and renders each step; `show` turns a token id into text. */
export function renderRegionSteps(events: readonly StepEvent[], region: number, budget: number, show: (id: number) => string = String): string[] {
	const cells: string[] = Array(budget).fill('·');
	return events.map((event) => {
		const now = new Set<number>();
		for (const c of event.committed.filter((c) => c.region === region)) {
			cells[c.offset] = show(c.tokenId);
			now.add(c.offset);
		}
		return `${event.step}: ` + cells.map((cell, offset) => (now.has(offset) ? `[${cell}]` : cell)).join('');
	});
}

/** Each step's accepted (not EOS-filled) offsets, `*` marking forced ones: `3:[3,4,39]`. */
export function acceptanceLines(events: readonly StepEvent[]): string[] {
	return events.map((event) => {
		const accepted = event.committed.filter((c) => !c.filled).map((c) => `${c.offset}${c.forced ? '*' : ''}`);
		return `${event.step}:[${accepted.join(',')}]`;
	});
}
