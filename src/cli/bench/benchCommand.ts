/**
 * `d3llm bench`: runs HumanEval-Infilling-shaped tasks through every decoder (and d3llm's threshold sweep) in
 * one warm sidecar process, scores them (exact match, edit similarity, pass@1), computes AUP, and prints a
 * markdown report (`--out`) or one JSON line (`--json`), and with `--samples` every completion as JSON Lines.
 * `--latency` measures inline-completion latency instead.
 */
import * as path from 'node:path';
import type { ModelLoadRequest } from '../../protocol/sidecarProtocol';
import { defaultModelDir } from '../defaultModel';
import { SidecarProcess } from '../sidecarProcess';
import { buildAupTable } from './aupTable';
import { buildConfigs } from './benchConfig';
import { parseBenchOptions, defaultBenchDecoders, defaultThresholds, type BenchCliOptions, type BenchOptions } from './benchOptions';
import { reportJson, reportMarkdown, writeReport, type BenchReport } from './benchReport';
import { runBench, type ConfigRun } from './benchRunner';
import { writeSamples } from './benchSamples';
import { summarizeRun } from './benchSummary';
import type { BenchTask } from './benchTask';
import { readTasks } from './dataset';
import { overrideRejection } from './decodingOverrides';
import { runLatencyBench } from './latencyBench';
import { ModelCache } from './modelCache';
import { scorePassAt1 } from './passScoring';
import { ProgressBar } from './progressBar';
import { StopSignal } from './stopSignal';

/** Runs the command; resolves with the exit code (130 when Ctrl+C cut the run short). */
export async function runBenchCommand(raw: BenchCliOptions): Promise<number> {
	const options = parseBenchOptions(raw);
	const tasks = options.data === undefined ? undefined : readTasks(options.data, options.limit);
	const stop = new StopSignal();
	const unhook = stop.hookSigint(() => process.stderr.write('\nd3llm bench: stopping after the request in flight (Ctrl+C again to quit now)\n'));
	const sidecar = SidecarProcess.start((text) => options.verbose && process.stderr.write(text), undefined, { detached: true });
	try {
		const backend = new ModelCache(sidecar);
		if (options.latency) {
			await runLatencyBench(backend, tasks, options, stop);
		} else {
			await runQualityBench(backend, tasks!, options, stop, () => sidecar.stop());
		}
		return stop.stopped ? 130 : 0;
	} finally {
		unhook();
		sidecar.stop();
	}
}

/** The load parameters of `modelDir` under the command's options. */
export function loadParams(options: BenchOptions, modelDir: string): ModelLoadRequest.Params {
	return { ...loadSettings(options), modelDir };
}

function loadSettings(options: BenchOptions): Omit<ModelLoadRequest.Params, 'modelDir'> {
	return { executionProvider: options.ep as ModelLoadRequest.Params['executionProvider'], threads: options.threads };
}

async function runQualityBench(backend: ModelCache, tasks: BenchTask[], options: BenchOptions, stop: StopSignal, releaseSidecar: () => void): Promise<void> {
	const modelDir = options.model ?? defaultModelDir();
	const info = await backend.load(loadParams(options, modelDir));
	const thresholds = options.thresholds ?? [...defaultThresholds, info.decoding.threshold];
	const configs = buildConfigs(options.decoders ?? defaultBenchDecoders, thresholds, modelDir, options.arModel, options.decoding);
	const decodeBar = new ProgressBar(process.stderr, 'decode');
	const runs = await runBench(backend, configs, tasks, {
		maxTokens: options.maxTokens,
		cut: options.cut,
		asInserted: options.asInserted,
		load: loadSettings(options),
		warmup: options.warmup,
		stop,
		onProgress: (done, total, row) => decodeBar.update(done, total, row),
	}).catch((e: unknown) => {
		throw overrideRejection(e, options.decoding) ?? e;
	});
	decodeBar.finish();
	releaseSidecar();
	saveSamples(runs, tasks, options);
	const report = await scoreAndReport(runs, tasks, options, stop, { model: info.id, executionProvider: info.executionProvider, defaultThreshold: info.decoding.threshold });
	emitReport(report, options);
}

async function scoreAndReport(
	runs: ConfigRun[],
	tasks: BenchTask[],
	options: BenchOptions,
	stop: StopSignal,
	model: { model: string; executionProvider: string; defaultThreshold: number },
): Promise<BenchReport> {
	const taskMap = new Map(tasks.map((task) => [task.taskId, task]));
	const finished = runs.filter((run) => run.runs.length > 0);
	const passBar = new ProgressBar(process.stderr, 'pass@1');
	const outcomes = await scorePassAt1(finished, taskMap, {
		timeoutMs: options.testTimeoutMs,
		jobs: options.jobs,
		shouldStop: () => stop.stopped,
		onProgress: (done, total) => passBar.update(done, total),
	});
	passBar.finish();
	const rows = finished.map((run, i) => summarizeRun(run, taskMap, outcomes[i]));
	return {
		...model,
		dataFile: options.data!,
		tasks: tasks.length,
		maxTokens: options.maxTokens,
		cut: cutLabel(options),
		decoding: options.decoding,
		rows,
		aup: buildAupTable(rows),
		interrupted: stop.stopped,
		command: ['d3llm', ...process.argv.slice(2)].join(' '),
	};
}

function saveSamples(runs: readonly ConfigRun[], tasks: readonly BenchTask[], options: BenchOptions): void {
	if (options.samples !== undefined) {
		const count = writeSamples(options.samples, runs, new Map(tasks.map((task) => [task.taskId, task])));
		process.stderr.write(`d3llm bench: wrote ${count} samples to ${options.samples}\n`);
	}
}

function emitReport(report: BenchReport, options: BenchOptions): void {
	if (options.out !== undefined) {
		const svg = writeReport(report, options.out);
		process.stderr.write(`d3llm bench: wrote ${options.out} and ${path.basename(svg)}\n`);
	}
	if (options.json) {
		process.stdout.write(`${reportJson(report)}\n`);
	} else if (options.out === undefined) {
		process.stdout.write(reportMarkdown(report));
	}
}

function cutLabel(options: BenchOptions): string {
	const cut = options.cut === 'auto' ? 'auto (at the line end for SingleLineInfilling tasks)' : options.cut;
	return options.asInserted ? `${cut}, of the text the editor inserts (--as-inserted)` : cut;
}
