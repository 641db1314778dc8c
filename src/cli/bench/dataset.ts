/**
 * Reads a benchmark data file: JSON Lines, plain or gzip-compressed (detected by the gzip magic bytes, not
 * the file name), one HumanEval-Infilling task per line. Every problem is reported with the file and line
 * number: unreadable file, bad gzip, invalid UTF-8, bad JSON, a missing or mistyped field, a duplicate id.
 */
import * as fs from 'node:fs';
import * as zlib from 'node:zlib';
import { UsageError } from '../usageError';
import type { BenchTask } from './benchTask';

const requiredFields = ['task_id', 'prompt', 'suffix', 'canonical_solution'] as const;
const optionalFields = ['test', 'entry_point'] as const;

/** The tasks of `file` in file order, at most `limit` of them (all when undefined). */
export function readTasks(file: string, limit?: number): BenchTask[] {
	const bytes = decompress(readBytes(file), file);
	const tasks: BenchTask[] = [];
	const seen = new Set<string>();
	for (const [lineNumber, line] of lines(bytes)) {
		if (limit !== undefined && tasks.length >= limit) {
			break;
		}
		const text = decodeLine(line, file, lineNumber);
		if (text.trim().length === 0) {
			continue;
		}
		const task = parseTask(text, `${file}:${lineNumber}`);
		if (seen.has(task.taskId)) {
			throw new UsageError(`${file}:${lineNumber}: duplicate task_id ${JSON.stringify(task.taskId)}`);
		}
		seen.add(task.taskId);
		tasks.push(task);
	}
	if (tasks.length === 0) {
		throw new UsageError(`${file}: no tasks (the file is empty)`);
	}
	return tasks;
}

/** Parses one JSON line into a task; `where` prefixes every error (`file:line`). */
export function parseTask(text: string, where: string): BenchTask {
	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch (e) {
		throw new UsageError(`${where}: not valid JSON (${(e as Error).message})`);
	}
	if (typeof value !== 'object' || value === null || Array.isArray(value)) {
		throw new UsageError(`${where}: expected a JSON object with ${requiredFields.join(', ')}`);
	}
	const record = value as Record<string, unknown>;
	for (const field of requiredFields) {
		checkString(record, field, where, true);
	}
	for (const field of optionalFields) {
		checkString(record, field, where, false);
	}
	if (record.test !== undefined && record.entry_point === undefined) {
		throw new UsageError(`${where}: field "test" needs "entry_point" (the function check() is called with)`);
	}
	return toTask(record as Record<string, string | undefined>, where);
}

function toTask(record: Record<string, string | undefined>, where: string): BenchTask {
	if (record.task_id!.length === 0) {
		throw new UsageError(`${where}: field "task_id" is empty`);
	}
	return {
		taskId: record.task_id!,
		prompt: record.prompt!,
		suffix: record.suffix!,
		canonicalSolution: record.canonical_solution!,
		test: record.test,
		entryPoint: record.entry_point,
	};
}

function checkString(record: Record<string, unknown>, field: string, where: string, required: boolean): void {
	const value = record[field];
	if (value === undefined || value === null) {
		if (required) {
			throw new UsageError(`${where}: missing field "${field}"`);
		}
		delete record[field];
		return;
	}
	if (typeof value !== 'string') {
		throw new UsageError(`${where}: field "${field}" must be a string (got ${Array.isArray(value) ? 'array' : typeof value})`);
	}
}

function readBytes(file: string): Buffer {
	try {
		return fs.readFileSync(file);
	} catch (e) {
		throw new UsageError(`--data: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
	}
}

/** Gunzips when the bytes start with the gzip magic number; plain JSON Lines pass through. */
function decompress(bytes: Buffer, file: string): Buffer {
	if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) {
		if (file.endsWith('.gz')) {
			throw new UsageError(`${file}: not a gzip file (the name ends in .gz but the gzip header is missing)`);
		}
		return bytes;
	}
	try {
		return zlib.gunzipSync(bytes);
	} catch (e) {
		throw new UsageError(`${file}: bad gzip data (${(e as Error).message})`);
	}
}

/** Yields [1-based line number, bytes of the line without its newline]. */
function* lines(bytes: Buffer): Generator<[number, Buffer]> {
	let start = 0;
	let lineNumber = 1;
	while (start < bytes.length) {
		const end = bytes.indexOf(0x0a, start);
		const stop = end === -1 ? bytes.length : end;
		yield [lineNumber, bytes.subarray(start, stop)];
		start = stop + 1;
		lineNumber++;
	}
}

function decodeLine(line: Buffer, file: string, lineNumber: number): string {
	try {
		return new TextDecoder('utf-8', { fatal: true }).decode(line);
	} catch {
		throw new UsageError(`${file}:${lineNumber}: not valid UTF-8`);
	}
}
