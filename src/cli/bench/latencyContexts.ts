/**
 * Inline-completion-shaped contexts for the latency benchmark: a cursor at the start of a line's code inside a
 * real source file, with up to three quarters of the character budget before it and a quarter after it.
 * Sources: the tasks of a data file, or the repository's own TypeScript sources. Deterministic.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BenchTask } from './benchTask';

/** One request's context. */
export interface LatencyContext {
	readonly source: string;
	readonly prefix: string;
	readonly suffix: string;
}

/** The size of request i relative to the budget: a spread from a quarter to the whole budget. */
const sizeSpread = [1, 0.25, 0.5, 0.75];

/** `count` contexts from `tasks` (cycled), each side cut to the character budget. */
export function contextsFromTasks(tasks: readonly BenchTask[], count: number, contextChars: number): LatencyContext[] {
	return Array.from({ length: count }, (_, i) => {
		const task = tasks[i % tasks.length];
		const room = Math.round(contextChars * sizeSpread[i % sizeSpread.length]);
		return { source: task.taskId, prefix: task.prompt.slice(-Math.ceil((room * 3) / 4)), suffix: task.suffix.slice(0, Math.floor(room / 4)) };
	});
}

/** `count` contexts cut from the `.ts` files under `dir` (sorted, cycled); empty when there are none. */
export function contextsFromSources(dir: string, count: number, contextChars: number): LatencyContext[] {
	const files = listSources(dir);
	if (files.length === 0) {
		return [];
	}
	return Array.from({ length: count }, (_, i) => {
		const file = files[i % files.length];
		const room = Math.round(contextChars * sizeSpread[i % sizeSpread.length]);
		return cutAt(path.relative(dir, file), fs.readFileSync(file, 'utf8'), i, room);
	});
}

/** A cursor at the first non-blank character of a line chosen by `seed`, with `room` characters around it. */
export function cutAt(source: string, text: string, seed: number, room: number): LatencyContext {
	const fraction = 0.2 + 0.6 * ((seed * 0.6180339887) % 1);
	const lineStart = text.indexOf('\n', Math.floor(text.length * fraction)) + 1;
	const cursor = lineStart + (/^[ \t]*/.exec(text.slice(lineStart))?.[0].length ?? 0);
	const before = Math.ceil((room * 3) / 4);
	return { source, prefix: text.slice(Math.max(0, cursor - before), cursor), suffix: text.slice(cursor, cursor + Math.floor(room / 4)) };
}

function listSources(dir: string): string[] {
	if (!fs.existsSync(dir)) {
		return [];
	}
	const entries = fs.readdirSync(dir, { recursive: true, encoding: 'utf8' });
	return entries
		.filter((entry) => entry.endsWith('.ts'))
		.map((entry) => path.join(dir, entry))
		.sort();
}
