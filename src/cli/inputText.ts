/**
 * Reads CLI text inputs: literal `--prefix` text or a file, decoded as strict UTF-8 so invalid bytes are
 * reported instead of silently replaced.
 */
import * as fs from 'node:fs';
import { UsageError } from './usageError';

/** Text of `--NAME TEXT` or `--NAME-file F`; they are exclusive. */
export function readTextOption(name: string, text: string | undefined, file: string | undefined): string | undefined {
	if (text !== undefined && file !== undefined) {
		throw new UsageError(`give either --${name} or --${name}-file, not both`);
	}
	return file !== undefined ? readUtf8File(file, `--${name}-file`) : text;
}

/** The contents of `file` as UTF-8; throws a UsageError for a missing file or invalid UTF-8. */
export function readUtf8File(file: string, option: string): string {
	let bytes: Buffer;
	try {
		bytes = fs.readFileSync(file);
	} catch (e) {
		throw new UsageError(`${option}: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
	}
	try {
		return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
	} catch {
		throw new UsageError(`${option}: ${file} is not valid UTF-8 (at or before byte ${firstInvalidByte(bytes)})`);
	}
}

function firstInvalidByte(bytes: Buffer): number {
	let lo = 0;
	let hi = bytes.length;
	while (hi - lo > 1) {
		const mid = (lo + hi) >> 1;
		try {
			new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, mid), { stream: true });
			lo = mid;
		} catch {
			hi = mid;
		}
	}
	return lo;
}
