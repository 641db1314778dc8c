/**
 * `d3llm complete`: fills one hole between a prefix and a suffix through the real sidecar process, prints
 * the text (or one JSON line with `--json`), with `--alternatives N` up to N other completions, and with
 * `--trace` renders the decoding step by step.
 */
import type { CompleteRequest, DecoderName, DecodingParams } from '../protocol/sidecarProtocol';
import { decoderNames, requestLimits } from '../protocol/sidecarProtocol';
import { defaultModelDir } from './defaultModel';
import { editorText } from './editorText';
import { readTextOption } from './inputText';
import { SidecarProcess } from './sidecarProcess';
import { TraceRenderer } from './traceRenderer';
import { UsageError } from './usageError';

/** Options as commander parses them. */
export interface CompleteOptions {
	model?: string;
	prefix?: string;
	prefixFile?: string;
	suffix?: string;
	suffixFile?: string;
	maxTokens: string;
	decoder?: string;
	threshold?: string;
	blockSize?: string;
	eosLeftmost?: boolean;
	lengthSlack?: string;
	stopAtNewline?: boolean;
	/** False with `--no-token-healing`. */
	tokenHealing?: boolean;
	raw?: boolean;
	ep: string;
	threads: string;
	trace?: boolean;
	json?: boolean;
	repeat: string;
	alternatives?: string;
	verbose?: boolean;
}

/** Runs the command; resolves with the process exit code. */
export async function runComplete(options: CompleteOptions): Promise<number> {
	const params = buildParams(options);
	const sidecar = SidecarProcess.start((text) => options.verbose && process.stderr.write(text));
	try {
		const info = await sidecar.load({ modelDir: options.model ?? defaultModelDir(), executionProvider: options.ep as never, threads: parseInt(options.threads, 10) });
		const trace = options.trace ? new TraceRenderer((l) => process.stderr.write(`${l}\n`), process.stderr.isTTY === true) : undefined;
		const runs: CompleteRequest.Result[] = [];
		for (let i = parseIntOption(options.repeat, '--repeat', 1, 1000); i > 0; i--) {
			runs.push(await sidecar.complete({ ...params, streamSteps: trace !== undefined && i === 1 }, trace && ((p) => trace.onStep(p.event, p.layout))));
		}
		const last = runs[runs.length - 1];
		const text = shownText(last.regions[0].text, params, options.raw === true);
		const shown = { text, alternatives: shownAlternatives(last.alternatives ?? [], text, params, options.raw === true) };
		printResult(withMedianTimes(runs), shown, options, info.executionProvider);
		return 0;
	} finally {
		sidecar.stop();
	}
}

function buildParams(options: CompleteOptions): CompleteRequest.Params {
	const prefix = readTextOption('prefix', options.prefix, options.prefixFile);
	const suffix = readTextOption('suffix', options.suffix, options.suffixFile) ?? '';
	if (prefix === undefined) {
		throw new UsageError('give the text before the hole with --prefix TEXT or --prefix-file F');
	}
	if (prefix.length === 0 && suffix.length === 0) {
		throw new UsageError('the prefix and the suffix are both empty: there is no context to complete');
	}
	return {
		requestId: 'cli-1',
		segments: [prefix, suffix],
		regions: [{ maxTokens: parseIntOption(options.maxTokens, '--max-tokens', 1, requestLimits.maxTokensPerRegion) }],
		decoding: decodingOverrides(options),
		...(options.alternatives === undefined ? {} : { alternatives: parseIntOption(options.alternatives, '--alternatives', 0, requestLimits.maxAlternatives) }),
	};
}

function decodingOverrides(options: CompleteOptions): Partial<DecodingParams> {
	const overrides: { -readonly [K in keyof DecodingParams]?: DecodingParams[K] } = {};
	if (options.decoder !== undefined) {
		if (!decoderNames.includes(options.decoder as DecoderName)) {
			throw new UsageError(`--decoder must be one of ${decoderNames.join(', ')}`);
		}
		overrides.decoder = options.decoder as DecoderName;
	}
	if (options.threshold !== undefined) {
		overrides.threshold = parseFloatOption(options.threshold, '--threshold');
	}
	if (options.eosLeftmost) {
		overrides.eosAtLeftmostOnly = true;
	}
	if (options.stopAtNewline) {
		overrides.stopAtNewline = true;
	}
	if (options.tokenHealing === false) {
		overrides.tokenHealing = false;
	}
	if (options.blockSize !== undefined) {
		overrides.blockSize = parseIntOption(options.blockSize, '--block-size', 1, requestLimits.maxTokensPerRegion);
	}
	if (options.lengthSlack !== undefined) {
		overrides.lengthSlack = parseIntOption(options.lengthSlack, '--length-slack', -1, requestLimits.maxTokensPerRegion);
	}
	return overrides;
}

/** The text as the editor would insert it (`--raw`: the model's middle as is); see editorText.ts. */
function shownText(text: string, params: CompleteRequest.Params, raw: boolean): string {
	return raw ? text : editorText(text, params.segments[0], params.segments[1]);
}

/** The alternatives as shown, without empty ones and without repeats of the shown completion or of each other. */
function shownAlternatives(alternatives: readonly string[], shownCompletion: string, params: CompleteRequest.Params, raw: boolean): string[] {
	const seen = new Set([shownCompletion, '']);
	return alternatives.map((text) => shownText(text, params, raw)).filter((text) => !seen.has(text) && seen.add(text));
}

function printResult(result: CompleteRequest.Result, shown: { text: string; alternatives: string[] }, options: CompleteOptions, ep: string): void {
	const { text, alternatives } = shown;
	if (options.json) {
		const region = result.regions[0];
		const line = {
			text,
			rawText: region.text,
			...(options.alternatives === undefined ? {} : { alternatives }),
			tokens: result.tokens,
			forwards: result.forwards,
			steps: result.steps,
			tpf: round(result.tpf, 3),
			ms: round(result.ms, 2),
			decoder: result.decoder,
			model: result.model,
			executionProvider: ep,
			endedByEos: region.endedByEos,
			truncatedTokens: result.truncatedTokens,
			timing: {
				tokenizeMs: round(result.timing.tokenizeMs, 2),
				forwardMs: round(result.timing.forwardMs, 2),
				decoderMs: round(result.timing.decoderMs, 2),
				stepMs: round(result.timing.stepMs, 2),
				outsideOrtShare: round(result.timing.stepMs > 0 ? 1 - result.timing.forwardMs / result.timing.stepMs : 0, 4),
			},
		};
		process.stdout.write(`${JSON.stringify(line)}\n`);
		return;
	}
	process.stdout.write(text);
	process.stdout.write(process.stdout.isTTY ? '\n' : '');
	alternatives.forEach((alternative, i) => process.stdout.write(`${process.stdout.isTTY ? '' : '\n'}── alternative ${i + 1} ──\n${alternative}${process.stdout.isTTY ? '\n' : ''}`));
	const cut = result.truncatedTokens > 0 ? `, context cut by ${result.truncatedTokens} tokens` : '';
	process.stderr.write(`[${result.decoder}] ${result.tokens} tokens in ${result.forwards} forwards (TPF ${result.tpf.toFixed(2)}), ${result.ms.toFixed(1)} ms on ${ep}${cut}\n`);
}

/** The last run, with its times replaced by the medians over all runs (`--repeat`: later runs are warm). */
function withMedianTimes(runs: CompleteRequest.Result[]): CompleteRequest.Result {
	const last = runs[runs.length - 1];
	const med = (pick: (r: CompleteRequest.Result) => number): number => median(runs.map(pick));
	const timing = {
		tokenizeMs: med((r) => r.timing.tokenizeMs),
		forwardMs: med((r) => r.timing.forwardMs),
		decoderMs: med((r) => r.timing.decoderMs),
		stepMs: med((r) => r.timing.stepMs),
	};
	return { ...last, ms: med((r) => r.ms), timing };
}

function median(values: number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	const mid = sorted.length >> 1;
	return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Parses an integer option within [min, max]. */
export function parseIntOption(value: string, name: string, min: number, max: number): number {
	const n = Number(value);
	if (!Number.isInteger(n) || n < min || n > max) {
		throw new UsageError(`${name} must be an integer from ${min} to ${max} (got ${JSON.stringify(value)})`);
	}
	return n;
}

function parseFloatOption(value: string, name: string): number {
	const n = Number(value);
	if (!Number.isFinite(n) || n < 0) {
		throw new UsageError(`${name} must be a non-negative number (got ${JSON.stringify(value)})`);
	}
	return n;
}

function round(value: number, digits: number): number {
	const f = 10 ** digits;
	return Math.round(value * f) / f;
}
