/**
 * One loaded model and the `complete` pipeline of architecture §3, sidecar half: heal the whitespace before
 * the holes → tokenize the segments, taking back the token the cursor cuts (token healing) → lay out the
 * canvas → run a decoder of src/core over the onnxruntime model → detokenize each region.
 */
import * as fs from 'node:fs';
import type { CancellationToken } from '../common/cancellation';
import type { StepEvent } from '../common/stepEvent';
import type { ModelSpec } from '../core/modelPort';
import type { CompleteRequest, DecodingParams, ExecutionProviderRequest, ModelInfoRequest } from '../protocol/sidecarProtocol';
import { SidecarErrorCodes, requestLimits } from '../protocol/sidecarProtocol';
import { healSegments, restoreRegionText, type HealedSegments } from './boundaryHealing';
import { layoutCanvas, type CanvasLayout } from './contextLayout';
import { runDecoder, type DecodeOutcome, type RunHooks } from './decoderRunner';
import { SidecarError, invalidRequest } from './errors';
import { locateModelFiles, readManifest, type ModelFiles, type ModelManifest } from './modelManifest';
import { OrtDenoiser } from './ortDenoiser';
import { checkGraphNames, openSession, type OpenedSession } from './ortSession';
import { TextTokenizer } from './textTokenizer';
import { backOffLastTokens, textFromCursor, type BackedOff, type HealingVocabulary } from './tokenHealing';

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
		const vocabulary = { pieces: tokenizer.pieces(manifest.vocabSize), specialIds: specialIdsOf(manifest) };
		const lineBreakIds = tokenizer.lineBreakTokenIds(vocabulary.pieces);
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
		const backedOff = this._tokenize(healed, decoding.tokenHealing !== false);
		const layout = layoutCanvas(backedOff.segments, params.regions.map((r) => r.maxTokens), this.manifest);
		let tokenizeMs = performance.now() - tokenizeStart;
		const forwardMsBefore = this._denoiser.forwardMs;
		const deadline = started + (params.timeoutMs ?? requestLimits.defaultTimeoutMs);
		let stepMs = 0;
		const outcome = await runDecoder(this._denoiser, layout, decoding, {
			token,
			deadline,
			lineBreakIds: this._lineBreakIds,
			openings: backedOff.openings,
			onStep: (event, first) => {
				stepMs += event.elapsedMs;
				onStep?.(this._withTexts(event, backedOff.cut), first);
			},
		});
		const detokenizeStart = performance.now();
		const regions = outcome.regions.map((r, i) => this._regionResult(r, healed.moved[i], backedOff.cut[i]));
		tokenizeMs += performance.now() - detokenizeStart;
		const alternatives = params.alternatives
			? await this._alternatives(params.alternatives, { layout, decoding, healed, backedOff, main: outcome, mainText: regions[0].text }, { token, deadline, onStep: (event) => (stepMs += event.elapsedMs) })
			: undefined;
		const ms = performance.now() - started;
		const forwardMs = this._denoiser.forwardMs - forwardMsBefore;
		const tokens = regions.reduce((a, r) => a + r.tokens, 0);
		return {
			requestId: params.requestId,
			regions,
			tokens,
			steps: outcome.steps,
			forwards: outcome.forwards,
			tpf: outcome.forwards > 0 ? tokens / outcome.forwards : 0,
			ms,
			timing: { tokenizeMs, forwardMs, decoderMs: Math.max(0, ms - tokenizeMs - forwardMs), stepMs },
			decoder: decoding.decoder,
			model: this.manifest.id,
			executionProvider: this._opened.provider,
			truncatedTokens: layout.truncatedTokens,
			...(alternatives ? { alternatives } : {}),
		};
	}

	/**
	 * Up to `count` more completions of a one-hole request: the hole decoded again with its first token forced to
	 * each other candidate of the first forward (most likely first), until `count` distinct texts are found.
	 */
	private async _alternatives(count: number, run: AlternativesInput, hooks: Pick<RunHooks, 'token' | 'deadline' | 'onStep'>): Promise<string[]> {
		const texts = [run.mainText];
		const opened = run.main.regions[0].tokens[0];
		for (const id of run.main.openingCandidates[0].filter((candidate) => candidate !== opened)) {
			if (texts.length > count) {
				break;
			}
			const outcome = await this._alternativeDecode(run, id, hooks);
			if (!outcome) {
				break;
			}
			const { text } = this._regionResult(outcome.regions[0], run.healed.moved[0], run.backedOff.cut[0]);
			if (!texts.includes(text)) {
				texts.push(text);
			}
		}
		return texts.slice(1);
	}

	/** One alternative's decode; undefined when the request's time ran out (the completion and earlier alternatives stand). */
	private async _alternativeDecode(run: AlternativesInput, opening: number, hooks: Pick<RunHooks, 'token' | 'deadline' | 'onStep'>): Promise<DecodeOutcome | undefined> {
		try {
			return await runDecoder(this._denoiser, run.layout, run.decoding, { ...hooks, lineBreakIds: this._lineBreakIds, openings: [{ allowed: new Set([opening]), fallback: opening }] });
		} catch (e) {
			if (e instanceof SidecarError && e.code === SidecarErrorCodes.tooLarge && !hooks.token.isCancellationRequested) {
				return undefined;
			}
			throw e;
		}
	}

	/** A hole's text as the caller sees it: the spaces healing moved put back, the cut token's typed part left out. */
	private _regionResult(region: { tokens: readonly number[]; endedByEos: boolean }, moved: string, cut: string) {
		const text = textFromCursor(restoreRegionText(this._tokenizer.decode(region.tokens), moved), cut);
		return { text, tokens: region.tokens.length, endedByEos: region.endedByEos };
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

	/** Tokenizes the segments; with `heal`, the token the cursor cuts is taken back (token healing). */
	private _tokenize(healed: HealedSegments, heal: boolean): BackedOff {
		const segments = healed.segments.map((s) => this._tokenizer.encode(s));
		if (!heal) {
			return { segments, openings: segments.slice(1).map(() => null), cut: segments.slice(1).map(() => '') };
		}
		return backOffLastTokens(segments, healed.segments, healed.moved, this._vocabulary);
	}

	/** Fills in each committed token's text; a healed hole's first token shows only its part past the cursor. */
	private _withTexts(event: StepEvent, cut: readonly string[]): StepEvent {
		for (const c of event.committed) {
			const piece = this._tokenizer.piece(c.tokenId);
			c.text = c.offset === 0 ? textFromCursor(piece, cut[c.region]) : piece;
		}
		return event;
	}
}

/** What `_alternatives` reuses from the main decode of a request. */
interface AlternativesInput {
	readonly layout: CanvasLayout;
	readonly decoding: DecodingParams;
	readonly healed: HealedSegments;
	readonly backedOff: BackedOff;
	readonly main: DecodeOutcome;
	readonly mainText: string;
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
