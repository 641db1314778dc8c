/**
 * One benchmark task in the HumanEval-Infilling shape (openai/human-eval-infilling): the text before and
 * after the hole, the reference middle, and optionally a Python test that defines `check(candidate)`.
 */

/** A task as read from a data file. */
export interface BenchTask {
	readonly taskId: string;
	readonly prompt: string;
	readonly suffix: string;
	readonly canonicalSolution: string;
	/** Python source defining `check(candidate)`; absent for data without tests. */
	readonly test?: string;
	/** Name of the function `check` is called with; present whenever `test` is. */
	readonly entryPoint?: string;
}

/** True when the task can be scored by running its test. */
export function hasTest(task: BenchTask): task is BenchTask & { test: string; entryPoint: string } {
	return task.test !== undefined && task.entryPoint !== undefined;
}
