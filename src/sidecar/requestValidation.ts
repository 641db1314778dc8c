/**
 * Validates `complete` parameters that arrive over JSON-RPC (untrusted JSON): shapes, budgets and limits
 * (architecture §6 "Inputs are bounded"). Every failure names the field and the rule it broke.
 */
import type { CompleteRequest, DecodingParams } from '../protocol/sidecarProtocol';
import { decoderNames, requestLimits } from '../protocol/sidecarProtocol';
import { invalidRequest, tooLarge } from './errors';

/** Returns the params typed, or throws a SidecarError. */
export function validateCompleteParams(value: unknown): CompleteRequest.Params {
	const params = asObject(value, 'params');
	if (typeof params.requestId !== 'string' || params.requestId.length === 0) {
		throw invalidRequest('requestId must be a non-empty string');
	}
	const regions = validateRegions(params.regions);
	validateSegments(params.segments, regions.length);
	validateDecoding(params.decoding);
	validateTimeout(params.timeoutMs);
	validateAlternatives(params.alternatives, regions.length);
	return params as unknown as CompleteRequest.Params;
}

function validateRegions(value: unknown): Array<{ maxTokens: number }> {
	if (!Array.isArray(value) || value.length === 0) {
		throw invalidRequest('regions must be a non-empty array (one entry per hole)');
	}
	if (value.length > requestLimits.maxRegions) {
		throw tooLarge(`at most ${requestLimits.maxRegions} holes per request (got ${value.length})`);
	}
	let total = 0;
	value.forEach((region, i) => {
		const maxTokens = asObject(region, `regions[${i}]`).maxTokens;
		if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens) || maxTokens < 1) {
			throw invalidRequest(`regions[${i}].maxTokens must be an integer ≥ 1 (got ${JSON.stringify(maxTokens)})`);
		}
		if (maxTokens > requestLimits.maxTokensPerRegion) {
			throw tooLarge(`regions[${i}].maxTokens is ${maxTokens}; the limit is ${requestLimits.maxTokensPerRegion}`);
		}
		total += maxTokens;
	});
	if (total > requestLimits.maxTotalTokens) {
		throw tooLarge(`the holes ask for ${total} tokens in all; the limit is ${requestLimits.maxTotalTokens}`);
	}
	return value as Array<{ maxTokens: number }>;
}

function validateSegments(value: unknown, regionCount: number): void {
	if (!Array.isArray(value) || value.length !== regionCount + 1) {
		throw invalidRequest(`segments must be an array of ${regionCount + 1} strings (one more than the holes)`);
	}
	value.forEach((segment, i) => {
		if (typeof segment !== 'string') {
			throw invalidRequest(`segments[${i}] must be a string`);
		}
		if (segment.length > requestLimits.maxSegmentChars) {
			throw tooLarge(`segments[${i}] has ${segment.length} characters; the limit is ${requestLimits.maxSegmentChars}`);
		}
	});
	if ((value as string[]).every((s) => s.length === 0)) {
		throw invalidRequest('the prefix and the suffix are both empty: there is no context to complete');
	}
}

const numericRules: Record<string, { min: number; max: number; integer: boolean }> = {
	threshold: { min: 0, max: 100, integer: false },
	blockSize: { min: 1, max: requestLimits.maxTokensPerRegion, integer: true },
	blockAddThreshold: { min: 0, max: 1, integer: false },
	fullActivationThreshold: { min: 0, max: 1, integer: false },
	cacheDelay: { min: 0, max: 1_000_000, integer: true },
	refreshInterval: { min: 0, max: 1_000_000, integer: true },
	lengthSlack: { min: -1, max: requestLimits.maxTokensPerRegion, integer: true },
};

/** Checks decoding overrides (of a request, or the defaults of a model.json); throws invalidRequest. */
export function validateDecoding(value: unknown): void {
	if (value === undefined) {
		return;
	}
	const decoding = asObject(value, 'decoding') as Partial<Record<keyof DecodingParams, unknown>>;
	if (decoding.decoder !== undefined && !decoderNames.includes(decoding.decoder as never)) {
		throw invalidRequest(`decoding.decoder must be one of ${decoderNames.join(', ')} (got ${JSON.stringify(decoding.decoder)})`);
	}
	for (const flag of ['eosAtLeftmostOnly', 'stopAtNewline', 'tokenHealing'] as const) {
		if (decoding[flag] !== undefined && typeof decoding[flag] !== 'boolean') {
			throw invalidRequest(`decoding.${flag} must be true or false`);
		}
	}
	for (const [name, rule] of Object.entries(numericRules)) {
		checkNumber((decoding as Record<string, unknown>)[name], `decoding.${name}`, rule);
	}
}

function checkNumber(value: unknown, name: string, rule: { min: number; max: number; integer: boolean }): void {
	if (value === undefined) {
		return;
	}
	const ok = typeof value === 'number' && Number.isFinite(value) && (!rule.integer || Number.isInteger(value));
	if (!ok || (value as number) < rule.min || (value as number) > rule.max) {
		const kind = rule.integer ? 'an integer' : 'a number';
		throw invalidRequest(`${name} must be ${kind} in [${rule.min}, ${rule.max}] (got ${JSON.stringify(value)})`);
	}
}

function validateTimeout(value: unknown): void {
	if (value !== undefined && (typeof value !== 'number' || !(value > 0))) {
		throw invalidRequest('timeoutMs must be a positive number of milliseconds');
	}
}

function validateAlternatives(value: unknown, regionCount: number): void {
	if (value === undefined || value === 0) {
		return;
	}
	if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > requestLimits.maxAlternatives) {
		throw invalidRequest(`alternatives must be an integer in [0, ${requestLimits.maxAlternatives}] (got ${JSON.stringify(value)})`);
	}
	if (regionCount !== 1) {
		throw invalidRequest(`alternatives needs a request with one hole (this one has ${regionCount})`);
	}
}

function asObject(value: unknown, name: string): Record<string, unknown> {
	if (typeof value !== 'object' || value === null || Array.isArray(value)) {
		throw invalidRequest(`${name} must be an object`);
	}
	return value as Record<string, unknown>;
}
