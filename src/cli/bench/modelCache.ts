/**
 * Keeps one model loaded in the warm sidecar: `load` of the folder already loaded answers from memory, so the
 * command can read the model's defaults first and the runner can "load" it again for free.
 */
import type { CancellationTokenSource } from 'vscode-jsonrpc/node';
import type { CompleteRequest, CompleteStepNotification, ModelLoadRequest } from '../../protocol/sidecarProtocol';
import type { SidecarProcess } from '../sidecarProcess';
import type { CompletionBackend } from './benchRunner';

/** A CompletionBackend over a SidecarProcess that skips reloading the current model. */
export class ModelCache implements CompletionBackend {
	private _loaded: { key: string; info: ModelLoadRequest.Result } | undefined;

	constructor(private readonly _sidecar: Pick<SidecarProcess, 'load' | 'complete'>) {}

	/** Loads `params.modelDir` unless it is the one loaded with the same settings. */
	async load(params: ModelLoadRequest.Params): Promise<ModelLoadRequest.Result> {
		const key = `${params.modelDir}|${params.executionProvider ?? 'auto'}|${params.threads ?? 0}`;
		if (this._loaded?.key !== key) {
			this._loaded = { key, info: await this._sidecar.load(params) };
		}
		return this._loaded.info;
	}

	/** Runs one completion without step streaming. */
	complete(params: CompleteRequest.Params, _onStep?: undefined, cancel?: CancellationTokenSource): Promise<CompleteRequest.Result> {
		return this._sidecar.complete(params, undefined, cancel);
	}

	/** Runs one completion, handing each streamed step to `onStep`. */
	completeStreamed(params: CompleteRequest.Params, onStep: (step: CompleteStepNotification.Params) => void, cancel?: CancellationTokenSource): Promise<CompleteRequest.Result> {
		return this._sidecar.complete(params, onStep, cancel);
	}
}
