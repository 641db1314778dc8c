/**
 * The pass@1 phase: after all decoding is done (so the Python runs do not disturb the timings), builds the
 * program of every finished task that has a test and runs them, at most `jobs` at a time.
 */
import type { ConfigRun } from './benchRunner';
import { hasTest, type BenchTask } from './benchTask';
import type { PassOutcomes } from './benchSummary';
import { buildProgram, runPrograms, type ProgramOutcome } from './passAt1';

/** Options of the phase. */
export interface PassScoringOptions {
	readonly timeoutMs: number;
	readonly jobs: number;
	readonly python?: string;
	readonly shouldStop?: () => boolean;
	readonly onProgress?: (done: number, total: number) => void;
}

/** Outcomes per row (same order as `runs`), by task id; tasks without a test are absent. */
export async function scorePassAt1(runs: readonly ConfigRun[], tasks: ReadonlyMap<string, BenchTask>, options: PassScoringOptions): Promise<PassOutcomes[]> {
	const jobs: Array<{ row: number; taskId: string; program: string }> = [];
	runs.forEach((run, row) => {
		for (const taskRun of run.runs) {
			const task = tasks.get(taskRun.taskId)!;
			if (hasTest(task)) {
				jobs.push({ row, taskId: task.taskId, program: buildProgram(task, taskRun.completion) });
			}
		}
	});
	const outcomes = await runPrograms(
		jobs.map((job) => job.program),
		{ timeoutMs: options.timeoutMs, python: options.python ?? 'python3', concurrency: options.jobs },
		options.shouldStop,
		options.onProgress && ((done) => options.onProgress!(done, jobs.length)),
	);
	const byRow = runs.map(() => new Map<string, ProgramOutcome | undefined>());
	jobs.forEach((job, i) => byRow[job.row].set(job.taskId, outcomes[i]));
	return byRow;
}
