/**
 * The sidecar's JSON-RPC endpoints (architecture §6, src/protocol/sidecarProtocol.ts): `model/load`,
 * `model/info`, `complete` (streams `complete/step`, stops between steps on `$/cancelRequest`) and the
 * `sidecar/status` notifications. Errors become JSON-RPC errors with a message that says what is wrong.
 */
import { ResponseError, type CancellationToken as RpcToken, type MessageConnection } from 'vscode-jsonrpc/node';
import {
	CompleteRequest,
	CompleteStepNotification,
	ModelInfoRequest,
	ModelLoadRequest,
	SidecarErrorCodes,
	SidecarStatusNotification,
} from '../protocol/sidecarProtocol';
import type { StepEvent } from '../common/stepEvent';
import { SidecarError, invalidRequest } from './errors';
import { ModelEngine } from './modelEngine';
import { validateCompleteParams } from './requestValidation';
import { SerialQueue } from './serialQueue';

/** Wires the engine to a connection; returns a function that releases the model. */
export function serve(connection: MessageConnection, log: (line: string) => void): () => Promise<void> {
	const server = new SidecarServer(connection, log);
	connection.onRequest(ModelLoadRequest.method, (params: ModelLoadRequest.Params, token: RpcToken) =>
		guard(log, () => server.load(params, token)),
	);
	connection.onRequest(ModelInfoRequest.method, () => guard(log, async () => requireEngine(server.engine).info()));
	connection.onRequest(CompleteRequest.method, (raw: unknown, token: RpcToken) => guard(log, () => server.complete(raw, token)));
	server.status({ state: 'starting' });
	return () => server.dispose();
}

/** The loaded model and the one queue every request waits in (one forward pass at a time). */
class SidecarServer {
	private readonly _queue = new SerialQueue();
	private _threads = 0;
	private _engine: ModelEngine | undefined;

	constructor(
		private readonly _connection: MessageConnection,
		private readonly _log: (line: string) => void,
	) {}

	/** The loaded model, if any. */
	get engine(): ModelEngine | undefined {
		return this._engine;
	}

	status(params: SidecarStatusNotification.Params): void {
		void this._connection.sendNotification(SidecarStatusNotification.method, params);
	}

	/** `model/load`: replaces the loaded model once the new one has loaded (the old one keeps serving until then). */
	load(params: unknown, token: RpcToken): Promise<ModelLoadRequest.Result> {
		return this._queue.run(async () => {
			const load = validateLoadParams(params);
			this.status({ state: 'loading', message: load.modelDir });
			try {
				const next = await ModelEngine.load(load);
				await this._engine?.dispose();
				this._engine = next;
				this._threads = load.threads ?? 0;
				this._log(`loaded ${next.manifest.id} on ${next.info().executionProvider} in ${next.info().loadMs} ms`);
				this._ready();
				return next.info();
			} catch (e) {
				this.status({ state: 'error', message: (e as Error).message });
				throw e;
			}
		}, token);
	}

	/** `complete`: queued behind the others; a newer request for the same document cancels this one. */
	async complete(raw: unknown, token: RpcToken): Promise<CompleteRequest.Result> {
		const params = validateCompleteParams(raw);
		const loaded = requireEngine(this._engine);
		return this._queue.run(
			async (jobToken) => {
				this.status({ state: 'busy', modelId: loaded.manifest.id });
				try {
					return await loaded.complete(params, jobToken, this._stepStream(params));
				} finally {
					this._ready();
				}
			},
			token,
			params.documentKey,
		);
	}

	async dispose(): Promise<void> {
		await this._engine?.dispose();
		this._engine = undefined;
	}

	private _stepStream(params: CompleteRequest.Params) {
		if (params.streamSteps === false) {
			return undefined;
		}
		return (event: StepEvent, layout?: CompleteStepNotification.Params['layout']): void => {
			void this._connection.sendNotification(CompleteStepNotification.method, { requestId: params.requestId, event, layout });
		};
	}

	private _ready(): void {
		const info = this._engine?.info();
		this.status({ state: 'ready', modelId: this._engine?.manifest.id, executionProvider: info?.executionProvider, threads: this._threads });
	}
}

function validateLoadParams(value: unknown): ModelLoadRequest.Params {
	const params = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
	if (typeof params.modelDir !== 'string' || params.modelDir.length === 0) {
		throw invalidRequest('modelDir must be the path of a model folder');
	}
	const ep = params.executionProvider;
	if (ep !== undefined && !['auto', 'cuda', 'webgpu', 'cpu'].includes(ep as string)) {
		throw invalidRequest('executionProvider must be one of auto, cuda, webgpu, cpu');
	}
	if (params.threads !== undefined && !(Number.isInteger(params.threads) && (params.threads as number) >= 0)) {
		throw invalidRequest('threads must be an integer ≥ 0');
	}
	return params as unknown as ModelLoadRequest.Params;
}

function requireEngine(engine: ModelEngine | undefined): ModelEngine {
	if (!engine) {
		throw new SidecarError(SidecarErrorCodes.modelNotLoaded, 'no model is loaded; call model/load first');
	}
	return engine;
}

/** Runs a handler and converts every failure into a ResponseError (never an unhandled rejection). */
async function guard<T>(log: (line: string) => void, handler: () => Promise<T>): Promise<T> {
	try {
		return await handler();
	} catch (e) {
		if (e instanceof SidecarError) {
			throw new ResponseError(e.code, e.message);
		}
		log(`internal error: ${(e as Error).stack ?? String(e)}`);
		throw new ResponseError(SidecarErrorCodes.internal, `internal error: ${(e as Error).message}`);
	}
}
