/**
 * `d3llm bench --decoding JSON`: decoding knobs applied to every request of the main model's rows. Only the
 * shape is checked here (a plain object with known keys, never `decoder` or `threshold`, which each row sets
 * itself); the values are checked by the sidecar like those of any request, and its rejection of one is
 * reworded to name `--decoding`.
 */
import { ResponseError } from 'vscode-jsonrpc/node';
import type { DecodingParams } from '../../protocol/sidecarProtocol';
import { SidecarErrorCodes } from '../../protocol/sidecarProtocol';
import { UsageError } from '../usageError';

/** The knobs `--decoding` may set: every decoding parameter but the row's own decoder and threshold. */
export type DecodingOverrides = Partial<Omit<DecodingParams, 'decoder' | 'threshold'>>;

/** The allowed keys (a record, so a new DecodingParams field must be listed here to compile). */
const overrideKeys: Record<keyof DecodingOverrides, true> = {
	blockSize: true,
	blockAddThreshold: true,
	fullActivationThreshold: true,
	cacheDelay: true,
	refreshInterval: true,
	eosAtLeftmostOnly: true,
	lengthSlack: true,
	stopAtNewline: true,
	tokenHealing: true,
};

/** The allowed keys, in declaration order. */
export const decodingOverrideKeys: readonly string[] = Object.keys(overrideKeys);

/** `{"blockSize":8}` → { blockSize: 8 }; a UsageError naming `--decoding` for anything but a known-keys object. */
export function parseDecodingOverrides(json: string): DecodingOverrides {
	const value = parseJson(json);
	if (typeof value !== 'object' || value === null || Array.isArray(value)) {
		throw new UsageError(`--decoding must be a JSON object such as '{"blockSize":8}' (got ${json.trim() || 'nothing'})`);
	}
	for (const key of Object.keys(value)) {
		checkKey(key);
	}
	return value as DecodingOverrides;
}

function parseJson(json: string): unknown {
	try {
		return JSON.parse(json);
	} catch (e) {
		throw new UsageError(`--decoding is not valid JSON: ${(e as Error).message}`);
	}
}

function checkKey(key: string): void {
	if (key === 'decoder' || key === 'threshold') {
		throw new UsageError(`--decoding cannot set ${JSON.stringify(key)}: each row sets it (use --decoders and --thresholds)`);
	}
	if (!decodingOverrideKeys.includes(key)) {
		throw new UsageError(`--decoding: unknown key ${JSON.stringify(key)} (use ${decodingOverrideKeys.join(', ')})`);
	}
}

/**
 * The sidecar's rejection of an overridden value (`decoding.blockSize must be …`) as a UsageError naming
 * `--decoding`; undefined for every other error (those stay as they are).
 */
export function overrideRejection(e: unknown, overrides: DecodingOverrides | undefined): UsageError | undefined {
	if (overrides === undefined || !(e instanceof ResponseError) || e.code !== SidecarErrorCodes.invalidRequest) {
		return undefined;
	}
	const field = /^decoding\.(\w+) /.exec(e.message)?.[1];
	if (field === undefined || !(field in overrides)) {
		return undefined;
	}
	return new UsageError(`--decoding: ${e.message.slice('decoding.'.length)}`);
}
