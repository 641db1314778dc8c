/**
 * `d3llm bench --latency`: inline-completion-shaped requests through the real warm sidecar. Each context is
 * sent once streamed (untimed: warm-up, and its first full forward tells the context length in tokens), then
 * once timed without streaming. End-to-end is the client-side wall clock around the JSON-RPC request; its
 * split comes from the result's `timing` (tokenize, onnxruntime forwards, decoder bookkeeping), and IPC is
 * end-to-end minus the sidecar-side ms.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CompleteRequest } from '../../protocol/sidecarProtocol';
import { defaultModelDir, packageRoot } from '../defaultModel';
import { UsageError } from '../usageError';
import { buildConfigs, configName, type BenchConfig } from './benchConfig';
import type { BenchOptions } from './benchOptions';
import { taskParams } from './benchRunner';
import type { BenchTask } from './benchTask';
import { contextsFromSources, contextsFromTasks, type LatencyContext } from './latencyContexts';
import { summarizeLatency, latencyMarkdown, type LatencySample, type LatencyRow } from './latencyReport';
import type { ModelCache } from './modelCache';
import { ProgressBar } from './progressBar';
import type { StopSignal } from './stopSignal';

/** Runs the latency benchmark and prints its table (or one JSON line with --json). */
export async function runLatencyBench(backend: ModelCache, tasks: BenchTask[] | undefined, options: BenchOptions, stop: StopSignal): Promise<void> {
	const modelDir = options.model ?? defaultModelDir();
	const info = await backend.load({ modelDir, executionProvider: options.ep as never, threads: options.threads });
	const contexts = latencyContexts(tasks, options);
	const configs = buildConfigs(options.decoders ?? ['d3llm'], options.thresholds ?? [info.decoding.threshold], modelDir, undefined, options.decoding);
	const rows: LatencyRow[] = [];
	for (const config of configs) {
		const samples = await measureConfig(backend, config, contexts, options, stop);
		rows.push(summarizeLatency(config, samples));
	}
	const header = {
		model: info.id,
		executionProvider: info.executionProvider,
		maxTokens: options.maxTokens,
		contextChars: options.contextChars,
		decoding: options.decoding ?? {},
		interrupted: stop.stopped,
	};
	if (options.json) {
		process.stdout.write(`${JSON.stringify({ ...header, requests: contexts.length, results: rows })}\n`);
	}
	const markdown = latencyMarkdown(header, rows);
	if (options.out !== undefined) {
		fs.writeFileSync(options.out, markdown);
	} else if (!options.json) {
		process.stdout.write(markdown);
	}
}

function latencyContexts(tasks: BenchTask[] | undefined, options: BenchOptions): LatencyContext[] {
	if (tasks !== undefined) {
		return contextsFromTasks(tasks, options.requests, options.contextChars);
	}
	const contexts = contextsFromSources(path.join(packageRoot(), 'src'), options.requests, options.contextChars);
	if (contexts.length === 0) {
		throw new UsageError('--latency: no source files found under src/; give contexts with --data FILE');
	}
	return contexts;
}

async function measureConfig(backend: ModelCache, config: BenchConfig, contexts: readonly LatencyContext[], options: BenchOptions, stop: StopSignal): Promise<LatencySample[]> {
	const bar = new ProgressBar(process.stderr, `latency ${configName(config)}`);
	const samples: LatencySample[] = [];
	for (const [i, context] of contexts.entries()) {
		if (stop.stopped) {
			break;
		}
		const sample = await measureOne(backend, config, context, i, options.maxTokens, stop);
		if (sample === undefined) {
			break;
		}
		samples.push(sample);
		bar.update(samples.length, contexts.length);
	}
	bar.finish();
	return samples;
}

async function measureOne(backend: ModelCache, config: BenchConfig, context: LatencyContext, i: number, maxTokens: number, stop: StopSignal): Promise<LatencySample | undefined> {
	const task: BenchTask = { taskId: `latency-${i}`, prompt: context.prefix, suffix: context.suffix, canonicalSolution: '' };
	const params = taskParams(config, task, maxTokens);
	try {
		const contextTokens = await probeContextTokens(backend, params, maxTokens, stop);
		const started = performance.now();
		const result = await backend.complete(params, undefined, stop.nextRequest());
		return toSample(result, performance.now() - started, contextTokens);
	} catch (e) {
		if (stop.stopped) {
			return undefined;
		}
		throw e;
	}
}

/** Sends the request streamed and untimed; the first (full) forward's window is context + hole. */
async function probeContextTokens(backend: ModelCache, params: CompleteRequest.Params, maxTokens: number, stop: StopSignal): Promise<number> {
	let windowLength = 0;
	await backend.completeStreamed({ ...params, streamSteps: true }, (step) => {
		if (step.event.step === 1) {
			windowLength = step.event.windowLength;
		}
	}, stop.nextRequest());
	return Math.max(0, windowLength - maxTokens);
}

function toSample(result: CompleteRequest.Result, e2eMs: number, contextTokens: number): LatencySample {
	return {
		e2eMs,
		sidecarMs: result.ms,
		tokenizeMs: result.timing.tokenizeMs,
		forwardMs: result.timing.forwardMs,
		decoderMs: result.timing.decoderMs,
		ipcMs: Math.max(0, e2eMs - result.ms),
		tokens: result.tokens,
		forwards: result.forwards,
		contextTokens,
	};
}
