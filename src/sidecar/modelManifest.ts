/**
 * Reads and validates `model.json` (docs/model-contract.md, architecture §4): every field the engine relies
 * on is checked here, so a bad folder fails at `model/load` with a message that names the field.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ModelSpec } from '../core/modelPort';
import type { DecodingParams } from '../protocol/sidecarProtocol';
import { decoderNames } from '../protocol/sidecarProtocol';
import { modelInvalid } from './errors';
import { validateDecoding } from './requestValidation';

/** The special token ids of a model. */
export interface SpecialTokens {
	readonly pad: number;
	readonly eos: number;
	readonly mask: number;
	readonly fimPrefix?: number;
	readonly fimSuffix?: number;
	readonly fimMiddle?: number;
	readonly bos?: number | null;
}

/** The shape facts model.json shares with the core's `ModelSpec`. */
type ManifestShape = Omit<ModelSpec, 'maskId' | 'eosId' | 'padId'>;

/** The validated manifest. */
export interface ModelManifest extends ManifestShape {
	readonly id: string;
	readonly layout: 'canvas' | 'psm';
	readonly specialTokens: SpecialTokens;
	readonly decoding: DecodingParams;
}

/** The files of a model folder. */
export interface ModelFiles {
	readonly dir: string;
	readonly onnx: string;
	readonly tokenizer: string;
	readonly manifest: string;
}

const requiredFiles = ['model.onnx', 'tokenizer.json', 'model.json'] as const;

/** Built-in decoding defaults, used for fields model.json leaves out (reference §0, scaled to small models). */
export const defaultDecoding: DecodingParams = Object.freeze({
	decoder: 'd3llm',
	threshold: 0.5,
	blockSize: 16,
	blockAddThreshold: 0.1,
	fullActivationThreshold: 0.95,
	cacheDelay: 1,
	refreshInterval: 0,
});

/** Checks that `dir` exists and holds the three contract files. */
export function locateModelFiles(dir: string): ModelFiles {
	const resolved = path.resolve(dir);
	if (!fs.existsSync(resolved) || !fs.statSync(resolved).isDirectory()) {
		throw modelInvalid(`model folder not found: ${resolved}`);
	}
	const missing = requiredFiles.filter((f) => !fs.existsSync(path.join(resolved, f)));
	if (missing.length > 0) {
		throw modelInvalid(`model folder ${resolved} is incomplete: missing ${missing.join(', ')}`);
	}
	const file = (name: string): string => path.join(resolved, name);
	return { dir: resolved, onnx: file('model.onnx'), tokenizer: file('tokenizer.json'), manifest: file('model.json') };
}

/** Reads and validates model.json. */
export function readManifest(file: string): ModelManifest {
	const raw = parseJsonFile(file);
	const field = (name: string): unknown => raw[name];
	const special = asRecord(field('specialTokens'), 'specialTokens');
	return {
		id: requireString(field('id'), 'id'),
		numLayers: requireInt(field('numLayers'), 'numLayers', 1),
		numKvHeads: requireInt(field('numKvHeads'), 'numKvHeads', 1),
		headDim: requireInt(field('headDim'), 'headDim', 1),
		vocabSize: requireInt(field('vocabSize'), 'vocabSize', 2),
		maxPositions: requireInt(field('maxPositions'), 'maxPositions', 2),
		topK: requireInt(field('topK') ?? 5, 'topK', 1),
		logitShift: requireBool(field('logitShift') ?? false, 'logitShift'),
		causal: requireBool(field('causal') ?? false, 'causal'),
		layout: requireLayout(field('layout') ?? 'canvas'),
		specialTokens: readSpecialTokens(special),
		decoding: readDecoding(field('decoding')),
	};
}

function parseJsonFile(file: string): Record<string, unknown> {
	let text: string;
	try {
		text = fs.readFileSync(file, 'utf8');
	} catch (e) {
		throw modelInvalid(`cannot read ${file}: ${(e as Error).message}`);
	}
	try {
		return asRecord(JSON.parse(text), path.basename(file));
	} catch (e) {
		throw modelInvalid(`${file} is not valid JSON: ${(e as Error).message}`);
	}
}

function readSpecialTokens(special: Record<string, unknown>): SpecialTokens {
	const optional = (name: string): number | undefined =>
		special[name] === undefined || special[name] === null ? undefined : requireInt(special[name], `specialTokens.${name}`, 0);
	return {
		pad: requireInt(special.pad, 'specialTokens.pad', 0),
		eos: requireInt(special.eos, 'specialTokens.eos', 0),
		mask: requireInt(special.mask, 'specialTokens.mask', 0),
		fimPrefix: optional('fimPrefix'),
		fimSuffix: optional('fimSuffix'),
		fimMiddle: optional('fimMiddle'),
		bos: optional('bos') ?? null,
	};
}

function readDecoding(value: unknown): DecodingParams {
	const given = value === undefined ? {} : asRecord(value, 'decoding');
	try {
		validateDecoding(given);
	} catch (e) {
		throw modelInvalid(`model.json: ${(e as Error).message}`);
	}
	const merged = { ...defaultDecoding, ...given } as DecodingParams;
	if (!decoderNames.includes(merged.decoder)) {
		throw modelInvalid(`model.json: decoding.decoder must be one of ${decoderNames.join(', ')}`);
	}
	return merged;
}

function asRecord(value: unknown, name: string): Record<string, unknown> {
	if (typeof value !== 'object' || value === null || Array.isArray(value)) {
		throw modelInvalid(`model.json: ${name} must be an object`);
	}
	return value as Record<string, unknown>;
}

function requireString(value: unknown, name: string): string {
	if (typeof value !== 'string' || value.length === 0) {
		throw modelInvalid(`model.json: ${name} must be a non-empty string`);
	}
	return value;
}

function requireInt(value: unknown, name: string, min: number): number {
	if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
		throw modelInvalid(`model.json: ${name} must be an integer ≥ ${min} (got ${JSON.stringify(value)})`);
	}
	return value;
}

function requireBool(value: unknown, name: string): boolean {
	if (typeof value !== 'boolean') {
		throw modelInvalid(`model.json: ${name} must be true or false`);
	}
	return value;
}

function requireLayout(value: unknown): 'canvas' | 'psm' {
	if (value !== 'canvas' && value !== 'psm') {
		throw modelInvalid(`model.json: layout must be "canvas" or "psm"`);
	}
	return value;
}
