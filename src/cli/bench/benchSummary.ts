/**
 * Aggregates the per-task runs of each row into the numbers the report and the JSON line show: exact
 * match, edit similarity and pass@1 in percent, tokens per forward (Σ tokens ÷ Σ forwards, reference §1.9),
 * mean forwards and tokens per task, per-task wall time p50/p95 and tokens per second.
 */
import type { ConfigRun } from './benchRunner';
import type { BenchTask } from './benchTask';
import type { ProgramOutcome } from './passAt1';
import { editSimilarity, exactMatch } from './scoring';

/** One row of the results, as printed in `--json`. */
export interface BenchRow {
	readonly decoder: string;
	/** Row key for the AUP table (`ar-twin` for the autoregressive twin model). */
	readonly label: string;
	readonly model: string;
	readonly threshold: number | null;
	readonly tasks: number;
	readonly exactMatch: number;
	readonly editSimilarity: number;
	/** Null when no finished task has a test. */
	readonly passAt1: number | null;
	readonly tpf: number;
	readonly forwards: number;
	readonly tokens: number;
	readonly msP50: number;
	readonly msP95: number;
	readonly tokensPerSecond: number;
}

/** Pass/fail of each task of a row, by task id (only tasks with tests). */
export type PassOutcomes = ReadonlyMap<string, ProgramOutcome | undefined>;

/** The row of `run`; `outcomes` holds the pass@1 results of its tasks. */
export function summarizeRun(run: ConfigRun, tasks: ReadonlyMap<string, BenchTask>, outcomes: PassOutcomes): BenchRow {
	const runs = run.runs;
	const tokens = sum(runs.map((r) => r.tokens));
	const forwards = sum(runs.map((r) => r.forwards));
	const ms = runs.map((r) => r.ms);
	const scored = [...outcomes.values()].filter((o) => o !== undefined);
	return {
		decoder: run.config.decoder,
		label: run.config.label,
		model: run.model,
		threshold: run.config.threshold ?? null,
		tasks: runs.length,
		exactMatch: percent(runs.filter((r) => exactMatch(r.completion, tasks.get(r.taskId)!.canonicalSolution)).length, runs.length),
		editSimilarity: round(mean(runs.map((r) => 100 * editSimilarity(r.completion, tasks.get(r.taskId)!.canonicalSolution))), 2),
		passAt1: scored.length === 0 ? null : percent(scored.filter((o) => o === 'pass').length, scored.length),
		tpf: forwards === 0 ? 0 : round(tokens / forwards, 3),
		forwards: round(mean(runs.map((r) => r.forwards)), 2),
		tokens: round(mean(runs.map((r) => r.tokens)), 2),
		msP50: round(percentile(ms, 50), 2),
		msP95: round(percentile(ms, 95), 2),
		tokensPerSecond: round(sum(ms) === 0 ? 0 : (1000 * tokens) / sum(ms), 1),
	};
}

/** Nearest-rank percentile (p in (0, 100]) of `values`; 0 for none. */
export function percentile(values: readonly number[], p: number): number {
	if (values.length === 0) {
		return 0;
	}
	const sorted = [...values].sort((a, b) => a - b);
	const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
	return sorted[rank - 1];
}

/** `value` rounded to `digits` decimals. */
export function round(value: number, digits: number): number {
	const f = 10 ** digits;
	return Math.round(value * f) / f;
}

function percent(count: number, of: number): number {
	return of === 0 ? 0 : round((100 * count) / of, 2);
}

function mean(values: readonly number[]): number {
	return values.length === 0 ? 0 : sum(values) / values.length;
}

function sum(values: readonly number[]): number {
	return values.reduce((a, b) => a + b, 0);
}
