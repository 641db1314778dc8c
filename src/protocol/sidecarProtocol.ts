/**
 * The host ↔ sidecar JSON-RPC contract (architecture §6), in vscode-eslint's `namespace X { method; Params;
 * Result }` form and free of any dependency, so the extension host, the sidecar and the CLI share one
 * definition. Transport: vscode-jsonrpc over Node IPC. Only plain DTOs cross.
 */
import type { StepEvent } from '../common/stepEvent';

import type { DecoderName, DecodingParams } from '../common/decodingParams';

export { decoderNames } from '../common/decodingParams';
export type { DecoderName, DecodingParams };

/** Execution provider requested (`auto` tries cuda, then webgpu, then cpu) and the one in use. */
export type ExecutionProviderRequest = 'auto' | 'cuda' | 'webgpu' | 'cpu';
export type ExecutionProvider = 'cuda' | 'webgpu' | 'cpu';

/** Application error codes of the sidecar (JSON-RPC reserves −32768..−32000). */
export namespace SidecarErrorCodes {
	export const modelNotLoaded = 1001;
	export const modelInvalid = 1002;
	export const invalidRequest = 1003;
	export const tooLarge = 1004;
	export const cancelled = -32800; // LSP's RequestCancelled, which vscode-jsonrpc clients understand
	export const internal = 1099;
}

/** Host → sidecar: load (or replace) the model in `modelDir`; resolves when ready. */
export namespace ModelLoadRequest {
	export const method = 'model/load';
	export interface Params {
		readonly modelDir: string;
		readonly executionProvider?: ExecutionProviderRequest;
		/** Intra-op threads for onnxruntime (0 = its default). */
		readonly threads?: number;
	}
	export type Result = ModelInfoRequest.Result;
}

/** Host → sidecar: describe the loaded model. */
export namespace ModelInfoRequest {
	export const method = 'model/info';
	export interface Result {
		readonly id: string;
		readonly modelDir: string;
		readonly executionProvider: ExecutionProvider;
		/** Providers tried and why each one failed, in order (for `auto`). */
		readonly providerAttempts: ReadonlyArray<{ readonly provider: ExecutionProvider; readonly error?: string }>;
		readonly vocabSize: number;
		readonly maxPositions: number;
		readonly numLayers: number;
		readonly logitShift: boolean;
		readonly causal: boolean;
		readonly layout: 'canvas' | 'psm';
		/** Default decoding parameters from model.json. */
		readonly decoding: DecodingParams;
		readonly loadMs: number;
	}
}

/** One hole to fill: the text before it is the previous segment. */
export interface CompletionRegion {
	/** Token budget of this hole. */
	readonly maxTokens: number;
}

/**
 * Host → sidecar: fill k ≥ 1 holes. `segments` has k + 1 texts: `segments[0] ‖ hole₀ ‖ segments[1] ‖ … ‖
 * hole_{k−1} ‖ segments[k]`. Inline completion is k = 1 with segments [prefix, suffix]. Streams
 * `complete/step` notifications carrying the same `requestId`; honours `$/cancelRequest` between steps.
 */
export namespace CompleteRequest {
	export const method = 'complete';
	export interface Params {
		/** Caller-chosen id echoed in step notifications. */
		readonly requestId: string;
		/** A newer request with the same key cancels the older one (e.g. the document URI). */
		readonly documentKey?: string;
		readonly segments: readonly string[];
		readonly regions: readonly CompletionRegion[];
		readonly decoding?: Partial<DecodingParams>;
		/** Stream step events (default true). */
		readonly streamSteps?: boolean;
		/** Wall-time limit for the whole request (ms). */
		readonly timeoutMs?: number;
		/**
		 * One-hole requests: up to this many more completions (0–`maxAlternatives`, default 0), each decoded
		 * again with the hole opening on another of the model's most likely first tokens (for cycling).
		 */
		readonly alternatives?: number;
	}
	export interface RegionResult {
		readonly text: string;
		readonly tokens: number;
		/** True when the model ended the middle with end-of-middle before the budget. */
		readonly endedByEos: boolean;
	}
	export interface Result {
		readonly requestId: string;
		readonly regions: readonly RegionResult[];
		/** Total generated tokens (before EOS) over all regions. */
		readonly tokens: number;
		readonly steps: number;
		readonly forwards: number;
		/** Tokens per forward. */
		readonly tpf: number;
		readonly ms: number;
		/**
		 * Time split, ms: tokenize (and detokenize), model forwards (inside onnxruntime), decoder bookkeeping
		 * (everything else in the sidecar); `stepMs` is the summed wall time of the denoising steps, of which
		 * `forwardMs` was spent in onnxruntime.
		 */
		readonly timing: { readonly tokenizeMs: number; readonly forwardMs: number; readonly decoderMs: number; readonly stepMs: number };
		readonly decoder: DecoderName;
		readonly model: string;
		readonly executionProvider: ExecutionProvider;
		/** Context tokens dropped at the far ends to fit the model's positions (0 when nothing was cut). */
		readonly truncatedTokens: number;
		/**
		 * With `alternatives`: the other completions of the hole, most likely opening first, none equal to
		 * `regions[0].text` or to each other (fewer when the model had fewer distinct openings). Their decodes
		 * count in `ms` and `timing`, not in `tokens`, `steps`, `forwards` or `tpf`, which describe `regions`.
		 */
		readonly alternatives?: readonly string[];
	}
}

/** Sidecar → host: one denoising step of request `requestId` (texts filled in). */
export namespace CompleteStepNotification {
	export const method = 'complete/step';
	export interface Params {
		readonly requestId: string;
		readonly event: StepEvent;
		/** Canvas layout, sent with step 1 only: region start positions and budgets. */
		readonly layout?: { readonly regionStarts: readonly number[]; readonly budgets: readonly number[] };
	}
}

/** Sidecar → host: lifecycle and health, pushed on every change. */
export namespace SidecarStatusNotification {
	export const method = 'sidecar/status';
	export type State = 'starting' | 'loading' | 'ready' | 'busy' | 'error';
	export interface Params {
		readonly state: State;
		readonly modelId?: string;
		readonly executionProvider?: ExecutionProvider;
		readonly threads?: number;
		readonly message?: string;
	}
}

/** Hard limits on requests; larger inputs get a `tooLarge` error. */
export const requestLimits = Object.freeze({
	maxRegions: 16,
	maxTokensPerRegion: 512,
	maxAlternatives: 3,
	maxTotalTokens: 1024,
	maxSegmentChars: 200_000,
	defaultTimeoutMs: 60_000,
});
