/**
 * Cancellation tokens shared by every layer (the VS Code `CancellationToken` shape, without its event
 * machinery): the decoding core checks `isCancellationRequested` between steps.
 */

/** A read-only view of a cancellation request. */
export interface CancellationToken {
	readonly isCancellationRequested: boolean;
}

/** A token that is never cancelled. */
export const neverCancelled: CancellationToken = Object.freeze({ isCancellationRequested: false });

/** Owns a token and can cancel it once. */
export class CancellationTokenSource {
	private _cancelled = false;
	readonly token: CancellationToken;

	constructor() {
		const isCancelled = (): boolean => this._cancelled;
		this.token = Object.defineProperty({}, 'isCancellationRequested', { get: isCancelled, enumerable: true }) as CancellationToken;
	}

	cancel(): void {
		this._cancelled = true;
	}
}

/** Thrown by code that stops because its token was cancelled. */
export class CancelledError extends Error {
	constructor(message = 'cancelled') {
		super(message);
		this.name = 'CancelledError';
	}
}
