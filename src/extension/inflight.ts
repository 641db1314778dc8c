/**
 * Bookkeeping for one in-flight model request that later provider calls may adopt ("typing through" a
 * completion that is still decoding). The request is cancelled when nobody waits for it any more and no
 * one adopts it within `graceMs` — so a VS Code cancellation still reaches the sidecar as `$/cancelRequest`.
 */
import { CancellationTokenSource, type CancellationToken } from 'vscode-jsonrpc';
import type { CancelTimer, Clock } from './clock';

/** A running request (started by the constructor with its own token) and its waiters. */
export class InflightRequest<T> {
	readonly source = new CancellationTokenSource();
	readonly promise: Promise<T>;
	private _waiters = 0;
	private _cancelTimer: CancelTimer | undefined;
	private _settled = false;

	constructor(
		readonly scope: string,
		readonly prefix: string,
		readonly suffix: string,
		run: (token: CancellationToken) => Promise<T>,
		private readonly _clock: Clock,
		private readonly _graceMs: number,
	) {
		this.promise = run(this.source.token);
		this.promise.then(
			() => this._settle(),
			() => this._settle(),
		);
	}

	/** True once the request resolved or failed. */
	get settled(): boolean {
		return this._settled;
	}

	/** Whether a provider call at (prefix, suffix) can reuse this request: same suffix, prefix extended by at most `maxTyped`. */
	canServe(scope: string, prefix: string, suffix: string, maxTyped: number): boolean {
		const typed = prefix.length - this.prefix.length;
		return !this.source.token.isCancellationRequested && scope === this.scope && suffix === this.suffix && typed >= 0 && typed <= maxTyped && prefix.startsWith(this.prefix);
	}

	/** Waits for the result on behalf of a caller whose own token is `token`; resolves undefined if that is cancelled first. */
	wait(token: CancellationToken): Promise<T | undefined> {
		if (token.isCancellationRequested) {
			return Promise.resolve(undefined);
		}
		this._waiters++;
		this._cancelTimer?.();
		return new Promise<T | undefined>((resolve) => {
			let finished = false;
			const done = (value: T | undefined): void => {
				if (!finished) {
					finished = true;
					listener.dispose();
					this._release();
					resolve(value);
				}
			};
			const listener = token.onCancellationRequested(() => done(undefined));
			this.promise.then(done, () => done(undefined));
		});
	}

	/** Cancels the request now. */
	cancel(): void {
		this._cancelTimer?.();
		this.source.cancel();
	}

	private _release(): void {
		if (--this._waiters === 0 && !this._settled) {
			this._cancelTimer = this._clock.schedule(() => this.cancel(), this._graceMs);
		}
	}

	private _settle(): void {
		this._settled = true;
		this._cancelTimer?.();
	}
}
