/**
 * The `d3llm` command line (architecture §2): runs the same engine as the extension, through the real
 * sidecar process, without VS Code. Exit codes: 0 success, 1 failure, 2 usage error.
 */
import { Command, CommanderError } from 'commander';
import { registerBenchCommand } from './bench/benchCli';
import { runComplete, type CompleteOptions } from './completeCommand';
import { errorMessage } from './sidecarProcess';
import { UsageError } from './usageError';

function buildProgram(): Command {
	const program = new Command('d3llm').description('Diffusion-LM code completion (d3LLM multi-block decoding)').exitOverride();
	program
		.command('complete')
		.description('fill the hole between a prefix and an optional suffix')
		.option('--model <dir>', 'model folder (model.onnx, tokenizer.json, model.json); default: the shipped model')
		.option('--prefix <text>', 'text before the hole')
		.option('--prefix-file <file>', 'read the text before the hole from a UTF-8 file')
		.option('--suffix <text>', 'text after the hole')
		.option('--suffix-file <file>', 'read the text after the hole from a UTF-8 file')
		.option('--max-tokens <n>', 'token budget of the hole', '64')
		.option('--decoder <name>', 'd3llm | fastdllm | vanilla | ar (default: the model\'s)')
		.option('--threshold <t>', 'entropy threshold in nats (d3llm)')
		.option('--block-size <b>', 'block size in tokens')
		.option('--eos-leftmost', 'count an end-of-middle proposal only at the leftmost undecided position')
		.option('--length-slack <n>', 'end the hole n tokens after the first position the first forward predicts as its end (-1: off)')
		.option('--stop-at-newline', 'end the hole at its first decoded line break (the text keeps it)')
		.option('--no-token-healing', 'keep the token the cursor cuts and let a hole after a space open with any token (default: the model re-chooses the cut token, e.g. `(` → `(\'`, and opens a hole after `= ` with a token that starts with the space)')
		.option('--raw', 'print the model\'s middle as is (default: without text the suffix already has, as the editor inserts it)')
		.option('--ep <provider>', 'execution provider: auto | cuda | webgpu | cpu', 'auto')
		.option('--threads <n>', 'onnxruntime intra-op threads (0 = default)', '0')
		.option('--trace', 'render the hole filling in, step by step (on stderr)')
		.option('--json', 'print one JSON line with text, rawText, tokens, forwards, tpf, ms, decoder, model, executionProvider')
		.option('--repeat <n>', 'run the same completion n times on the warm sidecar and report median times', '1')
		.option('--alternatives <n>', 'also print up to n other completions (0-3), each opening with another of the model\'s most likely first tokens')
		.option('--verbose', 'show the sidecar log')
		.action(async (options: CompleteOptions) => {
			process.exitCode = await runComplete(options);
		});
	registerBenchCommand(program);
	return program;
}

async function main(argv: string[]): Promise<void> {
	try {
		await buildProgram().parseAsync(argv);
	} catch (e) {
		if (e instanceof CommanderError) {
			process.exitCode = e.exitCode === 0 ? 0 : 2;
			return;
		}
		process.stderr.write(`d3llm: ${errorMessage(e)}\n`);
		process.exitCode = e instanceof UsageError ? 2 : 1;
	}
}

void main(process.argv);
