/**
 * Debounce for inline requests: wait `ms` after the last keystroke, and give up at once when the request
 * is cancelled (VS Code cancels the previous provider call when the user types again).
 */
import type { CancellationToken } from 'vscode-jsonrpc';
import type { Clock } from './clock';

/**
 * Resolves `true` after `ms` on `clock`, or `false` as soon as `token` is cancelled (also when it already
 * is). `ms <= 0` resolves `true` immediately unless cancelled.
 */
export function debounce(ms: number, token: CancellationToken, clock: Clock): Promise<boolean> {
	if (token.isCancellationRequested) {
		return Promise.resolve(false);
	}
	if (ms <= 0) {
		return Promise.resolve(true);
	}
	return new Promise((resolve) => {
		const listener = token.onCancellationRequested(() => {
			cancelTimer();
			resolve(false);
		});
		const cancelTimer = clock.schedule(() => {
			listener.dispose();
			resolve(!token.isCancellationRequested);
		}, ms);
	});
}
