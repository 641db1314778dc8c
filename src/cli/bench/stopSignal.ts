/**
 * Cooperative stop for long runs (Ctrl+C): the first SIGINT sets `stopped` and cancels the request in flight,
 * so the run ends cleanly with what already finished; a second SIGINT exits at once.
 */
import { CancellationTokenSource } from 'vscode-jsonrpc/node';

/** A stop flag plus the cancellation of the current request. */
export class StopSignal {
	private _stopped = false;
	private _current: CancellationTokenSource | undefined;

	/** True once a stop was asked for. */
	get stopped(): boolean {
		return this._stopped;
	}

	/** A fresh cancellation source for the next request (cancelled by `stop`). */
	nextRequest(): CancellationTokenSource {
		this._current?.dispose();
		this._current = new CancellationTokenSource();
		return this._current;
	}

	/** Asks the run to stop and cancels the request in flight. */
	stop(): void {
		this._stopped = true;
		this._current?.cancel();
	}

	/** Wires SIGINT to `stop` (a second SIGINT exits with 130); returns the unhook function. */
	hookSigint(onFirst: () => void): () => void {
		const handler = (): void => {
			if (this._stopped) {
				process.exit(130);
			}
			onFirst();
			this.stop();
		};
		process.on('SIGINT', handler);
		return () => process.off('SIGINT', handler);
	}
}
