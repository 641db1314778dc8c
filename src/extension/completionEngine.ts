/**
 * The inline-completion pipeline without VS Code (architecture §3): cache (with typed-through reuse and
 * adoption of a request still in flight) → debounce → line policy → `complete` → post-process → parse
 * check → cache → speculative request for the state after acceptance. An explicit request also asks the
 * model for alternatives to cycle through. The provider adapts VS Code to it.
 */
import { ResponseError, type CancellationToken } from 'vscode-jsonrpc';
import type { DecodingParams } from '../protocol/sidecarProtocol';
import { SidecarErrorCodes } from '../protocol/sidecarProtocol';
import type { Clock } from './clock';
import { CompletionCache, type CachedCompletion } from './completionCache';
import type { CompleteFn } from './decodeRouter';
import { debounce } from './debounce';
import { InflightRequest } from './inflight';
import { decideLinePolicy, type MultilineSetting, type SyntaxFacts } from '../common/linePolicy';
import { postProcess } from '../common/postProcess';
import { lastLine } from '../common/suffixRepeats';
import { keepParsable, type ErrorCounter } from './syntaxCheck';

/** The hot settings the pipeline reads on every request. */
export interface CompletionSettings {
	readonly debounceMs: number;
	readonly multiline: MultilineSetting;
	/** Token budget of a multi-line completion (single-line uses at most `singleLineTokens`). */
	readonly maxTokens: number;
	readonly speculative: boolean;
	readonly syntaxCheck: boolean;
	readonly dropRepetition: boolean;
	readonly timeoutMs: number;
	readonly decoding: Partial<DecodingParams>;
}

/** One provider call, reduced to text. */
export interface InlineRequest {
	/** Document identity (URI); also the sidecar's `documentKey`. */
	readonly scope: string;
	readonly languageId: string;
	readonly prefix: string;
	readonly suffix: string;
	readonly lineBefore: string;
	readonly lineAfter: string;
	/** Explicit trigger: no debounce. */
	readonly invoked: boolean;
	readonly label: string;
}

/** Syntax knowledge per language (tree-sitter); every method may answer undefined (no grammar yet). */
export interface SyntaxOracle {
	facts(languageId: string, prefix: string, suffix: string): SyntaxFacts | undefined;
	errorCounter(languageId: string): ErrorCounter | undefined;
}

/** What the engine is built from. */
export interface InlineEngineDeps {
	readonly complete: CompleteFn;
	readonly clock: Clock;
	readonly settings: () => CompletionSettings;
	readonly syntax?: SyntaxOracle;
	readonly log?: (message: string) => void;
}

/** Single-line completions need few tokens; a diffusion model fills the whole budget in parallel. */
export const singleLineTokens = 24;
/** Other completions an explicit request (Alt+\, or cycling with Alt+] when one is shown) asks the model for. */
export const invokedAlternatives = 2;
/** How long an abandoned request may wait to be adopted by the next keystroke before it is cancelled. */
const adoptGraceMs = 150;
const maxAdoptChars = 128;

/** Inline completion without VS Code. */
export class InlineCompletionEngine {
	readonly cache = new CompletionCache();
	private readonly _inflight = new Set<InflightRequest<void>>();
	/** Model calls made (for tests and the log). */
	modelCalls = 0;

	constructor(private readonly _deps: InlineEngineDeps) {}

	/** The completion for `request`, or undefined (cancelled, rejected, nothing useful). */
	async provide(request: InlineRequest, token: CancellationToken): Promise<CachedCompletion | undefined> {
		const completion = await this._provide(request, token);
		if (completion && this._deps.settings().speculative) {
			this._speculate(request, completion.text);
		}
		return completion;
	}

	private async _provide(request: InlineRequest, token: CancellationToken): Promise<CachedCompletion | undefined> {
		const cached = this._lookup(request);
		if (cached) {
			return cached;
		}
		const adoptable = request.invoked ? undefined : this._adoptable(request);
		if (adoptable) {
			this._deps.log?.(`adopting the request in flight (${request.prefix.length - adoptable.prefix.length} chars typed)`);
			await adoptable.wait(token);
			return token.isCancellationRequested ? undefined : this._lookup(request);
		}
		this.cancelAll();
		if (!request.invoked && !(await debounce(this._deps.settings().debounceMs, token, this._deps.clock))) {
			return undefined;
		}
		const landed = this._lookup(request);
		if (landed) {
			return landed;
		}
		await this._start(request, false).wait(token);
		return token.isCancellationRequested ? undefined : this._lookup(request);
	}

	/** Cancels every request in flight, speculative ones included. */
	cancelAll(): void {
		for (const request of this._inflight) {
			request.cancel();
		}
		this._inflight.clear();
	}

	/** The cached completion; an explicit request takes only one that has the model's alternatives. */
	private _lookup(request: InlineRequest): CachedCompletion | undefined {
		const cached = this.cache.lookup(request.scope, request.prefix, request.suffix);
		return cached && (!request.invoked || cached.sampled) ? cached : undefined;
	}

	private _adoptable(request: InlineRequest): InflightRequest<void> | undefined {
		return [...this._inflight].find((r) => !r.settled && r.canServe(request.scope, request.prefix, request.suffix, maxAdoptChars));
	}

	private _start(request: InlineRequest, speculative: boolean): InflightRequest<void> {
		const inflight = new InflightRequest<void>(request.scope, request.prefix, request.suffix, (token) => this._run(request, speculative, token), this._deps.clock, adoptGraceMs);
		this._inflight.add(inflight);
		inflight.promise.then(() => this._inflight.delete(inflight));
		return inflight;
	}

	private async _run(request: InlineRequest, speculative: boolean, token: CancellationToken): Promise<void> {
		const settings = this._deps.settings();
		const policy = decideLinePolicy({
			setting: settings.multiline,
			lineBefore: request.lineBefore,
			lineAfter: request.lineAfter,
			syntax: this._deps.syntax?.facts(request.languageId, request.prefix, request.suffix),
		});
		const maxTokens = policy === 'single' ? Math.min(singleLineTokens, settings.maxTokens) : settings.maxTokens;
		const params = {
			documentKey: speculative ? `${request.scope}#speculative` : request.scope,
			segments: [request.prefix, request.suffix],
			regions: [{ maxTokens }],
			decoding: decodingFor(policy, settings.decoding),
			timeoutMs: settings.timeoutMs,
			...(request.invoked && !speculative ? { alternatives: invokedAlternatives } : {}),
		};
		try {
			this.modelCalls++;
			const result = await this._deps.complete(params, token, { source: 'inline', label: request.label, speculative });
			this._accept(request, policy, [result.regions[0]?.text ?? '', ...(result.alternatives ?? [])], settings);
		} catch (error) {
			if (!isCancellation(error, token)) {
				this._deps.log?.(`inline completion failed: ${(error as Error).message ?? error}`);
			}
		}
	}

	/**
	 * Caches what survives post-processing of the model's texts (the completion, then its alternatives): the first
	 * as the completion, the others and the first line of a multi-line one as alternatives.
	 */
	private _accept(request: InlineRequest, policy: 'single' | 'multi', raws: readonly string[], settings: CompletionSettings): void {
		const texts = [...new Set(raws.map((raw) => this._finish(request, policy, raw, settings)).filter((t): t is string => t !== undefined))];
		if (texts.length === 0) {
			this._deps.log?.(`completion rejected by post-processing: ${JSON.stringify(raws[0].slice(0, 80))}`);
			return;
		}
		const [text, ...others] = texts;
		const lines = text.split('\n');
		const alternatives = lines.length > 1 && !others.includes(lines[0]) ? [...others, lines[0]] : others;
		this.cache.store(request.scope, request.prefix, request.suffix, { text, alternatives, ...(request.invoked ? { sampled: true as const } : {}) });
	}

	/** One model text as the editor shows it (post-processing and parse check), or undefined. */
	private _finish(request: InlineRequest, policy: 'single' | 'multi', raw: string, settings: CompletionSettings): string | undefined {
		const text = postProcess({ text: raw, policy, lineBefore: request.lineBefore, lineAfter: request.lineAfter, suffix: request.suffix, dropRepetition: settings.dropRepetition });
		const counter = settings.syntaxCheck ? this._deps.syntax?.errorCounter(request.languageId) : undefined;
		return text !== undefined && counter ? keepParsable(text, request.prefix, request.suffix, counter) : text;
	}

	/** Precomputes the completion for the state after `text` is accepted (llama.vscode's speculative FIM). */
	private _speculate(request: InlineRequest, text: string): void {
		const lineBefore = lastLine(request.lineBefore + text);
		const next: InlineRequest = { ...request, prefix: request.prefix + text, lineBefore, invoked: false };
		if (!this._lookup(next) && !this._adoptable(next)) {
			this._start(next, true);
		}
	}
}

/** A single-line completion keeps only the first line, so the sidecar may stop at the first line break. */
export function decodingFor(policy: 'single' | 'multi', decoding: Partial<DecodingParams>): Partial<DecodingParams> {
	return policy === 'single' ? { ...decoding, stopAtNewline: true } : decoding;
}

/** True when `error` is the result of cancelling `token` (or a sidecar-side cancellation). */
export function isCancellation(error: unknown, token: CancellationToken): boolean {
	return token.isCancellationRequested || (error instanceof ResponseError && error.code === SidecarErrorCodes.cancelled);
}
