/**
 * The host side of the panel's message flow: buffer until the webview says `ready` (again after each
 * hide/show), and coalesce step events into at most one `steps` message per frame.
 */
import type { HostToPanelMessage } from '../protocol/panelProtocol';
import type { CancelTimer, Clock } from './clock';

/** One frame at 60 Hz. */
export const frameMs = 16;

/** Ordered, coalescing, ready-gated outbox. */
export class PanelOutbox {
	private _queue: HostToPanelMessage[] = [];
	private _ready = false;
	private _timer: CancelTimer | undefined;

	constructor(
		private readonly _post: (message: HostToPanelMessage) => void,
		private readonly _clock: Clock,
	) {}

	/** Messages waiting (for tests). */
	get pending(): readonly HostToPanelMessage[] {
		return this._queue;
	}

	/** The webview became ready (flush) or went away (buffer from now on). */
	setReady(ready: boolean): void {
		this._ready = ready;
		if (ready) {
			this.flush();
		}
	}

	/** Queues a message; steps wait for the next frame, everything else goes out at once (in order). */
	push(message: HostToPanelMessage): void {
		if (message.type === 'begin') {
			// The panel shows only the newest decode: what is still queued for older ones is moot.
			this._queue = [];
		}
		const last = this._queue[this._queue.length - 1];
		if (message.type === 'steps' && last?.type === 'steps' && last.requestId === message.requestId) {
			this._queue[this._queue.length - 1] = { ...last, events: [...last.events, ...message.events] };
		} else {
			this._queue.push(message);
		}
		if (!this._ready) {
			return;
		}
		if (message.type !== 'steps') {
			this.flush();
		} else {
			this._timer ??= this._clock.schedule(() => this.flush(), frameMs);
		}
	}

	/** Posts everything queued now. */
	flush(): void {
		this._timer?.();
		this._timer = undefined;
		const queue = this._queue;
		this._queue = [];
		for (const message of queue) {
			this._post(message);
		}
	}

	dispose(): void {
		this._timer?.();
		this._queue = [];
	}
}
