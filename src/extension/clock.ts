/**
 * Time as an injected dependency, so debounce, coalescing and restart backoff run on fake clocks in tests.
 */

/** Cancels a scheduled callback; calling it twice is harmless. */
export type CancelTimer = () => void;

/** A source of time and timers. */
export interface Clock {
	/** Milliseconds from an arbitrary origin. */
	now(): number;
	/** Runs `callback` once after `ms` milliseconds. */
	schedule(callback: () => void, ms: number): CancelTimer;
}

/** The real clock (performance.now and setTimeout). */
export const systemClock: Clock = Object.freeze({
	now: () => performance.now(),
	schedule(callback: () => void, ms: number): CancelTimer {
		const handle = setTimeout(callback, ms);
		return () => clearTimeout(handle);
	},
});
