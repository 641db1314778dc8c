/**
 * Runs every benchmark row over every task through one warm sidecar process. Rows on the same model share
 * its load; the order is deterministic (model, then task, then row), so an interrupted run has all rows of
 * a model on the same first tasks. Per task it records the client-side wall clock around the request.
 */
import type { CancellationTokenSource } from 'vscode-jsonrpc/node';
import type { CompleteRequest, DecodingParams, ModelLoadRequest } from '../../protocol/sidecarProtocol';
import type { BenchConfig } from './benchConfig';
import type { BenchTask } from './benchTask';
import { editorText } from '../editorText';
import { cutCompletion, type CutMode } from './scoring';
import type { StopSignal } from './stopSignal';

/** The part of SidecarProcess the runner needs (a fake in tests). */
export interface CompletionBackend {
	load(params: ModelLoadRequest.Params): Promise<ModelLoadRequest.Result>;
	complete(params: CompleteRequest.Params, onStep?: undefined, cancel?: CancellationTokenSource): Promise<CompleteRequest.Result>;
}

/** One task's decode under one row. */
export interface TaskRun {
	readonly taskId: string;
	/** The model's text for the hole. */
	readonly text: string;
	/** The text after the cut, as scored and run. */
	readonly completion: string;
	readonly tokens: number;
	readonly forwards: number;
	/** Client-side wall clock around the request, ms. */
	readonly ms: number;
	readonly result: CompleteRequest.Result;
}

/** All finished tasks of one row. */
export interface ConfigRun {
	readonly config: BenchConfig;
	/** Model id from model.json. */
	model: string;
	readonly runs: TaskRun[];
}

/** Knobs of a run. */
export interface RunnerOptions {
	readonly maxTokens: number;
	/** `auto` cuts at the line end for task ids starting with `SingleLineInfilling/`. */
	readonly cut: CutMode | 'auto';
	/** Score the text the editor would insert (src/cli/editorText.ts) rather than the model's middle. */
	readonly asInserted?: boolean;
	readonly load: Omit<ModelLoadRequest.Params, 'modelDir'>;
	/** Untimed requests per row before measuring (session warm-up). */
	readonly warmup: number;
	readonly stop: StopSignal;
	readonly onProgress?: (done: number, total: number, row: string) => void;
	readonly onModel?: (info: ModelLoadRequest.Result) => void;
}

/** Runs `configs` × `tasks`; returns one ConfigRun per config (in config order) with what finished. */
export async function runBench(backend: CompletionBackend, configs: readonly BenchConfig[], tasks: readonly BenchTask[], options: RunnerOptions): Promise<ConfigRun[]> {
	const runs: ConfigRun[] = configs.map((config) => ({ config, model: '', runs: [] }));
	const total = configs.length * tasks.length;
	let done = 0;
	for (const group of groupByModel(runs)) {
		if (options.stop.stopped) {
			break;
		}
		const info = await backend.load({ ...options.load, modelDir: group[0].config.modelDir });
		options.onModel?.(info);
		group.forEach((run) => (run.model = info.id));
		await warmUp(backend, group, tasks[0], options);
		for (const task of tasks) {
			for (const run of group) {
				const taskRun = await runTask(backend, run.config, task, options);
				if (taskRun === undefined) {
					return runs;
				}
				run.runs.push(taskRun);
				options.onProgress?.(++done, total, run.config.label);
			}
		}
	}
	return runs;
}

/** The request of one task under one row. */
export function taskParams(config: BenchConfig, task: BenchTask, maxTokens: number): CompleteRequest.Params {
	return {
		requestId: `bench-${config.label}-${config.threshold ?? ''}-${task.taskId}`,
		segments: [task.prompt, task.suffix],
		regions: [{ maxTokens }],
		decoding: requestDecoding(config),
		streamSteps: false,
	};
}

/** The row's decoding overrides, then its decoder and threshold (which always win). */
function requestDecoding(config: BenchConfig): Partial<DecodingParams> {
	const decoding = { ...config.decoding, decoder: config.decoder };
	return config.threshold === undefined ? decoding : { ...decoding, threshold: config.threshold };
}

/** The cut for a task under `mode`. */
export function cutModeFor(task: BenchTask, mode: CutMode | 'auto'): CutMode {
	if (mode !== 'auto') {
		return mode;
	}
	return task.taskId.startsWith('SingleLineInfilling/') ? 'line' : 'none';
}

async function runTask(backend: CompletionBackend, config: BenchConfig, task: BenchTask, options: RunnerOptions): Promise<TaskRun | undefined> {
	if (options.stop.stopped) {
		return undefined;
	}
	const started = performance.now();
	let result: CompleteRequest.Result;
	try {
		result = await backend.complete(taskParams(config, task, options.maxTokens), undefined, options.stop.nextRequest());
	} catch (e) {
		if (options.stop.stopped) {
			return undefined;
		}
		throw e;
	}
	const ms = performance.now() - started;
	const text = result.regions[0].text;
	const shown = options.asInserted ? editorText(text, task.prompt, task.suffix) : text;
	const completion = cutCompletion(shown, cutModeFor(task, options.cut));
	return { taskId: task.taskId, text, completion, tokens: result.tokens, forwards: result.forwards, ms, result };
}

async function warmUp(backend: CompletionBackend, group: readonly ConfigRun[], task: BenchTask, options: RunnerOptions): Promise<void> {
	for (let i = 0; i < options.warmup && !options.stop.stopped; i++) {
		for (const run of group) {
			await runTask(backend, run.config, task, options);
		}
	}
}

function groupByModel(runs: ConfigRun[]): ConfigRun[][] {
	const groups = new Map<string, ConfigRun[]>();
	for (const run of runs) {
		const group = groups.get(run.config.modelDir) ?? [];
		group.push(run);
		groups.set(run.config.modelDir, group);
	}
	return [...groups.values()];
}
