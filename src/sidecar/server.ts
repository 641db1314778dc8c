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
	const queue = new SerialQueue();
	let engine: ModelEngine | undefined;
	let threads = 0;
	const status = (params: SidecarStatusNotification.Params): void => {
		void connection.sendNotification(SidecarStatusNotification.method, params);
	};
	const ready = (): void =>
		status({ state: 'ready', modelId: engine?.manifest.id, executionProvider: engine?.info().executionProvider, threads });

	connection.onRequest(ModelLoadRequest.method, (params: ModelLoadRequest.Params, token: RpcToken) =>
		guard(log, () =>
			queue.run(async () => {
				const load = validateLoadParams(params);
				status({ state: 'loading', message: load.modelDir });
				try {
					const next = await ModelEngine.load(load);
					await engine?.dispose();
					engine = next;
					threads = load.threads ?? 0;
					log(`loaded ${next.manifest.id} on ${next.info().executionProvider} in ${next.info().loadMs} ms`);
					ready();
					return next.info();
				} catch (e) {
					status({ state: 'error', message: (e as Error).message });
					throw e;
				}
			}, token),
		),
	);

	connection.onRequest(ModelInfoRequest.method, () => guard(log, async () => requireEngine(engine).info()));

	connection.onRequest(CompleteRequest.method, (raw: unknown, token: RpcToken) =>
		guard(log, async () => {
			const params = validateCompleteParams(raw);
			const loaded = requireEngine(engine);
			return queue.run(
				async (jobToken) => {
					status({ state: 'busy', modelId: loaded.manifest.id });
					try {
						const stream = params.streamSteps === false ? undefined : (event: StepEvent, layout?: CompleteStepNotification.Params['layout']): void => {
							void connection.sendNotification(CompleteStepNotification.method, { requestId: params.requestId, event, layout });
						};
						return await loaded.complete(params, jobToken, stream);
					} finally {
						ready();
					}
				},
				token,
				params.documentKey,
			);
		}),
	);

	status({ state: 'starting' });
	return async () => {
		await engine?.dispose();
		engine = undefined;
	};
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
