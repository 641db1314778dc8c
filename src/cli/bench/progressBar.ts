/**
 * Progress of a long run on stderr: a one-line bar redrawn in place when the stream is a terminal,
 * otherwise a plain line at every tenth of the work (so CI logs stay short).
 */

/** Where progress goes (process.stderr, or a fake in tests). */
export interface ProgressStream {
	readonly isTTY?: boolean;
	write(text: string): unknown;
}

/** A progress bar for one phase (`decode`, `pass@1`, …). */
export class ProgressBar {
	private _lastDecile = -1;
	private _lastDrawMs = 0;
	private readonly _startMs = Date.now();

	constructor(
		private readonly _stream: ProgressStream,
		private readonly _phase: string,
	) {}

	/** Reports `done` of `total`, with a short detail (the current row). */
	update(done: number, total: number, detail = ''): void {
		if (this._stream.isTTY) {
			this._draw(done, total, detail);
			return;
		}
		const decile = total === 0 ? 10 : Math.floor((10 * done) / total);
		if (decile !== this._lastDecile) {
			this._lastDecile = decile;
			this._stream.write(`${this._phase}: ${done}/${total}${detail ? ` (${detail})` : ''}\n`);
		}
	}

	/** Ends the bar's line on a terminal. */
	finish(): void {
		if (this._stream.isTTY && this._lastDrawMs > 0) {
			this._stream.write('\n');
		}
	}

	private _draw(done: number, total: number, detail: string): void {
		const now = Date.now();
		if (done < total && now - this._lastDrawMs < 100) {
			return;
		}
		this._lastDrawMs = now;
		const width = 30;
		const filled = total === 0 ? width : Math.round((width * done) / total);
		const elapsedS = (now - this._startMs) / 1000;
		const etaS = done === 0 ? 0 : (elapsedS * (total - done)) / done;
		const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
		this._stream.write(`\r\x1b[2K${this._phase} ${bar} ${done}/${total} ${detail} ${formatSeconds(elapsedS)} elapsed, ~${formatSeconds(etaS)} left`);
	}
}

function formatSeconds(seconds: number): string {
	const s = Math.round(seconds);
	return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}
