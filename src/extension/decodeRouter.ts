/**
 * Every `complete` request of the extension goes through the router: it assigns the request id, decides
 * whether steps are streamed (only while someone watches the panel), and turns one request into
 * begin / layout / steps / end events for the panel and a finish event for the status bar.
 */
import { Emitter, type CancellationToken, type Event } from 'vscode-jsonrpc';
import type { CompleteRequest, CompleteStepNotification } from '../protocol/sidecarProtocol';
import type { DecodeOutcome, DecodeSource, DecodeSummary, HostToPanelMessage } from '../protocol/panelProtocol';
import type { Clock } from './clock';

/** Who asked, for the panel and the status bar. */
export interface DecodeMeta {
	readonly source: DecodeSource;
	readonly label: string;
	/** Background speculation: never streamed, not shown, not counted in the status bar. */
	readonly speculative?: boolean;
}

/** The parameters of `complete` without the fields the router fills in. */
export type CompleteParams = Omit<CompleteRequest.Params, 'requestId' | 'streamSteps'>;

/** Sends one `complete` request; cancelling `token` sends `$/cancelRequest`. */
export type CompleteFn = (params: CompleteParams, token: CancellationToken, meta: DecodeMeta) => Promise<CompleteRequest.Result>;

/** The part of the sidecar client the router needs. */
export interface CompleteTransport {
	complete(params: CompleteRequest.Params, token: CancellationToken): Promise<CompleteRequest.Result>;
	readonly onDidStep: Event<CompleteStepNotification.Params>;
}

/** A finished request, for the status bar. */
export interface DecodeFinished {
	readonly source: DecodeSource;
	readonly outcome: DecodeOutcome;
	/** Host-side wall time, request to result. */
	readonly latencyMs: number;
	readonly result?: CompleteRequest.Result;
}

/** Routes requests and their step streams. */
export class DecodeRouter {
	private readonly _onDidPanelMessage = new Emitter<HostToPanelMessage>();
	private readonly _onDidFinish = new Emitter<DecodeFinished>();
	private readonly _streamed = new Set<string>();
	private _counter = 0;

	/** Messages for the panel, in order. */
	readonly onDidPanelMessage = this._onDidPanelMessage.event;
	/** A visible (non-speculative) request finished. */
	readonly onDidFinish = this._onDidFinish.event;

	constructor(
		private readonly _transport: CompleteTransport,
		private readonly _wantsSteps: () => boolean,
		private readonly _clock: Clock,
	) {
		_transport.onDidStep((p) => this._onStep(p));
	}

	/** The `CompleteFn` every feature uses. */
	readonly complete: CompleteFn = async (params, token, meta) => {
		const requestId = `${meta.source}-${++this._counter}`;
		const stream = !meta.speculative && this._wantsSteps();
		if (stream) {
			this._streamed.add(requestId);
			this._post({ type: 'begin', requestId, source: meta.source, label: meta.label, budgets: params.regions.map((r) => r.maxTokens) });
		}
		const started = this._clock.now();
		try {
			const result = await this._transport.complete({ ...params, requestId, streamSteps: stream }, token);
			this._end(requestId, meta, 'done', started, result);
			return result;
		} catch (error) {
			this._end(requestId, meta, token.isCancellationRequested ? 'cancelled' : 'error', started, undefined, String((error as Error)?.message ?? error));
			throw error;
		}
	};

	dispose(): void {
		this._onDidPanelMessage.dispose();
		this._onDidFinish.dispose();
	}

	private _end(requestId: string, meta: DecodeMeta, outcome: DecodeOutcome, started: number, result?: CompleteRequest.Result, message?: string): void {
		if (this._streamed.delete(requestId)) {
			this._post({ type: 'end', requestId, outcome, summary: result && summarize(result), message });
		}
		if (!meta.speculative) {
			this._onDidFinish.fire({ source: meta.source, outcome, latencyMs: this._clock.now() - started, result });
		}
	}

	private _onStep(params: CompleteStepNotification.Params): void {
		if (!this._streamed.has(params.requestId)) {
			return;
		}
		if (params.layout) {
			this._post({ type: 'layout', requestId: params.requestId, layout: params.layout });
		}
		this._post({ type: 'steps', requestId: params.requestId, events: [params.event] });
	}

	private _post(message: HostToPanelMessage): void {
		this._onDidPanelMessage.fire(message);
	}
}

/** The panel's view of a result. */
export function summarize(result: CompleteRequest.Result): DecodeSummary {
	const { tokens, steps, forwards, tpf, ms, decoder, model, executionProvider, truncatedTokens } = result;
	return { tokens, steps, forwards, tpf, ms, decoder, model, executionProvider, truncatedTokens };
}
