/**
 * Restart backoff for a crashing sidecar, in the manner of vscode-languageclient's error handler: the
 * delay doubles with each crash inside a window and resets after a stable run.
 */

/** Backoff parameters (milliseconds). */
export interface BackoffOptions {
	readonly initialMs: number;
	readonly maxMs: number;
	/** A run at least this long resets the delay. */
	readonly stableMs: number;
	/** More crashes than this without a stable run stop the restarts. */
	readonly maxCrashes: number;
}

/** Defaults: 500 ms, doubling to 30 s; 60 s of stable running resets; give up after 5 crashes. */
export const defaultBackoff: BackoffOptions = Object.freeze({ initialMs: 500, maxMs: 30_000, stableMs: 60_000, maxCrashes: 5 });

/** Tracks crashes and answers how long to wait before the next start (undefined: stop trying). */
export class RestartBackoff {
	private _crashes = 0;

	constructor(private readonly _options: BackoffOptions = defaultBackoff) {}

	/** Records a crash after a run of `ranMs`; returns the delay before restarting, or undefined to give up. */
	onCrash(ranMs: number): number | undefined {
		if (ranMs >= this._options.stableMs) {
			this._crashes = 0;
		}
		this._crashes++;
		if (this._crashes > this._options.maxCrashes) {
			return undefined;
		}
		return Math.min(this._options.maxMs, this._options.initialMs * 2 ** (this._crashes - 1));
	}

	/** Crashes counted since the last reset. */
	get crashes(): number {
		return this._crashes;
	}

	/** Forgets past crashes (after a manual restart). */
	reset(): void {
		this._crashes = 0;
	}
}
