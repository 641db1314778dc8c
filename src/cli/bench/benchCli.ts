/**
 * Registers `d3llm bench` on the commander program: the quality benchmark over HumanEval-Infilling-shaped
 * data and, with `--latency`, the inline-completion latency benchmark.
 */
import type { Command } from 'commander';
import { runBenchCommand } from './benchCommand';
import type { BenchCliOptions } from './benchOptions';

/** Adds the `bench` subcommand to `program`. */
export function registerBenchCommand(program: Command): void {
	program
		.command('bench')
		.description('benchmark the decoders on HumanEval-Infilling-shaped tasks (or inline latency with --latency)')
		.option('--data <file>', 'tasks, JSON Lines (plain or .gz): task_id, prompt, suffix, canonical_solution[, test, entry_point]')
		.option('--limit <n>', 'use the first N tasks (file order)')
		.option('--decoders <list>', 'comma-separated decoders (default ar,vanilla,fastdllm,d3llm; d3llm only with --latency)')
		.option('--thresholds <list>', 'd3llm entropy thresholds to sweep (default 0.1,0.3,0.5,0.7,0.9 plus the model\'s default)')
		.option('--model <dir>', 'model folder (default: the shipped model)')
		.option('--ar-model <dir>', 'autoregressive twin model, benchmarked as its own row (decoder ar)')
		.option('--decoding <json>', 'JSON object of decoding knobs for the main model\'s rows, e.g. \'{"blockSize":8,"cacheDelay":1}\' (not decoder/threshold; not the --ar-model row)')
		.option('--samples <file>', 'write each finished (row, task) as a JSON line: text, completion, reference, scores, tokens, forwards, ms')
		.option('--max-tokens <n>', 'token budget per hole (fixed: the reference length never leaks into it)', '48')
		.option('--cut <mode>', 'auto | line | none: keep only the first line (auto: for SingleLineInfilling tasks)', 'auto')
		.option('--as-inserted', 'score the text as the editor would insert it (line policy and post-processing, as `d3llm complete` prints it), then cut')
		.option('--warmup <n>', 'untimed requests per decoder before measuring', '1')
		.option('--test-timeout-ms <ms>', 'wall-clock limit of each pass@1 program', '3000')
		.option('--jobs <n>', 'pass@1 programs run at once (1 or 2)', '2')
		.option('--ep <provider>', 'execution provider: auto | cuda | webgpu | cpu', 'auto')
		.option('--threads <n>', 'onnxruntime intra-op threads (0 = default)', '0')
		.option('--json', 'print one JSON line with the results and AUP')
		.option('--out <file>', 'write the markdown report there and its plot next to it as .svg')
		.option('--latency', 'measure inline-completion latency through the warm sidecar instead')
		.option('--requests <n>', 'latency: number of timed requests per decoder', '40')
		.option('--context-chars <n>', 'latency: characters of context per request at most (¾ before the cursor)', '4096')
		.option('--verbose', 'show the sidecar log')
		.action(async (options: BenchCliOptions) => {
			process.exitCode = await runBenchCommand(options);
		});
}
