/**
 * Test doubles of the bench specs: a scripted completion backend that records every request, tasks with
 * references, and the raw options of `d3llm bench` as commander would hand them over.
 */
import type { BenchCliOptions } from '../../../src/cli/bench/benchOptions';
import type { CompletionBackend, RunnerOptions } from '../../../src/cli/bench/benchRunner';
import type { BenchTask } from '../../../src/cli/bench/benchTask';
import { StopSignal } from '../../../src/cli/bench/stopSignal';
import type { CompleteRequest, ModelLoadRequest } from '../../../src/protocol/sidecarProtocol';

/** Answers `<prompt> <decoder>\nsecond line` (6 tokens, 2 forwards); the model id is the folder without its `/`. */
export class RecordingBackend implements CompletionBackend {
	readonly requests: Array<{ modelDir: string; params: CompleteRequest.Params }> = [];
	onComplete: () => void = () => undefined;
	private modelDir = '';

	async load(params: ModelLoadRequest.Params): Promise<ModelLoadRequest.Result> {
		this.modelDir = params.modelDir;
		return { id: params.modelDir.slice(1), decoding: { threshold: 0.5 } } as ModelLoadRequest.Result;
	}

	async complete(params: CompleteRequest.Params): Promise<CompleteRequest.Result> {
		this.requests.push({ modelDir: this.modelDir, params });
		this.onComplete();
		const text = `${params.segments[0]} ${params.decoding!.decoder}\nsecond line`;
		return { regions: [{ text, tokens: 6, endedByEos: false }], tokens: 6, forwards: 2 } as unknown as CompleteRequest.Result;
	}
}

/** Two single-line tasks whose reference is `<id> ar\n`: the ar rows match exactly, the others do not. */
export const singleLineTasks: BenchTask[] = ['t1', 't2'].map((id) => ({ taskId: `SingleLineInfilling/${id}`, prompt: id, suffix: '', canonicalSolution: `${id} ar\n` }));

/** Runner options without warm-up. */
export function runnerOptions(stop = new StopSignal()): RunnerOptions {
	return { maxTokens: 48, cut: 'auto', load: {}, warmup: 0, stop };
}

/** The raw options with commander's defaults, plus `extra`. */
export function rawOptions(extra: Partial<BenchCliOptions>): BenchCliOptions {
	return { data: 'tasks.jsonl', maxTokens: '48', cut: 'auto', warmup: '1', testTimeoutMs: '3000', jobs: '2', ep: 'auto', threads: '0', requests: '40', contextChars: '4096', ...extra };
}
