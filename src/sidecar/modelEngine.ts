/**
 * One loaded model and the `complete` pipeline of architecture §3, sidecar half: heal the whitespace before
 * the holes → tokenize the segments → lay out the canvas → heal the token the cursor cuts → run a decoder of
 * src/core over the onnxruntime model → detokenize each region.
 */
import * as fs from 'node:fs';
import type { CancellationToken } from '../common/cancellation';
import type { StepEvent } from '../common/stepEvent';
import type { ModelSpec } from '../core/modelPort';
import type { CompleteRequest, DecodingParams, ExecutionProviderRequest, ModelInfoRequest } from '../protocol/sidecarProtocol';
import { SidecarErrorCodes, requestLimits } from '../protocol/sidecarProtocol';
import { healSegments, restoreRegionText } from './boundaryHealing';
import { layoutCanvas } from './contextLayout';
import { runDecoder } from './decoderRunner';
import { SidecarError, invalidRequest } from './errors';
import { locateModelFiles, readManifest, type ModelFiles, type ModelManifest } from './modelManifest';
import { OrtDenoiser } from './ortDenoiser';
import { checkGraphNames, openSession, type OpenedSession } from './ortSession';
import { TextTokenizer } from './textTokenizer';
import { backOffLastTokens, chooseHealingTokens, traceWithHealing, type HealedLayout, type HealingVocabulary } from './tokenHealing';

/** Options of `ModelEngine.load`. */
export interface LoadOptions {
	readonly modelDir: string;
	readonly executionProvider?: ExecutionProviderRequest;
	readonly threads?: number;
}

/** Called with each step, texts filled in; `layout` only with the first. */
export type StepListener = (event: StepEvent, layout?: { regionStarts: number[]; budgets: number[] }) => void;

/** A model ready to complete. */
export class ModelEngine {
	private constructor(
		private readonly _files: ModelFiles,
		readonly manifest: ModelManifest,
		private readonly _tokenizer: TextTokenizer,
		private readonly _opened: OpenedSession,
		private readonly _denoiser: OrtDenoiser,
		private readonly _loadMs: number,
		/** Token ids whose text holds a line break, for `decoding.stopAtNewline`. */
		private readonly _lineBreakIds: readonly number[],
		private readonly _vocabulary: HealingVocabulary,
	) {}

	/** Loads and validates a model folder; throws a SidecarError naming what is wrong. */
	static async load(options: LoadOptions): Promise<ModelEngine> {
		const started = performance.now();
		const files = locateModelFiles(options.modelDir);
		const manifest = readManifest(files.manifest);
		const tokenizer = TextTokenizer.load(files.tokenizer, manifest);
		const opened = await openSession(files.onnx, options.executionProvider ?? 'auto', options.threads ?? 0);
		try {
			checkGraphNames(opened.session, manifest.numLayers);
		} catch (e) {
			await opened.session.release();
			throw e;
		}
		const denoiser = new OrtDenoiser(opened.session, toSpec(manifest));
		const lineBreakIds = tokenizer.lineBreakTokenIds(manifest.vocabSize);
		const vocabulary = { piece: (id: number) => tokenizer.piece(id), specialIds: specialIdsOf(manifest) };
		return new ModelEngine(files, manifest, tokenizer, opened, denoiser, performance.now() - started, lineBreakIds, vocabulary);
	}

	/** The `model/info` answer. */
	info(): ModelInfoRequest.Result {
		const m = this.manifest;
		return {
			id: m.id,
			modelDir: this._files.dir,
			executionProvider: this._opened.provider,
			providerAttempts: this._opened.attempts,
			vocabSize: m.vocabSize,
			maxPositions: m.maxPositions,
			numLayers: m.numLayers,
			logitShift: m.logitShift,
			causal: m.causal,
			layout: m.layout,
			decoding: m.decoding,
			loadMs: Math.round(this._loadMs),
		};
	}

	/** Fills the holes of `params` (already validated). */
	async complete(params: CompleteRequest.Params, token: CancellationToken, onStep?: StepListener): Promise<CompleteRequest.Result> {
		const started = performance.now();
		const decoding = this._decodingFor(params.decoding);
		const tokenizeStart = performance.now();
		const healed = healSegments(params.segments, decoding.stopAtNewline === true);
		const forwardMsBefore = this._denoiser.forwardMs;
		const cursorTokens = await this._layoutHealed(healed.segments, healed.moved, params, decoding.tokenHealing !== false);
		const layout = cursorTokens.layout;
		let tokenizeMs = performance.now() - tokenizeStart - (this._denoiser.forwardMs - forwardMsBefore);
		const deadline = started + (params.timeoutMs ?? requestLimits.defaultTimeoutMs);
		let stepMs = 0;
		const outcome = await runDecoder(this._denoiser, layout, decoding, {
			token,
			deadline,
			lineBreakIds: this._lineBreakIds,
			onStep: (event, first) => {
				stepMs += event.elapsedMs;
				onStep?.(...traceWithHealing(cursorTokens, this._withTexts(event), first, this._vocabulary));
			},
		});
		const detokenizeStart = performance.now();
		const regions = outcome.regions.map((r, i) => ({
			text: this._regionText(r.tokens, cursorTokens, i, healed.moved[i]),
			tokens: r.tokens.length + (cursorTokens.cut[i] !== '' && cursorTokens.chosen[i] !== cursorTokens.removed[i] ? 1 : 0),
			endedByEos: r.endedByEos,
		}));
		tokenizeMs += performance.now() - detokenizeStart;
		const ms = performance.now() - started;
		const forwardMs = this._denoiser.forwardMs - forwardMsBefore;
		const tokens = regions.reduce((a, r) => a + r.tokens, 0);
		return {
			requestId: params.requestId,
			regions,
			tokens,
			steps: outcome.steps,
			forwards: outcome.forwards + cursorTokens.forwards,
			tpf: outcome.forwards + cursorTokens.forwards > 0 ? tokens / (outcome.forwards + cursorTokens.forwards) : 0,
			ms,
			timing: { tokenizeMs, forwardMs, decoderMs: Math.max(0, ms - tokenizeMs - forwardMs), stepMs },
			decoder: decoding.decoder,
			model: this.manifest.id,
			executionProvider: this._opened.provider,
			truncatedTokens: layout.truncatedTokens,
		};
	}

	/** Releases the onnxruntime session. */
	async dispose(): Promise<void> {
		await this._opened.session.release();
	}

	/** Size in bytes of model.onnx (for status reports). */
	modelBytes(): number {
		return fs.statSync(this._files.onnx).size;
	}

	private _decodingFor(overrides: Partial<DecodingParams> | undefined): DecodingParams {
		const decoding = { ...this.manifest.decoding, ...(overrides ?? {}) };
		if (this.manifest.causal && decoding.decoder !== 'ar') {
			if (overrides?.decoder !== undefined) {
				throw invalidRequest(`this model is autoregressive (causal); it runs the "ar" decoder only, not "${decoding.decoder}"`);
			}
			return { ...decoding, decoder: 'ar' };
		}
		return decoding;
	}

	/** Tokenizes and lays out the segments; with `heal`, the token the cursor cuts is re-chosen (one forward). */
	private async _layoutHealed(texts: string[], moved: string[], params: CompleteRequest.Params, heal: boolean): Promise<HealedLayout> {
		const segments = texts.map((s) => this._tokenizer.encode(s));
		const budgets = params.regions.map((r) => r.maxTokens);
		const backedOff = heal ? backOffLastTokens(segments, texts, moved, budgets, this._vocabulary) : { segments, removed: budgets.map(() => -1) };
		const layout = layoutCanvas(backedOff.segments, budgets, this.manifest);
		return chooseHealingTokens(this._denoiser, layout, backedOff.removed, this._vocabulary);
	}

	/** A hole's text from the caller's cursor: a healing token is decoded with the middle, less the text it re-wrote. */
	private _regionText(middle: number[], healing: HealedLayout, hole: number, moved: string): string {
		if (healing.cut[hole] === '') {
			return restoreRegionText(this._tokenizer.decode(middle), moved);
		}
		return this._tokenizer.decode([healing.chosen[hole], ...middle]).slice(healing.cut[hole].length);
	}

	private _withTexts(event: StepEvent): StepEvent {
		for (const c of event.committed) {
			c.text = this._tokenizer.piece(c.tokenId);
		}
		return event;
	}
}

function specialIdsOf(m: ModelManifest): Set<number> {
	return new Set(Object.values(m.specialTokens).filter((id): id is number => typeof id === 'number'));
}

function toSpec(m: ModelManifest): ModelSpec {
	return {
		numLayers: m.numLayers,
		numKvHeads: m.numKvHeads,
		headDim: m.headDim,
		vocabSize: m.vocabSize,
		maxPositions: m.maxPositions,
		topK: m.topK,
		logitShift: m.logitShift,
		causal: m.causal,
		maskId: m.specialTokens.mask,
		eosId: m.specialTokens.eos,
		padId: m.specialTokens.pad,
	};
}

/** True when `e` is a cancellation reported by the engine. */
export function isCancellation(e: unknown): boolean {
	return e instanceof SidecarError && e.code === SidecarErrorCodes.cancelled;
}
