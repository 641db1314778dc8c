/** A manual clock for timing tests (VS Code's runWithFakedTimers in miniature). */
import type { Clock } from '../../../src/extension/clock';

export class FakeClock implements Clock {
	private _now = 0;
	private _timers: Array<{ at: number; callback: () => void; id: number }> = [];
	private _nextId = 0;

	now(): number {
		return this._now;
	}

	schedule(callback: () => void, ms: number): () => void {
		const id = this._nextId++;
		this._timers.push({ at: this._now + ms, callback, id });
		return () => {
			this._timers = this._timers.filter((t) => t.id !== id);
		};
	}

	/** Timers still pending. */
	get pending(): number {
		return this._timers.length;
	}

	/** Advances time, running due timers in order (and letting promise callbacks run between them). */
	async tick(ms: number): Promise<void> {
		const end = this._now + ms;
		for (;;) {
			await flush();
			const due = this._timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at || a.id - b.id)[0];
			if (!due) {
				break;
			}
			this._timers = this._timers.filter((t) => t !== due);
			this._now = due.at;
			due.callback();
		}
		this._now = end;
		await flush();
	}
}

/** Lets pending promise callbacks run. */
export async function flush(): Promise<void> {
	for (let i = 0; i < 10; i++) {
		await Promise.resolve();
	}
}
