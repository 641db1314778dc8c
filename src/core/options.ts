/**
 * Decoder options and their validation: the `DecodingParams` knobs of the protocol (reference §1.2 table,
 * §2 baselines) plus core-only switches (`literal`, `useCache`, `maxSteps`, …).
 */
import type { ModelSpec } from './modelPort';
import type { OpeningRule } from './openingTokens';
import { canvasLength, type CanvasInput } from './canvas';
import { decoderNames, type DecoderName, type DecodingParams } from '../common/decodingParams';

export type { DecoderName };

/** Every knob of a decode, fully resolved: the shared `DecodingParams` plus core-only switches. */
export interface ResolvedDecodeOptions extends DecodingParams {
	/** See `restrictEosToLeftmost` (src/core/eosPolicy.ts). */
	readonly eosAtLeftmostOnly: boolean;
	/** See `capRegionLengths` (src/core/lengthCap.ts); −1 = off. */
	readonly lengthSlack: number;
	/** Reproduce the reference code's quirks Q1, Q2, K1 and the Dream cache scan (K3) for parity tests. */
	readonly literal: boolean;
	/** False (or `cacheDelay ≥ 10000`) runs a full forward every step. */
	readonly useCache: boolean;
	/** First decoded EOS of a region fills the rest of it with EOS and ends it (reference §1.5). */
	readonly earlyStop: boolean;
	/**
	 * A region whose positions up to and including one of these ids are all decoded ends there: the masks
	 * after it are filled with EOS like after an EOS (see src/core/eosRule.ts). Empty = off.
	 */
	readonly stopTokenIds: readonly number[];
	/** Safety guard; 0 = automatic (2 × masks + 2). */
	readonly maxSteps: number;
	/** `vanilla`: tokens committed per region per step. */
	readonly tokensPerStep: number;
	/** `fastdllm`: accept every masked token of the current block whose confidence is ≥ this. */
	readonly confidenceThreshold: number;
	/** Per region (null = free): the tokens its first position may take, for token healing (src/core/openingTokens.ts). */
	readonly openings: readonly (OpeningRule | null)[];
}

/** Options a caller may pass; missing fields take `defaultDecodeOptions`. */
export type DecodeOptions = Partial<ResolvedDecodeOptions>;

/** The coder evaluation settings (reference §0) with the small-model cache delay of docs/model-contract.md. */
export const defaultDecodeOptions: ResolvedDecodeOptions = Object.freeze({
	decoder: 'd3llm',
	threshold: 0.5,
	blockSize: 32,
	blockAddThreshold: 0.1,
	fullActivationThreshold: 0.95,
	cacheDelay: 1,
	refreshInterval: 0,
	eosAtLeftmostOnly: false,
	lengthSlack: -1,
	literal: false,
	useCache: true,
	earlyStop: true,
	stopTokenIds: Object.freeze([]) as readonly number[],
	maxSteps: 0,
	tokensPerStep: 1,
	confidenceThreshold: 0.9,
	openings: Object.freeze([]) as readonly (OpeningRule | null)[],
});

/** Cache delays at or above this turn the KV cache off, as in the reference code. */
export const noCacheDelay = 10000;


/** Fills defaults and throws an `Error` naming the first invalid option. */
export function resolveDecodeOptions(options: DecodeOptions = {}): ResolvedDecodeOptions {
	const defined = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
	const resolved: ResolvedDecodeOptions = { ...defaultDecodeOptions, ...defined };
	check(decoderNames.includes(resolved.decoder), `decoder must be one of ${decoderNames.join(', ')}, got '${resolved.decoder}'`);
	check(isFiniteAtLeast(resolved.threshold, 0), `threshold must be a finite number ≥ 0, got ${resolved.threshold}`);
	check(typeof resolved.eosAtLeftmostOnly === 'boolean', `eosAtLeftmostOnly must be true or false, got ${resolved.eosAtLeftmostOnly}`);
	check(isIntegerAtLeast(resolved.lengthSlack, -1), `lengthSlack must be an integer ≥ 0, or −1 for off, got ${resolved.lengthSlack}`);
	check(isIntegerAtLeast(resolved.blockSize, 1), `blockSize must be an integer ≥ 1, got ${resolved.blockSize}`);
	check(isFraction(resolved.blockAddThreshold), `blockAddThreshold must be in [0, 1], got ${resolved.blockAddThreshold}`);
	check(isFraction(resolved.fullActivationThreshold), `fullActivationThreshold must be in [0, 1], got ${resolved.fullActivationThreshold}`);
	check(isIntegerAtLeast(resolved.cacheDelay, 0), `cacheDelay must be an integer ≥ 0, got ${resolved.cacheDelay}`);
	check(isIntegerAtLeast(resolved.refreshInterval, 0), `refreshInterval must be an integer ≥ 0, got ${resolved.refreshInterval}`);
	check(Array.isArray(resolved.stopTokenIds) && resolved.stopTokenIds.every((id) => isIntegerAtLeast(id, 0)), 'stopTokenIds must be an array of integers ≥ 0');
	check(isIntegerAtLeast(resolved.maxSteps, 0), `maxSteps must be an integer ≥ 0, got ${resolved.maxSteps}`);
	check(isIntegerAtLeast(resolved.tokensPerStep, 1), `tokensPerStep must be an integer ≥ 1, got ${resolved.tokensPerStep}`);
	check(isFraction(resolved.confidenceThreshold), `confidenceThreshold must be in [0, 1], got ${resolved.confidenceThreshold}`);
	check(Array.isArray(resolved.openings) && resolved.openings.every((r) => r === null || r.allowed instanceof Set), 'openings must be an array of null or { allowed: Set, fallback }');
	return resolved;
}

/** True when the options ask for a KV cache. */
export function cacheEnabled(options: ResolvedDecodeOptions): boolean {
	return options.useCache && options.cacheDelay < noCacheDelay;
}

/** Throws an `Error` naming the first problem of a canvas input for this model. */
export function validateCanvasInput(input: CanvasInput, spec: ModelSpec): void {
	check(Array.isArray(input.segments) && Array.isArray(input.budgets), 'segments and budgets must be arrays');
	check(input.budgets.length >= 1, 'at least one mask region (budget) is required');
	check(input.segments.length === input.budgets.length + 1, `segments.length must be budgets.length + 1 (${input.budgets.length + 1}), got ${input.segments.length}`);
	input.budgets.forEach((budget, i) => check(isIntegerAtLeast(budget, 1), `budget ${i} must be an integer ≥ 1, got ${budget}`));
	input.segments.forEach((segment, i) => segment.forEach((id) => checkKnownToken(id, i, spec)));
	const length = canvasLength(input);
	check(length <= spec.maxPositions, `canvas length ${length} exceeds the model's maxPositions ${spec.maxPositions}`);
}

function checkKnownToken(id: number, segment: number, spec: ModelSpec): void {
	check(Number.isInteger(id) && id >= 0 && id < spec.vocabSize, `segment ${segment} holds token id ${id} outside [0, ${spec.vocabSize})`);
	check(id !== spec.maskId, `segment ${segment} holds the mask id ${id}; known text may not contain masks`);
}

function check(condition: boolean, message: string): void {
	if (!condition) {
		throw new Error(message);
	}
}

function isFiniteAtLeast(value: number, min: number): boolean {
	return typeof value === 'number' && Number.isFinite(value) && value >= min;
}

function isIntegerAtLeast(value: number, min: number): boolean {
	return Number.isInteger(value) && value >= min;
}

function isFraction(value: number): boolean {
	return isFiniteAtLeast(value, 0) && value <= 1;
}
