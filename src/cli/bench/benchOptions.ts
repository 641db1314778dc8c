/**
 * Options of `d3llm bench` as commander hands them over, and their checked form: decoder and threshold
 * lists, budgets and limits, decoding overrides and the samples file, with a UsageError (exit 2) naming the
 * option for anything invalid.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DecoderName } from '../../protocol/sidecarProtocol';
import { decoderNames, requestLimits } from '../../protocol/sidecarProtocol';
import { parseIntOption } from '../completeCommand';
import { UsageError } from '../usageError';
import { parseDecodingOverrides, type DecodingOverrides } from './decodingOverrides';
import type { CutMode } from './scoring';

/** Raw options (strings) from commander. */
export interface BenchCliOptions {
	data?: string;
	limit?: string;
	decoders?: string;
	thresholds?: string;
	model?: string;
	arModel?: string;
	decoding?: string;
	samples?: string;
	maxTokens: string;
	cut: string;
	asInserted?: boolean;
	warmup: string;
	testTimeoutMs: string;
	jobs: string;
	ep: string;
	threads: string;
	json?: boolean;
	out?: string;
	latency?: boolean;
	requests: string;
	contextChars: string;
	verbose?: boolean;
}

/** Checked options. */
export interface BenchOptions {
	readonly data?: string;
	readonly limit?: number;
	/** Undefined when --decoders was not given (each mode has its own default). */
	readonly decoders?: readonly DecoderName[];
	/** Undefined when --thresholds was not given: the default sweep plus the model's default threshold. */
	readonly thresholds?: readonly number[];
	readonly model?: string;
	readonly arModel?: string;
	/** `--decoding`: knobs for every request of the main model's rows (not the twin's), also with --latency. */
	readonly decoding?: DecodingOverrides;
	/** `--samples`: JSON Lines file of every finished (row, task). */
	readonly samples?: string;
	readonly maxTokens: number;
	readonly cut: CutMode | 'auto';
	/** `--as-inserted`: score the editor's text (src/cli/editorText.ts) instead of the model's middle. */
	readonly asInserted: boolean;
	readonly warmup: number;
	readonly testTimeoutMs: number;
	readonly jobs: number;
	readonly ep: string;
	readonly threads: number;
	readonly json: boolean;
	readonly out?: string;
	readonly latency: boolean;
	readonly requests: number;
	readonly contextChars: number;
	readonly verbose: boolean;
}

/** The default d3llm threshold sweep (nats). */
export const defaultThresholds: readonly number[] = [0.1, 0.3, 0.5, 0.7, 0.9];

/** Default decoders of the quality benchmark. */
export const defaultBenchDecoders: readonly DecoderName[] = ['ar', 'vanilla', 'fastdllm', 'd3llm'];

/** Checks and converts the raw options. */
export function parseBenchOptions(raw: BenchCliOptions): BenchOptions {
	if (!raw.latency && raw.data === undefined) {
		throw new UsageError('give the tasks with --data FILE.jsonl[.gz] (or run --latency)');
	}
	if (raw.latency && raw.samples !== undefined) {
		throw new UsageError('--samples belongs to the quality benchmark, not --latency');
	}
	return {
		data: raw.data,
		limit: raw.limit === undefined ? undefined : parseIntOption(raw.limit, '--limit', 1, 1_000_000),
		decoders: raw.decoders === undefined ? undefined : parseDecoders(raw.decoders),
		thresholds: raw.thresholds === undefined ? undefined : parseThresholds(raw.thresholds),
		model: raw.model,
		arModel: raw.arModel,
		decoding: raw.decoding === undefined ? undefined : parseDecodingOverrides(raw.decoding),
		samples: raw.samples === undefined ? undefined : checkSamplesPath(raw.samples),
		maxTokens: parseIntOption(raw.maxTokens, '--max-tokens', 1, requestLimits.maxTokensPerRegion),
		cut: parseCut(raw.cut),
		asInserted: raw.asInserted === true,
		warmup: parseIntOption(raw.warmup, '--warmup', 0, 100),
		testTimeoutMs: parseIntOption(raw.testTimeoutMs, '--test-timeout-ms', 100, 600_000),
		jobs: parseIntOption(raw.jobs, '--jobs', 1, 2),
		ep: raw.ep,
		threads: parseIntOption(raw.threads, '--threads', 0, 1024),
		json: raw.json === true,
		out: raw.out,
		latency: raw.latency === true,
		requests: parseIntOption(raw.requests, '--requests', 1, 100_000),
		contextChars: parseIntOption(raw.contextChars, '--context-chars', 16, requestLimits.maxSegmentChars),
		verbose: raw.verbose === true,
	};
}

/** `ar,d3llm` → ['ar', 'd3llm'] (no duplicates, order kept). */
export function parseDecoders(list: string): DecoderName[] {
	const names = list.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
	for (const name of names) {
		if (!decoderNames.includes(name as DecoderName)) {
			throw new UsageError(`--decoders: unknown decoder ${JSON.stringify(name)} (use ${decoderNames.join(', ')})`);
		}
	}
	if (names.length === 0) {
		throw new UsageError('--decoders: give at least one decoder');
	}
	return [...new Set(names)] as DecoderName[];
}

/** `0.1,0.5` → [0.1, 0.5]; each a finite number ≥ 0. */
export function parseThresholds(list: string): number[] {
	const values = list.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
	if (values.length === 0) {
		throw new UsageError('--thresholds: give at least one threshold');
	}
	return values.map((value) => {
		const n = Number(value);
		if (!Number.isFinite(n) || n < 0) {
			throw new UsageError(`--thresholds: ${JSON.stringify(value)} is not a non-negative number`);
		}
		return n;
	});
}

function parseCut(value: string): CutMode | 'auto' {
	if (value !== 'auto' && value !== 'line' && value !== 'none') {
		throw new UsageError(`--cut must be auto, line or none (got ${JSON.stringify(value)})`);
	}
	return value;
}

/** The `--samples` file: its folder must exist, and the path must not be a folder. */
export function checkSamplesPath(file: string): string {
	const dir = path.dirname(path.resolve(file));
	if (!isDirectory(dir)) {
		throw new UsageError(`--samples: folder ${dir} does not exist`);
	}
	if (isDirectory(file)) {
		throw new UsageError(`--samples: ${file} is a folder; give a file name`);
	}
	return file;
}

function isDirectory(file: string): boolean {
	return fs.statSync(file, { throwIfNoEntry: false })?.isDirectory() === true;
}
