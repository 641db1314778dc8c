/**
 * Runs jobs one at a time in arrival order (one onnxruntime session per sidecar), and lets a newer job for
 * the same document cancel the older one (architecture §6: "A newer request for the same document cancels
 * the older one").
 */
import { CancellationTokenSource, type CancellationToken } from '../common/cancellation';

/** A job's token: cancelled by its caller or by a newer job with the same key. */
export class SerialQueue {
	private _tail: Promise<unknown> = Promise.resolve();
	private readonly _byKey = new Map<string, CancellationTokenSource>();

	/** Queues `job`; it receives a token that also trips when superseded. */
	run<T>(job: (token: CancellationToken) => Promise<T>, callerToken: CancellationToken, key?: string): Promise<T> {
		const superseded = this._supersede(key);
		const token = anyOf(callerToken, superseded.token);
		const result = this._tail.then(() => job(token));
		this._tail = result.catch(() => undefined);
		return result.finally(() => this._release(key, superseded));
	}

	private _supersede(key: string | undefined): CancellationTokenSource {
		const source = new CancellationTokenSource();
		if (key !== undefined) {
			this._byKey.get(key)?.cancel();
			this._byKey.set(key, source);
		}
		return source;
	}

	private _release(key: string | undefined, source: CancellationTokenSource): void {
		if (key !== undefined && this._byKey.get(key) === source) {
			this._byKey.delete(key);
		}
	}
}

/** A token cancelled when either input is. */
export function anyOf(a: CancellationToken, b: CancellationToken): CancellationToken {
	return {
		get isCancellationRequested(): boolean {
			return a.isCancellationRequested || b.isCancellationRequested;
		},
	};
}
