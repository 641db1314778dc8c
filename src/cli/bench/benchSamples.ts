/**
 * `d3llm bench --samples FILE`: one JSON line per finished (row, task) with the model's text, the cut
 * completion, the reference it was scored against and its scores, so single completions can be read and
 * compared across rows. Written as soon as decoding ends (also after Ctrl+C, with what finished).
 */
import * as fs from 'node:fs';
import { configName } from './benchConfig';
import type { ConfigRun, TaskRun } from './benchRunner';
import { round } from './benchSummary';
import type { BenchTask } from './benchTask';
import { editSimilarity, exactMatch } from './scoring';

/** One line of the samples file. */
export interface BenchSample {
	/** The row's name in the report (`d3llm τ=0.5`, `ar-twin`). */
	readonly row: string;
	readonly decoder: string;
	/** d3llm rows only. */
	readonly threshold?: number;
	/** Model id from model.json. */
	readonly model: string;
	readonly taskId: string;
	/** The text after the cut, as scored and run. */
	readonly completion: string;
	/** The model's text for the hole, before the cut. */
	readonly text: string;
	/** The task's canonical_solution, as the scores compare against it. */
	readonly reference: string;
	readonly exactMatch: boolean;
	/** In [0, 1]. */
	readonly editSimilarity: number;
	readonly tokens: number;
	readonly forwards: number;
	/** Client-side wall clock around the request. */
	readonly ms: number;
}

/** The samples of every finished task of `runs`, row by row in task order. */
export function benchSamples(runs: readonly ConfigRun[], tasks: ReadonlyMap<string, BenchTask>): BenchSample[] {
	return runs.flatMap((run) => run.runs.map((taskRun) => sampleOf(run, taskRun, tasks.get(taskRun.taskId)!)));
}

/** Writes the samples of `runs` to `file`, one JSON line each; returns how many. */
export function writeSamples(file: string, runs: readonly ConfigRun[], tasks: ReadonlyMap<string, BenchTask>): number {
	const samples = benchSamples(runs, tasks);
	fs.writeFileSync(file, samples.map((sample) => `${JSON.stringify(sample)}\n`).join(''));
	return samples.length;
}

function sampleOf(run: ConfigRun, taskRun: TaskRun, task: BenchTask): BenchSample {
	const reference = task.canonicalSolution;
	return {
		row: configName(run.config),
		decoder: run.config.decoder,
		...(run.config.threshold === undefined ? {} : { threshold: run.config.threshold }),
		model: run.model,
		taskId: taskRun.taskId,
		completion: taskRun.completion,
		text: taskRun.text,
		reference,
		exactMatch: exactMatch(taskRun.completion, reference),
		editSimilarity: round(editSimilarity(taskRun.completion, reference), 4),
		tokens: taskRun.tokens,
		forwards: taskRun.forwards,
		ms: round(taskRun.ms, 2),
	};
}
